/**
 * An Excel workbook (.xlsx) as the records of one sheet: the first tab, or the one the feed names.
 * Cells become the text a CSV export of the sheet would hold; a date cell is the wall-clock time Excel
 * shows, read like any time without an offset (on the warehouse's clock).
 *
 * A workbook is a zip archive, and 20 MB of it can unzip to gigabytes. The file (within the byte limit)
 * is held and opened by its zip directory (unzipper, which exceljs itself reads zips with): a workbook
 * whose parts declare more than MAX_UNZIPPED_BYTES, or that is compressed like a zip bomb, is refused
 * before anything is unzipped, and a part that unzips to more than it declared stops the reading. Only
 * the parts needed are unzipped, shared strings before the sheet, and handed to exceljs' own part
 * parsers. exceljs' streaming reader takes parts in archive order, and Excel writes the sheets before
 * the shared strings, so that reader spills every sheet to a temporary file, left behind when reading
 * stops early; read this way nothing touches the disk.
 */
import { posix } from "node:path";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import unzipper, { type File as ZipEntry } from "unzipper";
import { FeedFileError } from "./feed-file-error.server";

export const MAX_UNZIPPED_BYTES = 200 * 1024 * 1024;
/** Spreadsheet XML compresses about 10 to 1; a bomb, hundreds to 1. */
const MAX_COMPRESSION_RATIO = 100;
/** A small workbook costs nothing whatever its ratio. */
const RATIO_FROM_BYTES = 10 * 1024 * 1024;
/** No 3PL field needs more; a record keeps this much of a longer cell. */
export const MAX_CELL_CHARS = 1024;
/** Excel keeps 15 significant digits of a number. */
const EXCEL_DIGITS = 15;

export type SheetRecord = {
  record: string[];
  line: number;
  /** columns (from 0) whose cell is a number, not text: Excel has dropped any leading zeros */
  numberColumns?: readonly number[];
  /** columns whose number has more digits than a spreadsheet number keeps: the last ones are lost */
  lostDigitColumns?: readonly number[];
  /** columns whose text is longer than MAX_CELL_CHARS (the record holds the start) */
  longColumns?: readonly number[];
};

type SheetRow = { number: number; values: unknown[] };
type SheetReader = AsyncIterable<SheetRow>;

/**
 * exceljs' part parsers (4.4.0, pinned), which its streaming reader calls for each part of the archive
 * in archive order; called here in the order the parts depend on each other.
 */
type WorkbookParts = {
  _parseRels(part: Readable): Promise<void>;
  _parseWorkbook(part: Readable): Promise<void>;
  _parseSharedStrings(part: Readable): AsyncGenerator<unknown>;
  _parseStyles(part: Readable): Promise<void>;
  _parseWorksheet(part: AsyncIterable<string>, sheetNo: string): Generator<{ eventType: string; value: SheetReader }>;
  workbookRels?: Array<{ Id: string; Target: string }>;
  model?: { sheets?: Array<{ name: string; rId: string }> };
};

const notWorkbook = (reason: string) => new FeedFileError(415, `this is not a readable Excel workbook (.xlsx): ${reason}`);

/** Significant digits of a number as JavaScript writes it (9.400111899223197e+21: 16). */
function significantDigits(value: number): number {
  const mantissa = Math.abs(value).toString().split("e")[0]!.replace(".", "");
  return mantissa.replace(/^0+/, "").replace(/0+$/, "").length;
}

/** A number that is not what the file's writer meant: past 2^53, or more digits than Excel keeps. */
const lostDigits = (value: number) => !Number.isSafeInteger(value) && (Math.abs(value) > Number.MAX_SAFE_INTEGER || significantDigits(value) > EXCEL_DIGITS);

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A date cell as the sheet shows it. exceljs gives the instant whose UTC fields are what the sheet
 * shows. A time-only cell is a time on Excel's day zero (1899-12-30), written as the time alone; a
 * date without a time is written as the date alone, so a separate time column joins it.
 */
