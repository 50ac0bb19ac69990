/**
 * The one 3PL file parser, whatever way the file came in (dashboard upload, HTTP feed, SFTP pickup):
 * bytes stream, as delimited text in its encoding (file-text.server.ts, then csv-parse) or as a
 * workbook's sheet (workbook.server.ts); the header row picks the shop's mapping or a known layout;
 * rows become parcels (app/domain/three-pl.ts), parcels are matched to orders by name and recorded
 * (app/sources/feed-delivery.server.ts), and the import is logged. A preview reads the same way and
 * stores nothing.
 */
import { createHash, type Hash } from "node:crypto";
import { Readable, pipeline } from "node:stream";
import { DateTime } from "luxon";
import { parse, type CsvError } from "csv-parse";
import type { Db } from "../../db.server";
import { headerRowOf, isPackageMapping, locateColumns, readColumnMapping, type ColumnMapping, type ColumnPositions, type ThreePlField } from "../../domain/three-pl-columns";
import { DEFAULT_FORMAT, readFormat, recognisePreset, type DateFormat, type ThreePlFormat } from "../../domain/three-pl-format";
import { fitsOrderNames, orderNameShapes, readThreePlRow, shipmentsFromRows, tooManyRows, type ThreePlRow, type ThreePlShipmentDraft } from "../../domain/three-pl";
import { deliverFeedItems, matchKeyText, matchPendingItems, resolveOrders, type FeedDeps, type FeedItem } from "../feed-delivery.server";
import { FeedFileError } from "./feed-file-error.server";
import { isZip, openTextFile, peekBytes } from "./file-text.server";
import { MAX_CELL_CHARS, workbookRecords, type SheetRecord } from "./workbook.server";

export { FeedFileError };

export const MAX_THREE_PL_FILE_BYTES = 20 * 1024 * 1024;
/** Rejections kept in the answer and the import log; the counts stay exact beyond it. */
const MAX_REPORTED_REJECTIONS = 500;
/** Parcels a preview shows. */
const PREVIEW_PARCELS = 20;
/** Order names read to learn the shapes of a shop's names. */
const ORDER_NAME_SAMPLE = 500;
/** Characters of a cell quoted in a rejection reason. */
const QUOTED_CHARS = 100;

export type ImportVia = "upload" | "http" | "sftp";

export type ThreePlImportResult = {
  /** rows recorded against their orders now */
  accepted: number;
  /** rows already known (the same parcel sent before) */
  duplicates: number;
  /** rows kept until their order appears (up to 30 days), not yet recorded */
  pending: number;
  rejected: Array<{ line: number; error: string }>;
  /** rejected rows in all, when more than the reported ones */
  rejectedCount: number;
};

/** How the file was read, so a merchant can see a misreading before it is stored. */
export type ThreePlFileReading = {
  /** "xlsx" for a workbook */
  encoding: string;
  encodingFrom: "bom" | "feed" | "http" | "detected" | "workbook";
  /** empty for a workbook */
  delimiter: string;
  /** the sheet read, for a workbook */
  sheet: string | null;
  /** the preset recognised from the header row, or null when the shop's own mapping fitted */
  preset: string | null;
  columns: string;
  packageRows: boolean;
  dateFormat: DateFormat;
  timeZone: string;
  /** what the merchant should know about the reading (an encoding the sender misnamed, lost zeros) */
  notes: string[];
};

export type PreviewParcel = {
  lines: number[];
  order: string;
  /** whether the shop has this order now; otherwise the parcel waits for it */
  orderKnown: boolean;
  trackingNumbers: string[];
  carrier: string | null;
  shippedAt: string;
  /** the shipping time on the warehouse's clock, with its offset */
  shippedAtLocal: string;
  /** null for a package: it covers the order's unshipped units */
  units: number | null;
  skus: string[];
};

export type ThreePlPreview = {
  dryRun: true;
  file: ThreePlFileReading;
  parcels: PreviewParcel[];
  /** rows whose order is known now, and rows that would wait for theirs */
  rowsForKnownOrders: number;
  rowsWaiting: number;
  rejected: ThreePlImportResult["rejected"];
  rejectedCount: number;
  /** the file's bytes and the settings it was read with; an import confirming this preview names it */
  previewHash: string;
};

export type ThreePlImportInput = {
  shop: string;
  body: AsyncIterable<Uint8Array | string> | Uint8Array | string;
  via: ImportVia;
  fileName?: string | null;
  receivedAt: Date;
  maxBytes?: number;
  /** the charset of the HTTP request's Content-Type, if it named one */
  httpCharset?: string | null;
  /** the previewHash of the preview this import confirms: a file or settings changed since are refused */
  previewHash?: string | null;
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
  for await (const chunk of source) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += bytes.byteLength;
    if (size > maxBytes + DRAIN_AFTER_LIMIT_BYTES) throw tooLarge();
    if (size > maxBytes) continue;
    if (bytes.byteLength > 0) yield bytes;
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

/** The charset parameter of a Content-Type header, if any. */
export function charsetOf(contentType: string | null): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? "");
  return match ? match[1]! : null;
}

