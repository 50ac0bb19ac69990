import { describe, expect, it } from "vitest";
import { detectDelimiter, openTextFile, peekBytes, type TextFileOptions } from "./file-text.server";

const AUTO: TextFileOptions = { encoding: "auto", delimiter: "auto" };

async function* chunks(buffer: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function read(bytes: Buffer, options: TextFileOptions = AUTO, chunkSize = 7) {
  const file = await openTextFile(chunks(bytes, chunkSize), options);
  let text = "";
  for await (const part of file.text) text += part;
  return { encoding: file.encoding, encodingFrom: file.encodingFrom, delimiter: file.delimiter, text, ...(file.note ? { note: file.note } : {}) };
}

describe("delimiter", () => {
  it.each([
    ["order,sku,quantity\n1,2,3", ","],
    ["order;sku;quantity\n1;2,5;3", ";"],
    ["order\tsku\tquantity", "\t"],
    ["order|sku|quantity", "|"],
    ['"order;ref",sku,quantity', ","],
    ["order", ","],
  ])("finds the delimiter of %j", (head, expected) => {
    expect(detectDelimiter(head)).toBe(expected);
  });
});

describe("encoding", () => {
  const text = "order;sku\n#1001;CAFÉ-MUG-01 Zoë\n";

  it("reads UTF-8, and characters split across chunks", async () => {
    expect(await read(Buffer.from(text, "utf8"), AUTO, 1)).toEqual({ encoding: "utf-8", encodingFrom: "detected", delimiter: ";", text });
  });

  it("takes the byte-order mark first, and drops it", async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    expect(await read(bom, { ...AUTO, httpCharset: "windows-1252", encoding: "windows-1252" })).toMatchObject({ encoding: "utf-8", encodingFrom: "bom", text });
    const utf16 = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]);
    expect(await read(utf16)).toMatchObject({ encoding: "utf-16be", encodingFrom: "bom", text });
  });

  it("detects Windows-1252 and UTF-16 without a mark", async () => {
    expect(await read(Buffer.from(text, "latin1"))).toMatchObject({ encoding: "windows-1252", encodingFrom: "detected", text });
    expect(await read(Buffer.from(text, "utf16le"))).toMatchObject({ encoding: "utf-16le", encodingFrom: "detected", text });
  });

  it("prefers the feed's setting to the HTTP charset, and the charset to detection", async () => {
    const latin = Buffer.from(text, "latin1");
    expect(await read(latin, { ...AUTO, httpCharset: "ISO-8859-1" })).toMatchObject({ encoding: "iso-8859-1", encodingFrom: "http", text });
    expect(await read(latin, { ...AUTO, httpCharset: "utf-8", encoding: "windows-1252" })).toMatchObject({ encoding: "windows-1252", encodingFrom: "feed", text });
    expect(await read(latin, { ...AUTO, httpCharset: "latin1" })).toMatchObject({ encoding: "iso-8859-1", encodingFrom: "http", text });
  });

  it("refuses an HTTP charset that is no supported text encoding", async () => {
    for (const charset of ["utf-7", "UTF7", "base64", "hex", "binary", "no-such-charset"]) {
      await expect(read(Buffer.from(text, "utf8"), { ...AUTO, httpCharset: charset })).rejects.toMatchObject({
        status: 415,
        message: `the request's charset ${JSON.stringify(charset)} is not supported: send UTF-8, Windows-1252, ISO-8859-1 or UTF-16, or leave the charset out`,
      });
    }
  });

  it("reads a file labelled UTF-8 that is not by detection, and says so", async () => {
    expect(await read(Buffer.from(text, "latin1"), { ...AUTO, httpCharset: "utf-8" })).toEqual({
      encoding: "windows-1252",
      encodingFrom: "detected",
      delimiter: ";",
      text,
      note: "The sender named the charset utf-8, but the file is not UTF-8; it was read as windows-1252.",
    });
    expect(await read(Buffer.from(text, "utf8"), { ...AUTO, httpCharset: "UTF-8" })).toEqual({ encoding: "utf-8", encodingFrom: "http", delimiter: ";", text });
  });

  it("uses the feed's delimiter when it names one", async () => {
    expect(await read(Buffer.from("a;b|c\n"), { ...AUTO, delimiter: "|" })).toMatchObject({ delimiter: "|" });
  });

  it("refuses binary content and the old Excel format with their own reasons", async () => {
    await expect(read(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x1a, 0x00, 0x00]))).rejects.toMatchObject({ status: 415, message: "this is not a CSV file (it contains binary data)" });
    await expect(read(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))).rejects.toMatchObject({ status: 415, message: expect.stringMatching(/old Excel workbook/) });
  });

  it("peeks at a file's head and still hands over all of it", async () => {
    const bytes = Buffer.from("x".repeat(200_000));
    const { head, all } = await peekBytes(chunks(bytes, 1000), 4096);
    // Whole chunks are read until the head holds at least the size asked for.
    expect(head.length).toBe(5000);
    const again: Buffer[] = [];
    for await (const part of all) again.push(part);
    expect(Buffer.concat(again).equals(bytes)).toBe(true);
  });
});