function dateText(value: Date): string {
  if (Number.isNaN(value.getTime())) return "";
  const date = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
  const time = `${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
  if (date === "1899-12-30") return time;
  return time === "00:00:00" ? date : `${date} ${time}`;
}

type Cell = { text: string; number: number | null };

function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return { text: "", number: null };
  if (typeof value === "string") return { text: value, number: null };
  if (typeof value === "number") return { text: String(value), number: value };
  if (typeof value === "boolean") return { text: String(value), number: null };
  if (value instanceof Date) return { text: dateText(value), number: null };
  if (typeof value === "object") {
    const cell = value as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown };
    if (Array.isArray(cell.richText)) return { text: cell.richText.map((r) => r.text).join(""), number: null };
    if ("result" in cell) return cellOf(cell.result);
    if ("text" in cell) return cellOf(cell.text);
  }
  return { text: "", number: null };
}

/** exceljs numbers cells from 1 and leaves gaps empty. */
function recordOf(row: SheetRow): SheetRecord {
  const record: string[] = [];
  const numberColumns: number[] = [];
  const lostDigitColumns: number[] = [];
  const longColumns: number[] = [];
  for (let column = 0; column < row.values.length - 1; column += 1) {
    const { text, number } = cellOf(row.values[column + 1]);
    if (number !== null) numberColumns.push(column);
    if (number !== null && lostDigits(number)) lostDigitColumns.push(column);
    if (text.length > MAX_CELL_CHARS) longColumns.push(column);
    record.push(text.slice(0, MAX_CELL_CHARS));
  }
  return { record, line: row.number, numberColumns, lostDigitColumns, longColumns };
}

/** The archive's directory, refused when it declares more than can be read safely. */
async function openArchive(bytes: Buffer): Promise<Map<string, ZipEntry>> {
  let files: ZipEntry[];
  try {
    files = (await unzipper.Open.buffer(bytes)).files;
  } catch (error) {
    throw notWorkbook((error as Error).message);
  }
  const parts = new Map<string, ZipEntry>();
  let unzipped = 0;
  for (const file of files) {
    if (file.type !== "File") continue;
    parts.set(file.path, file);
    unzipped += file.uncompressedSize;
  }
  const megabytes = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  if (unzipped > MAX_UNZIPPED_BYTES) throw new FeedFileError(413, `the workbook unzips to ${megabytes(unzipped)}, more than ${megabytes(MAX_UNZIPPED_BYTES)}; save it as CSV, or send it in parts`);
  if (unzipped > RATIO_FROM_BYTES && unzipped > bytes.byteLength * MAX_COMPRESSION_RATIO) {
    throw new FeedFileError(413, `the workbook unzips to ${megabytes(unzipped)} from ${megabytes(bytes.byteLength)}, far more than a spreadsheet compresses; save it as CSV`);
  }
  return parts;
}

/** A part's text as it unzips, never more than the directory declared for it. */
async function* partText(part: ZipEntry): AsyncGenerator<string> {
  // One decoder for the whole part: a character may be split between two unzipped chunks.
  const decoder = new TextDecoder("utf-8");
  let size = 0;
  for await (const chunk of part.stream() as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > part.uncompressedSize) throw notWorkbook(`${part.path} unzips to more than the ${part.uncompressedSize} bytes its archive declares`);
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** The path in the archive of a part the workbook's relationships name (relative to xl/ or absolute). */
const partPath = (target: string) => (target.startsWith("/") ? target.slice(1) : posix.normalize(`xl/${target}`));

/** The rows of the sheet named `sheet` (any case; empty: the first tab); `onSheet` learns which sheet is read. */
export async function* workbookRecords(bytes: AsyncIterable<Buffer>, sheet: string, onSheet: (name: string) => void): AsyncGenerator<SheetRecord> {
  const chunks: Buffer[] = [];
  for await (const chunk of bytes) chunks.push(chunk);
  const parts = await openArchive(Buffer.concat(chunks));
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    worksheets: "emit",
    entries: "ignore",
  }) as unknown as WorkbookParts;
  const wanted = sheet.trim().toLowerCase();
  let rows: SheetReader;
  try {
    const read = (path: string) => Readable.from(partText(parts.get(path)!));
    for (const path of ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"]) if (!parts.has(path)) throw notWorkbook(`it has no ${path}`);
    await workbook._parseRels(read("xl/_rels/workbook.xml.rels"));
    await workbook._parseWorkbook(read("xl/workbook.xml"));
    if (parts.has("xl/sharedStrings.xml")) for await (const cached of workbook._parseSharedStrings(read("xl/sharedStrings.xml"))) void cached;
    if (parts.has("xl/styles.xml")) await workbook._parseStyles(read("xl/styles.xml"));
    const sheets = workbook.model?.sheets ?? [];
    const chosen = wanted ? sheets.find((s) => s.name.trim().toLowerCase() === wanted) : sheets[0];
    if (!chosen) {
      throw new FeedFileError(400, wanted ? `the workbook has no sheet named "${sheet.trim()}" (it has ${sheets.map((s) => `"${s.name}"`).join(", ") || "none"})` : "the workbook has no sheet");
    }
    const target = workbook.workbookRels?.find((r) => r.Id === chosen.rId)?.Target;
    const part = target ? parts.get(partPath(target)) : undefined;
    if (!part) throw notWorkbook(`its sheet "${chosen.name}" is missing`);
    onSheet(chosen.name);
    rows = [...workbook._parseWorksheet(partText(part), chosen.rId)][0]!.value;
  } catch (error) {
    throw fileError(error);
  }
  try {
    for await (const row of rows) yield recordOf(row);
  } catch (error) {
    throw fileError(error);
  }
}

/** What the reader threw as the file's verdict: the limit that stopped it, or why it is not a workbook. */
function fileError(error: unknown): FeedFileError {
  const cause = error instanceof FeedFileError ? error : (error as { cause?: unknown }).cause;
  if (cause instanceof FeedFileError) return cause;
  return notWorkbook((error as Error).message);
}