type ReadFile = {
  rows: ThreePlRow[];
  rejected: ThreePlImportResult["rejected"];
  rejectedCount: number;
  file: ThreePlFileReading;
  previewHash: string;
};

async function* hashing(bytes: AsyncIterable<Buffer>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of bytes) {
    hash.update(chunk);
    yield chunk;
  }
}

/** The layout a header row is read in: the shop's mapping, or else a preset it matches. */
function layoutFor(header: string[], mapping: ColumnMapping, format: ThreePlFormat) {
  const own = locateColumns(header, mapping);
  if (own.ok) return { positions: own.positions, mapping, format, preset: null };
  const preset = recognisePreset(header);
  if (preset) {
    const located = locateColumns(header, preset.mapping);
    // A layout's date format stands in for the default only: a shop that chose one knows its warehouse.
    const dateFormat = format.dateFormat === DEFAULT_FORMAT.dateFormat ? (preset.format.dateFormat ?? format.dateFormat) : format.dateFormat;
    if (located.ok) return { positions: located.positions, mapping: preset.mapping, format: { ...format, ...preset.format, dateFormat }, preset: preset.id };
  }
  throw new FeedFileError(400, `not a 3PL shipment file: ${own.error} (expected ${headerRowOf(mapping)}), and not a known layout`);
}

/** Cell text quoted in a reason, shortened: a reason names the cell, it need not copy all of it. */
function shortenQuotes(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => {
      let text: string;
      try {
        text = JSON.parse(quoted) as string;
      } catch {
        text = quoted.slice(1, -1);
      }
      return text.length > QUOTED_CHARS ? JSON.stringify(`${text.slice(0, QUOTED_CHARS)}…`) : quoted;
    })
    .slice(0, 4 * QUOTED_CHARS);
}

/** Fields that name things: a number cell is no way to keep them. */
const IDENTIFIER_FIELDS: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["order", "sku", "tracking_number"]);

function fieldsByColumn(positions: ColumnPositions): Map<number, ThreePlField> {
  const fields = new Map<number, ThreePlField>();
  for (const [field, column] of Object.entries(positions) as Array<[ThreePlField, number | null]>) if (column !== null) fields.set(column, field);
  return fields;
}

/** What a workbook's cells say about a row that their text alone does not: a cell too long, digits Excel lost. */
function cellProblem(record: SheetRecord, fields: ReadonlyMap<number, ThreePlField>): string | null {
  for (const column of record.longColumns ?? []) {
    const field = fields.get(column);
    if (field) return `${field} is longer than ${MAX_CELL_CHARS} characters (${JSON.stringify(record.record[column])})`;
  }
  for (const column of record.lostDigitColumns ?? []) {
    const field = fields.get(column);
    if (field && IDENTIFIER_FIELDS.has(field)) {
      return `${field} ${record.record[column]} is a number in the sheet, and Excel keeps only 15 digits of a number, so its last digits are lost; format the column as text and export again`;
    }
  }
  return null;
}

