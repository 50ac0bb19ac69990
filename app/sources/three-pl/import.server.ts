/**
 * The one 3PL file parser, whatever way the file came in (dashboard upload, HTTP feed, SFTP pickup):
 * bytes stream through csv-parse, rows become parcels (app/domain/three-pl.ts), parcels are matched
 * to orders by name and recorded (app/sources/feed-delivery.server.ts), and the import is logged.
 */
import { Readable, pipeline } from "node:stream";
import { parse, type CsvError } from "csv-parse";
import type { Db } from "../../db.server";
import { locateColumns, readColumnMapping, type ColumnPositions } from "../../domain/three-pl-columns";
import { readThreePlRow, shipmentsFromRows, type ThreePlRow } from "../../domain/three-pl";
import { deliverFeedItems, matchPendingItems, type FeedDeps, type FeedItem } from "../feed-delivery.server";

export const MAX_THREE_PL_FILE_BYTES = 20 * 1024 * 1024;
/** Rejections kept in the answer and the import log; the counts stay exact beyond it. */
const MAX_REPORTED_REJECTIONS = 500;

export type ImportVia = "upload" | "http" | "sftp";

export type ThreePlImportResult = {
  /** rows taken: recorded now or kept until their order appears (`pending` of them) */
  accepted: number;
  /** rows already known (the same parcel sent before) */
  duplicates: number;
  pending: number;
  rejected: Array<{ line: number; error: string }>;
  /** rejected rows in all, when more than the reported ones */
  rejectedCount: number;
};

/** The file as a whole cannot be imported; `status` is the HTTP answer it deserves. */
export class FeedFileError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = "FeedFileError";
  }
}

export type ThreePlImportInput = {
  shop: string;
  body: AsyncIterable<Uint8Array | string> | Uint8Array | string;
  via: ImportVia;
  fileName?: string | null;
  receivedAt: Date;
  maxBytes?: number;
};

/**
 * Past the limit, a sender that did not declare its length is still mid-upload; reading (and
 * dropping) a bounded rest lets it receive the 413 instead of a connection reset.
 */
const DRAIN_AFTER_LIMIT_BYTES = 8 * 1024 * 1024;

