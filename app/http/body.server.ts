export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/** How far past a limit a refused body is still read (and dropped) so its sender gets the answer. */
const DRAIN_FACTOR = 8;

/**
 * Reads and drops what is left of a refused body, so the 413 reaches a client that is still sending:
 * answering and closing under it makes it see a broken pipe instead. Past `cap` bytes in all, gives
 * up and cancels (the connection then closes).
 */
export async function discardBody(request: Request, cap: number): Promise<void> {
  if (!request.body || request.body.locked) return;
  if (Number(request.headers.get("content-length") ?? "0") > cap) return void (await request.body.cancel());
  await dropRest(request.body.getReader(), 0, cap);
}

async function dropRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number, cap: number): Promise<void> {
  let size = alreadyRead;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > cap) return void (await reader.cancel());
  }
}

/** Reads a request body as text, refusing it (413) once it passes the limit, without buffering the excess. */
export async function readBodyWithLimit(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await discardBody(request, limit * DRAIN_FACTOR);
    throw new BodyTooLargeError(limit);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await dropRest(reader, size, limit * DRAIN_FACTOR);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