/** Parses the file and reads its rows; a broken record is reported by line and parsing goes on. */
async function readRows(shop: string, db: Db, input: ThreePlImportInput): Promise<ReadFile> {
  const feed = await db.threePlFeed.findUnique({ where: { shop }, select: { columnMapping: true, fileFormat: true } });
  const shopMapping = readColumnMapping(feed?.columnMapping);
  const shopFormat = readFormat(feed?.fileFormat);
  // The latest orders show how the shop names orders now; older shapes are checked by name below.
  const knownNames = await db.order.findMany({ where: { shop }, select: { name: true }, orderBy: { updatedAt: "desc" }, take: ORDER_NAME_SAMPLE });
  const shapes = orderNameShapes(knownNames.map((o) => o.name));
  const example = knownNames[0]?.name;
  const rejected: ThreePlImportResult["rejected"] = [];
  let layout: ReturnType<typeof layoutFor> | null = null;
  // Records csv-parse could not read, in file order; the parser reads ahead of this loop.
  const skipped: Array<{ line: number; error: string }> = [];
  const notCsv = (reason: string) => new FeedFileError(415, `this is not a CSV file: ${reason}`);
  let rejectedCount = 0;
  const reject = (line: number, error: string) => {
    rejectedCount += 1;
    if (rejected.length < MAX_REPORTED_REJECTIONS) rejected.push({ line, error: shortenQuotes(error) });
  };
  const notes: string[] = [];
  // What a preview showed depends on the bytes and on the settings they were read with.
  const hash = createHash("sha256").update(JSON.stringify([feed?.columnMapping ?? null, feed?.fileFormat ?? null, input.httpCharset ?? null]));
  const { head, all } = await peekBytes(hashing(limited(input.body, input.maxBytes ?? MAX_THREE_PL_FILE_BYTES), hash));
  let reading: Pick<ThreePlFileReading, "encoding" | "encodingFrom" | "delimiter" | "sheet">;
  let records: AsyncIterable<SheetRecord>;
  if (isZip(head)) {
    const workbook: typeof reading = { encoding: "xlsx", encodingFrom: "workbook", delimiter: "", sheet: null };
    records = workbookRecords(all, shopFormat.sheet, (name) => {
      workbook.sheet = name;
    });
    reading = workbook;
  } else {
    const text = await openTextFile(all, { encoding: shopFormat.encoding, delimiter: shopFormat.delimiter, httpCharset: input.httpCharset });
    reading = { encoding: text.encoding, encodingFrom: text.encodingFrom, delimiter: text.delimiter, sheet: null };
    if (text.note) notes.push(text.note);
    const parser = parse({
      bom: true,
      info: true,
      delimiter: text.delimiter,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // Exports add columns at the end (a trailing delimiter, a notes field); fewer fields is a broken row.
      relax_column_count_more: true,
      // Tab-separated reports write text as it is, quotes included.
      relax_quotes: text.delimiter === "\t",
      max_record_size: 64 * 1024,
      on_skip: (error: CsvError | undefined) => {
        if (error) skipped.push({ line: Number(error.lines ?? 0), error: error.message.replace(/ at line \d+.*$/, "").replace(/ on line \d+$/, "") });
        return undefined;
      },
    });
    // pipeline, unlike pipe, hands a failure of the byte source (too large) on to the parser.
    pipeline(Readable.from(text.text), parser, () => undefined);
    records = csvRecords(parser);
  }
  const rows: ThreePlRow[] = [];
  const oddlyNamed: ThreePlRow[] = [];
  let fields = new Map<number, ThreePlField>();
  let dataRows = 0;
  let numberTrackingRows = 0;
  try {
    for await (const sheetRecord of records) {
      const { record, line } = sheetRecord;
      // A sheet's blank rows are what a CSV's empty lines are.
      if (record.every((cell) => cell.trim() === "")) continue;
      if (!layout) {
        // Nothing readable before the header: a file that fails there is not CSV at all.
        if (skipped[0] && skipped[0].line < line) throw notCsv(skipped[0].error);
        layout = layoutFor(record, shopMapping, shopFormat);
        fields = fieldsByColumn(layout.positions);
        continue;
      }
      dataRows += 1;
      const tooMany = tooManyRows(dataRows);
      if (tooMany) throw new FeedFileError(413, tooMany);
      const tracking = layout.positions.tracking_number;
      if (tracking !== null && sheetRecord.numberColumns?.includes(tracking)) numberTrackingRows += 1;
      const problem = cellProblem(sheetRecord, fields);
      if (problem) {
        reject(line, problem);
        continue;
      }
      const outcome = readThreePlRow(record, layout.positions, line, layout.format);
      if (!outcome.ok) reject(outcome.line, outcome.error);
      else if (!fitsOrderNames(outcome.row.orderName, shapes)) oddlyNamed.push(outcome.row);
      else rows.push(outcome.row);
    }
  } catch (error) {
    // The stream wraps errors thrown by the byte source; give the caller the file's own verdict.
    const cause = error instanceof FeedFileError ? error : (error as { cause?: unknown }).cause;
    if (cause instanceof FeedFileError) throw cause;
    throw error;
  }
  if (!layout && skipped[0]) throw notCsv(skipped[0].error);
  for (const skip of skipped) reject(skip.line, skip.error);
  // A name unlike the shop's recent ones may still be one of its orders (named before a prefix changed).
  const existing = await existingOrderNames(db, shop, oddlyNamed.map((r) => r.orderName));
  for (const row of oddlyNamed) {
    if (existing.has(row.orderName)) rows.push(row);
    else reject(row.line, `order ${JSON.stringify(row.orderName)} cannot be one of this shop's orders (they are named like ${example}); set the feed's order number rule`);
  }
  rows.sort((a, b) => a.line - b.line);
  if (!layout) throw new FeedFileError(400, "the file has no header row");
  if (numberTrackingRows > 0) {
    notes.push(
      `The tracking numbers of ${numberTrackingRows} row(s) are numbers in the sheet, not text: Excel drops a number's leading zeros, and they cannot be recovered here. If a carrier's numbers start with 0, format the column as text and export again.`,
    );
  }
  const found: ReturnType<typeof layoutFor> = layout;
  return {
    rows,
    rejected: rejected.sort((a, b) => a.line - b.line),
    rejectedCount,
    // Every byte has passed: the parser reads to the end before its last record.
    previewHash: hash.digest("hex"),
    file: {
      encoding: reading.encoding,
      encodingFrom: reading.encodingFrom,
      delimiter: reading.delimiter,
      sheet: reading.sheet,
      preset: found.preset,
      columns: headerRowOf(found.mapping),
      packageRows: isPackageMapping(found.mapping),
      dateFormat: found.format.dateFormat,
      timeZone: found.format.timeZone,
      notes,
    },
  };
}