async function* limited(body: ThreePlImportInput["body"], maxBytes: number): AsyncGenerator<Buffer> {
  const source: Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string> = typeof body === "string" || body instanceof Uint8Array ? [body] : body;
  const tooLarge = () => new FeedFileError(413, `the file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);
  let size = 0;
  let first = true;
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.byteLength;
    if (size > maxBytes + DRAIN_AFTER_LIMIT_BYTES) throw tooLarge();
    if (size > maxBytes) continue;
    // Text files do not contain NUL bytes; spreadsheets, archives and images do.
    if (first && bytes.byteLength > 0) {
      if (bytes.subarray(0, 8192).includes(0)) throw new FeedFileError(415, "this is not a CSV file (it contains binary data)");
      first = false;
    }
    yield bytes;
  }
  if (size > maxBytes) throw tooLarge();
  if (size === 0) throw new FeedFileError(400, "the file is empty");
}

/**
 * A request body as chunks, without cancelling the request when the import stops early (a refused
 * header, binary data): a cancelled body tears down the connection before the client reads the
 * answer, while an unread rest is simply discarded by the HTTP server after the response.
 */
export async function* requestBodyChunks(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Parses the file and reads its rows; a broken record is reported by line and parsing goes on. */
async function readRows(shop: string, db: Db, input: ThreePlImportInput): Promise<{ rows: ThreePlRow[]; rejected: ThreePlImportResult["rejected"]; rejectedCount: number }> {
  const feed = await db.threePlFeed.findUnique({ where: { shop }, select: { columnMapping: true } });
  const mapping = readColumnMapping(feed?.columnMapping);
  const rejected: ThreePlImportResult["rejected"] = [];
  let positions: ColumnPositions | null = null;
  // Records csv-parse could not read, in file order; the parser reads ahead of this loop.
  const skipped: Array<{ line: number; error: string }> = [];
  const notCsv = (reason: string) => new FeedFileError(415, `this is not a CSV file: ${reason}`);
  let rejectedCount = 0;
  const reject = (line: number, error: string) => {
    rejectedCount += 1;
    if (rejected.length < MAX_REPORTED_REJECTIONS) rejected.push({ line, error });
  };
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: 64 * 1024,
    on_skip: (error: CsvError | undefined) => {
      if (error) skipped.push({ line: Number(error.lines ?? 0), error: error.message.replace(/ at line \d+.*$/, "").replace(/ on line \d+$/, "") });
      return undefined;
    },
  });
  // pipeline, unlike pipe, hands a failure of the byte source (too large, binary) on to the parser.
  pipeline(Readable.from(limited(input.body, input.maxBytes ?? MAX_THREE_PL_FILE_BYTES)), parser, () => undefined);
  const rows: ThreePlRow[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!positions) {
        // Nothing readable before the header: a file that fails there is not CSV at all.
        if (skipped[0] && skipped[0].line < info.lines) throw notCsv(skipped[0].error);
        const located = locateColumns(record, mapping);
        if (!located.ok) throw new FeedFileError(400, `not a 3PL shipment file: ${located.error} (expected ${Object.values(mapping).join(",")})`);
        positions = located.positions;
        continue;
      }
      const outcome = readThreePlRow(record, positions, info.lines);
      if (outcome.ok) rows.push(outcome.row);
      else reject(outcome.line, outcome.error);
    }
  } catch (error) {
    // The stream wraps errors thrown by the byte source; give the caller the file's own verdict.
    const cause = error instanceof FeedFileError ? error : (error as { cause?: unknown }).cause;
    if (cause instanceof FeedFileError) throw cause;
    throw error;
  }
  if (!positions && skipped[0]) throw notCsv(skipped[0].error);
  for (const skip of skipped) reject(skip.line, skip.error);
  if (!positions) throw new FeedFileError(400, "the file has no header row");
  return { rows, rejected: rejected.sort((a, b) => a.line - b.line), rejectedCount };
}

/** Imports one 3PL file for one shop: `{accepted, duplicates, pending, rejected}` by row. */
export async function importThreePlFile(deps: FeedDeps, input: ThreePlImportInput): Promise<ThreePlImportResult> {
  const { shop } = input;
  let result: ThreePlImportResult;
  try {
    const { rows, rejected, rejectedCount } = await readRows(shop, deps.db, input);
    const drafts = shipmentsFromRows(rows);
    const byLine = new Map(rows.map((r) => [r.line, r]));
    const items: FeedItem[] = drafts.map((d) => ({
      match: { by: "order", name: d.orderName },
      event: d.event,
      raw: JSON.stringify({ file: input.fileName ?? null, rows: d.lines.map((line) => byLine.get(line)) }),
    }));
    const outcomes = await deliverFeedItems(deps, shop, items, input.receivedAt);
    result = { accepted: 0, duplicates: 0, pending: 0, rejected, rejectedCount };
    drafts.forEach((draft, i) => {
      const rowCount = draft.lines.length;
      if (outcomes[i] === "duplicate") result.duplicates += rowCount;
      else result.accepted += rowCount;
      if (outcomes[i] === "pending") result.pending += rowCount;
    });
    // New parcels may carry tracking numbers carrier scans have been waiting for.
    if (result.accepted > result.pending) await matchPendingItems(deps, shop, input.receivedAt);
  } catch (error) {
    if (error instanceof FeedFileError) await logImport(deps.db, input, null, error.message);
    throw error;
  }
  await logImport(deps.db, input, result, null);
  return result;
}

/** Books a file refused before any of it was read (the SFTP listing already says it is too large). */
export async function logRefusedFile(db: Db, input: ImportLogInput, error: FeedFileError): Promise<void> {
  await logImport(db, input, null, error.message);
}

type ImportLogInput = Pick<ThreePlImportInput, "shop" | "via" | "fileName" | "receivedAt">;

async function logImport(db: Db, input: ImportLogInput, result: ThreePlImportResult | null, fileError: string | null) {
  await db.feedImport.create({
    data: {
      shop: input.shop,
      feed: "3pl",
      via: input.via,
      fileName: input.fileName?.slice(0, 255) ?? null,
      receivedAt: input.receivedAt,
      accepted: result?.accepted ?? 0,
      duplicates: result?.duplicates ?? 0,
      pending: result?.pending ?? 0,
      rejected: result ? result.rejectedCount : 0,
      rejections: JSON.stringify(result ? result.rejected.slice(0, 50) : [{ line: 0, error: fileError }]),
    },
  });
}

/** The last imports of a shop, newest first, for the Feeds page. */
export async function recentImports(db: Db, shop: string, take = 20) {
  const rows = await db.feedImport.findMany({ where: { shop }, orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take });
  return rows.map((r) => ({
    id: r.id,
    feed: r.feed,
    via: r.via,
    fileName: r.fileName,
    receivedAt: r.receivedAt.toISOString(),
    accepted: r.accepted,
    duplicates: r.duplicates,
    pending: r.pending,
    rejected: r.rejected,
    rejections: JSON.parse(r.rejections) as Array<{ line: number; error: string | null }>,
  }));
}
