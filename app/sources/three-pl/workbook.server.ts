/**
 * An Excel workbook (.xlsx) as the records of one sheet: the first, or the one the feed names. Read as
 * it streams (exceljs' streaming reader), so a workbook costs what its rows cost, within the same byte
 * limit as any file. Cells become the text a CSV export of the sheet would hold; a date cell is the
 * wall-clock time Excel shows, read like any time without an offset (on the warehouse's clock).
 */
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { FeedFileError } from "./feed-file-error.server";

export type SheetRecord = { record: string[]; line: number };

type SheetRow = { number: number; values: unknown[] };
type SheetReader = AsyncIterable<SheetRow> & { name: string };

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // exceljs gives a date cell as the instant whose UTC fields are what the sheet shows.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString().slice(0, 19).replace("T", " ");
  if (typeof value === "object") {
    const cell = value as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(cell.richText)) return cell.richText.map((r) => r.text).join("");
    if ("result" in cell) return cellText(cell.result);
    if ("text" in cell) return cellText(cell.text);
  }
  return "";
}

/** exceljs numbers cells from 1 and leaves gaps empty. */
const rowCells = (values: unknown[]) => Array.from({ length: Math.max(values.length - 1, 0) }, (_, i) => cellText(values[i + 1]));

/** The rows of the sheet named `sheet` (any case; empty: the first); `onSheet` learns which sheet is read. */
export async function* workbookRecords(bytes: AsyncIterable<Buffer>, sheet: string, onSheet: (name: string) => void): AsyncGenerator<SheetRecord> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    worksheets: "emit",
    entries: "ignore",
  }) as unknown as AsyncIterable<SheetReader>;
  const wanted = sheet.trim().toLowerCase();
  const names: string[] = [];
  try {
    for await (const worksheet of reader) {
      names.push(worksheet.name);
      if (wanted && worksheet.name.trim().toLowerCase() !== wanted) {
        for await (const skipped of worksheet) void skipped;
        continue;
      }
      onSheet(worksheet.name);
      for await (const row of worksheet) yield { record: rowCells(row.values), line: row.number };
      return;
    }
  } catch (error) {
    const cause = error instanceof FeedFileError ? error : (error as { cause?: unknown }).cause;
    if (cause instanceof FeedFileError) throw cause;
    throw new FeedFileError(415, `this is not a readable Excel workbook (.xlsx): ${(error as Error).message}`);
  }
  throw new FeedFileError(400, wanted ? `the workbook has no sheet named "${sheet.trim()}" (it has ${names.map((n) => `"${n}"`).join(", ") || "none"})` : "the workbook has no sheet");
}
