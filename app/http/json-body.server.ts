import { BodyTooLargeError, readBodyWithLimit } from "./body.server";

export type JsonObjectReading = { ok: true; body: Record<string, unknown> } | { ok: false; status: 400 | 413 | 415; error: string };

/**
 * A small JSON object from a request body: what lookups by email are sent as, so the customer's
 * email stays out of URLs and the access logs of every proxy on the way
 * (docs/decisions/024-proxy-canonical-query-and-post-lookups.md).
 */
export async function readJsonObject(request: Request, limit: number): Promise<JsonObjectReading> {
  if (request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() !== "application/json") {
    return { ok: false, status: 415, error: "send a JSON body" };
  }
  let body: unknown;
  try {
    body = JSON.parse(await readBodyWithLimit(request, limit));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, status: 413, error: error.message };
    if (error instanceof SyntaxError) return { ok: false, status: 400, error: "the body is not JSON" };
    throw error;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return { ok: false, status: 400, error: "the body is not a JSON object" };
  return { ok: true, body: body as Record<string, unknown> };
}

/** A string field of a JSON body, trimmed; null when absent, empty or not a string. */
export function textField(body: Record<string, unknown>, key: string): string | null {
  const value = body[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}
