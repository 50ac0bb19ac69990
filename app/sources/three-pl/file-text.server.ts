/**
 * The bytes of a 3PL file as text: its encoding from the byte-order mark, the feed's setting, the HTTP
 * charset or, failing all three, detection; its delimiter from the header line unless the feed names
 * one. Streams: only the first 64 KB are held to decide, the rest is decoded as it arrives.
 */
import { detect as detectCharset } from "chardet";
import iconv from "iconv-lite";
import { ENCODINGS, type DelimiterSetting, type EncodingSetting } from "../../domain/three-pl-format";
import { FeedFileError } from "./feed-file-error.server";

const SNIFF_BYTES = 64 * 1024;

export type TextFile = {
  /** the encoding the file is read in, as iconv-lite names it */
  encoding: string;
  /** how the encoding was chosen */
  encodingFrom: "bom" | "feed" | "http" | "detected";
  delimiter: string;
  text: AsyncGenerator<string>;
  /** set when the encoding the sender named does not fit the bytes, and detection chose another */
  note?: string;
};

export type TextFileOptions = { encoding: EncodingSetting; delimiter: DelimiterSetting; httpCharset?: string | null };

const BOMS: Array<{ bytes: number[]; encoding: string }> = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: "utf-8" },
  { bytes: [0xff, 0xfe], encoding: "utf-16le" },
  { bytes: [0xfe, 0xff], encoding: "utf-16be" },
];

/** A charset label as compared: "ISO_8859-1", "iso-8859-1" and "ISO8859-1" are one. */
const charsetKey = (label: string) => label.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * The HTTP charsets a file is read in: the feed's encodings and their registered aliases
 * (https://www.iana.org/assignments/character-sets). iconv-lite knows many more, some of which are not
 * text encodings at all (base64, hex) or let bytes smuggle other characters in (UTF-7).
 */
const CHARSETS = new Map<string, string>([
  ...ENCODINGS.filter((e) => e !== "auto").map((e) => [charsetKey(e), e] as const),
  // ASCII is UTF-8's first half; text labelled ASCII that is not is judged like mislabelled UTF-8.
  ["usascii", "utf-8"],
  ["ascii", "utf-8"],
  ["cp1252", "windows-1252"],
  ["latin1", "iso-8859-1"],
  ["l1", "iso-8859-1"],
  ["isoir100", "iso-8859-1"],
  ["iso885911987", "iso-8859-1"],
  ["cp819", "iso-8859-1"],
  ["ibm819", "iso-8859-1"],
  ["csisolatin1", "iso-8859-1"],
  ["utf16", "utf-16"],
]);

const startsWith = (buffer: Buffer, bytes: readonly number[]) => bytes.every((b, i) => buffer[i] === b);

/** An .xlsx workbook is a zip archive. */
export const isZip = (head: Buffer) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]);

/**
 * The first `size` bytes, to decide how to read a file, and the whole file again as a stream (the
 * head first, then the rest as it arrives).
 */
export async function peekBytes(bytes: AsyncIterable<Buffer>, size = SNIFF_BYTES): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const iterator = bytes[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let read = 0;
  let ended = false;
  while (read < size) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    read += next.value.byteLength;
  }
  const head = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.byteLength > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: all() };
}

/** The old binary Excel format, named so the sender knows what to do. */
function refuseBinary(sniff: Buffer): void {
  if (startsWith(sniff, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new FeedFileError(415, "this is not a CSV file: it is an old Excel workbook (.xls); save it as .xlsx, CSV or tab-separated text");
  }
}

function isUtf8(bytes: Buffer): boolean {
  // A multi-byte character may be cut at the end of the sniffed part; judge what precedes it.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((byte & 0x80) === 0) break;
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** UTF-16 text without a byte-order mark: ASCII characters put a NUL in every other byte. */
function utf16ByNuls(bytes: Buffer): string | null {
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096) & ~1);
  let evenNuls = 0;
  let oddNuls = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) evenNuls += 1;
    if (sample[i + 1] === 0) oddNuls += 1;
  }
  const pairs = sample.length / 2;
  if (pairs === 0) return null;
  if (oddNuls / pairs > 0.3 && evenNuls === 0) return "utf-16le";
  if (evenNuls / pairs > 0.3 && oddNuls === 0) return "utf-16be";
  return null;
}

function detect(sniff: Buffer): string {
  const utf16 = utf16ByNuls(sniff);
  if (utf16) return utf16;
  if (isUtf8(sniff)) return "utf-8";
  const guess = (detectCharset(sniff) ?? "").toLowerCase();
  // Single-byte Latin guesses are all read as Windows-1252, the superset Windows Excel writes.
  if (!guess || guess.startsWith("iso-8859-1") || guess === "windows-1252") return "windows-1252";
  return iconv.encodingExists(guess) ? guess : "windows-1252";
}

/** The delimiter used most in the first line, outside quotes; comma when none is used. */
export function detectDelimiter(head: string): string {
  const counts = new Map<string, number>([[",", 0], [";", 0], ["\t", 0], ["|", 0]]);
  let quoted = false;
  for (const char of head) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ",";
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}

export async function openTextFile(bytes: AsyncIterable<Buffer>, options: TextFileOptions): Promise<TextFile> {
  const { head: sniff, all } = await peekBytes(bytes);
  refuseBinary(sniff);

  const bom = BOMS.find((b) => startsWith(sniff, b.bytes));
  const charset = options.httpCharset?.trim();
  let encoding: string;
  let encodingFrom: TextFile["encodingFrom"];
  let note: string | undefined;
  if (bom) [encoding, encodingFrom] = [bom.encoding, "bom"];
  else if (options.encoding !== "auto") [encoding, encodingFrom] = [options.encoding, "feed"];
  else if (charset) {
    const declared = CHARSETS.get(charsetKey(charset));
    if (!declared) {
      throw new FeedFileError(415, `the request's charset ${JSON.stringify(charset.slice(0, 40))} is not supported: send UTF-8, Windows-1252, ISO-8859-1 or UTF-16, or leave the charset out`);
    }
    // Senders label whatever they send UTF-8; bytes that are not UTF-8 would become U+FFFD.
    if (declared === "utf-8" && !isUtf8(sniff)) {
      [encoding, encodingFrom] = [detect(sniff), "detected"];
      note = `The sender named the charset ${charset.slice(0, 40)}, but the file is not UTF-8; it was read as ${encoding}.`;
    } else if (declared === "utf-16") [encoding, encodingFrom] = [utf16ByNuls(sniff) ?? "utf-16le", "http"];
    else [encoding, encodingFrom] = [declared, "http"];
  } else [encoding, encodingFrom] = [detect(sniff), "detected"];

  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  const first = decoder.write(sniff);
  // Text has no NUL characters; what still decodes to them is not a text file in this encoding.
  if (first.includes("\u0000")) throw new FeedFileError(415, "this is not a CSV file (it contains binary data)");
  const delimiter = options.delimiter === "auto" ? detectDelimiter(first) : options.delimiter;

  async function* text(): AsyncGenerator<string> {
    let skippedHead = false;
    for await (const chunk of all) {
      // The head was decoded above to choose the delimiter; decode only what follows it.
      if (!skippedHead) {
        skippedHead = true;
        if (first) yield first;
        continue;
      }
      const part = decoder.write(chunk);
      if (part) yield part;
    }
    const rest = decoder.end();
    if (rest) yield rest;
  }
  return { encoding, encodingFrom, delimiter, text: text(), ...(note ? { note } : {}) };
}
