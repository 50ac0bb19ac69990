import { readdirSync } from "node:fs";
import os from "node:os";
import { PassThrough } from "node:stream";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { MAX_CELL_CHARS, MAX_UNZIPPED_BYTES, workbookRecords, type SheetRecord } from "./workbook.server";

async function* once(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

async function readSheet(file: Buffer, sheet = "", stopAfter = Infinity): Promise<{ records: SheetRecord[]; sheet: string | null }> {
  let name: string | null = null;
  const records: SheetRecord[] = [];
  for await (const record of workbookRecords(once(file), sheet, (n) => (name = n))) {
    records.push(record);
    if (records.length >= stopAfter) break;
  }
  return { records, sheet: name };
}

/** Files exceljs' temporary-file library (tmp) makes: tmp-<pid>-<random>. */
const spilledSheets = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`)).length;

async function workbook(sheets: Record<string, unknown[][]>): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) book.addWorksheet(name).addRows(rows);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** A sheet of one long, repeated letter per row, written inline: such a workbook compresses about a thousand to one. */
async function bomb(letter: string, rows: number, cellChars: number): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: false, zip: { zlib: { level: 9 } } });
  const sheet = book.addWorksheet("Bomb");
  const cell = letter.repeat(cellChars);
  for (let row = 0; row < rows; row += 1) sheet.addRow([cell]).commit();
  await book.commit();
  return Buffer.concat(chunks);
}

describe("workbooks", () => {
  it("reads the first tab or the named sheet and leaves no temporary file, even when reading stops early", async () => {
    // exceljs, like Excel, writes the sheets before the shared strings.
    const file = await workbook({ Notes: [["see the next sheet"]], Shipped: [["order", "sku"], ["#1001", "TRS-42"], ["#1002", "MHS-M"]] });
    const before = spilledSheets();
    expect(await readSheet(file)).toMatchObject({ sheet: "Notes", records: [{ record: ["see the next sheet"], line: 1 }] });
    expect((await readSheet(file, "SHIPPED", 2)).records.map((r) => r.record)).toEqual([["order", "sku"], ["#1001", "TRS-42"]]);
    expect(spilledSheets()).toBe(before);
  });

  it("refuses a workbook that unzips to more than the limit before unzipping it", async () => {
    const cellChars = 4 * 1024 * 1024;
    const file = await bomb("A", Math.ceil(MAX_UNZIPPED_BYTES / cellChars) + 1, cellChars);
    expect(file.byteLength).toBeLessThan(2 * 1024 * 1024);
    const before = spilledSheets();
    await expect(readSheet(file)).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/^the workbook unzips to 2\d\d MB, more than 200 MB/) });
    expect(spilledSheets()).toBe(before);
  }, 60_000);

  it("refuses a workbook compressed far more than spreadsheets are, even under the size limit", async () => {
    const file = await bomb("B", 10, 2 * 1024 * 1024);
    await expect(readSheet(file)).rejects.toMatchObject({ status: 413, message: expect.stringMatching(/far more than a spreadsheet compresses/) });
  }, 60_000);

  it("keeps the start of a long cell and marks its column", async () => {
    const file = await workbook({ Sheet1: [["order", "notes"], ["#1001", "x".repeat(MAX_CELL_CHARS + 1)]] });
    const { records } = await readSheet(file);
    expect(records[1]!.record[1]).toHaveLength(MAX_CELL_CHARS);
    expect(records[1]!.longColumns).toEqual([1]);
    expect(records[0]!.longColumns).toEqual([]);
  });

  it("marks number cells, and those whose digits a spreadsheet number cannot keep", async () => {
    const file = await workbook({ Sheet1: [[9400111899223197428, 9.400111899223197e21, 1234567890123, "9400111899223197428", 1.5, 0.1234567890123456]] });
    const [row] = (await readSheet(file)).records;
    expect(row!.record.slice(0, 3)).toEqual(["9400111899223198000", "9.400111899223197e+21", "1234567890123"]);
    expect(row!.numberColumns).toEqual([0, 1, 2, 4, 5]);
    expect(row!.lostDigitColumns).toEqual([0, 1, 5]);
  });

  it("writes a time-only cell as the time, and a date cell at midnight as the date", async () => {
    const file = await workbook({
      Sheet1: [[new Date(Date.UTC(2026, 10, 24)), new Date(Date.UTC(1899, 11, 30, 15, 5)), new Date(Date.UTC(2026, 10, 24, 15, 5, 12))]],
    });
    expect((await readSheet(file)).records[0]!.record).toEqual(["2026-11-24", "15:05:00", "2026-11-24 15:05:12"]);
  });

  it("refuses a zip that is not a workbook", async () => {
    await expect(readSheet(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).rejects.toMatchObject({ status: 415, message: expect.stringMatching(/^this is not a readable Excel workbook \(\.xlsx\)/) });
  });
});