async function existingOrderNames(db: Db, shop: string, names: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(names)];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += 400) {
    const part = unique.slice(i, i + 400);
    for (const row of await db.order.findMany({ where: { shop, name: { in: part } }, select: { name: true } })) found.add(row.name);
  }
  return found;
}

async function* csvRecords(parser: AsyncIterable<unknown>): AsyncGenerator<SheetRecord> {
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) yield { record, line: info.lines };
}

function feedItems(drafts: readonly ThreePlShipmentDraft[], rows: readonly ThreePlRow[], fileName: string | null | undefined): FeedItem[] {
  const byLine = new Map(rows.map((r) => [r.line, r]));
  return drafts.map((d) => ({
    match: { by: "order", name: d.orderName },
    event: d.event,
    raw: JSON.stringify({ file: fileName ?? null, rows: d.lines.map((line) => byLine.get(line)) }),
  }));
}

/** Imports one 3PL file for one shop: `{accepted, duplicates, pending, rejected}` by row. */
export async function importThreePlFile(deps: FeedDeps, input: ThreePlImportInput): Promise<ThreePlImportResult> {
  const { shop } = input;
  let result: ThreePlImportResult;
  try {
    const { rows, rejected, rejectedCount, previewHash } = await readRows(shop, deps.db, input);
    if (input.previewHash && input.previewHash !== previewHash) {
      throw new FeedFileError(409, "the file or the feed's settings changed since the preview; preview the file again");
    }
    const drafts = shipmentsFromRows(rows);
    const outcomes = await deliverFeedItems(deps, shop, feedItems(drafts, rows, input.fileName), input.receivedAt);
    result = { accepted: 0, duplicates: 0, pending: 0, rejected, rejectedCount };
    drafts.forEach((draft, i) => {
      const rowCount = draft.lines.length;
      if (outcomes[i] === "duplicate") result.duplicates += rowCount;
      else if (outcomes[i] === "pending") result.pending += rowCount;
      else result.accepted += rowCount;
    });
    // New parcels may carry tracking numbers carrier scans have been waiting for.
    if (result.accepted > 0) await matchPendingItems(deps, shop, input.receivedAt);
  } catch (error) {
    if (error instanceof FeedFileError) await logImport(deps.db, input, null, error.message);
    throw error;
  }
  await logImport(deps.db, input, result, null);
  return result;
}

/**
 * Reads a file exactly as an import would, and stores nothing: how it was read, its first parcels as
 * they would be recorded, which orders are known, and the rows that would be rejected.
 */
export async function previewThreePlFile(db: Db, input: ThreePlImportInput): Promise<ThreePlPreview> {
  const { rows, rejected, rejectedCount, file, previewHash } = await readRows(input.shop, db, input);
  const drafts = shipmentsFromRows(rows);
  const resolved = await resolveOrders(db, input.shop, drafts.map((d) => ({ by: "order", name: d.orderName }) as const));
  const known = (d: ThreePlShipmentDraft) => (resolved.get(matchKeyText({ by: "order", name: d.orderName }))?.length ?? 0) > 0;
  let rowsForKnownOrders = 0;
  for (const d of drafts) if (known(d)) rowsForKnownOrders += d.lines.length;
  const parcels = drafts
    .slice()
    .sort((a, b) => a.lines[0]! - b.lines[0]!)
    .slice(0, PREVIEW_PARCELS)
    .map((d): PreviewParcel => {
      const data = d.event.data;
      return {
        lines: d.lines,
        order: d.orderName,
        orderKnown: known(d),
        trackingNumbers: data.trackingNumbers ?? (data.trackingNumber ? [data.trackingNumber] : []),
        carrier: data.carrier,
        shippedAt: data.shippedAt,
        shippedAtLocal: DateTime.fromISO(data.shippedAt, { zone: file.timeZone }).toFormat("yyyy-MM-dd HH:mm:ss ZZ"),
        units: data.coversUnshipped ? null : data.lines.reduce((sum, l) => sum + l.quantity, 0),
        skus: data.lines.map((l) => `${l.quantity} × ${l.sku}`),
      };
    });
  return { dryRun: true, file, parcels, rowsForKnownOrders, rowsWaiting: rows.length - rowsForKnownOrders, rejected, rejectedCount, previewHash };
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
