/**
 * 3PL shipment file rows -> "3pl_shipment" events. Pure: the parser (app/sources/three-pl) hands over
 * the values of each record with its line number; matching the order name to an order id is the
 * caller's, because it needs the database.
 *
 * One row is one shipped line; the rows of one parcel (same order, same tracking number) become ONE
 * event, because the rollup treats each 3PL statement about a parcel as the whole parcel.
 */
import { createHash } from "node:crypto";
import type { ColumnPositions, ThreePlField } from "./three-pl-columns";
import { readShippingDate } from "./three-pl-dates";
import { DEFAULT_FORMAT, compileOrderPattern, type StoredFormat } from "./three-pl-format";
import { normalizeTrackingNumber, type ThreePlShipmentEvent } from "./events";

export type ThreePlRow = {
  /** line of the record in the file (1 = the header) */
  line: number;
  orderName: string;
  /** null on a package row (no SKU, no quantity) */
  sku: string | null;
  quantity: number | null;
  /** the lines a package row names in its items column; empty: it covers what is unshipped */
  items: Array<{ sku: string; quantity: number }>;
  carrier: string | null;
  /** the parcels of the shipment, in the carrier's canonical form; empty when none was given */
  trackingNumbers: string[];
  shippedAt: string;
};

export type RowOutcome = { ok: true; row: ThreePlRow } | { ok: false; line: number; error: string };

/** What the feed's settings say about reading a row. */
export type RowReading = Pick<StoredFormat, "dateFormat" | "timeZone" | "orderRule" | "orderPrefix" | "orderPattern" | "settingsErrors">;

export const DEFAULT_ROW_READING: RowReading = DEFAULT_FORMAT;

const MAX_QUANTITY = 100_000;
const MAX_TEXT = 200;
const MAX_PARCELS = 50;
/** Rows one file may hold; a 20 MB file of short rows would otherwise hold about a million. */
export const MAX_ROWS_PER_FILE = 100_000;

/**
 * Why a file with this many data rows is refused as a whole, or null. The parser counts rows as it
 * reads them and stops at the first over the limit.
 */
export function tooManyRows(rowCount: number): string | null {
  return rowCount > MAX_ROWS_PER_FILE ? `the file has more than ${MAX_ROWS_PER_FILE.toLocaleString("en-US")} rows; split it into smaller files` : null;
}

/**
 * Spreadsheets write whole numbers as 1009.0 (or 1009,0 where the comma is the decimal mark), or with
 * two decimals. Three digits after the mark are a thousands separator (1.000 is a thousand in German),
 * so they are not read as a fraction at all.
 */
const WHOLE_NUMBER = /^([0-9]+)(?:[.,]0{1,2})?$/;

/** What Excel writes for a long number in a General cell of a CSV export: 1.23457E+11, digits lost. */
const SCIENTIFIC = /^[0-9]+(?:[.,][0-9]+)?E[+-]?[0-9]+$/i;
const shortenedByExcel = (field: string, value: string) =>
  `${field} ${JSON.stringify(value)} is a number Excel shortened (scientific notation; the digits are lost): export the column as text`;

/** A merchant's order pattern, compiled once for each reading (file, or preset over the file's format). */
const compiledPatterns = new WeakMap<RowReading, { source: string; compiled: ReturnType<typeof compileOrderPattern> }>();

function orderPatternOf(reading: RowReading): ReturnType<typeof compileOrderPattern> {
  const cached = compiledPatterns.get(reading);
  if (cached && cached.source === reading.orderPattern) return cached.compiled;
  const compiled = compileOrderPattern(reading.orderPattern);
  compiledPatterns.set(reading, { source: reading.orderPattern, compiled });
  return compiled;
}

/**
 * The feed's order-number rule applied to a cell: a Shopify order name such as "#1001", or why the
 * cell cannot name one. Digits alone always mean "#" and the digits, as Shopify names orders.
 */
export function normalizeOrderName(value: string, reading: RowReading = DEFAULT_ROW_READING): { ok: true; name: string } | { ok: false; error: string } {
  let text = value.trim();
  const whole = WHOLE_NUMBER.exec(text);
  if (whole) text = whole[1]!;
  const label = JSON.stringify(value.trim());
  switch (reading.orderRule) {
    case "as_written":
      break;
    case "strip_prefix":
      if (text.toLowerCase().startsWith(reading.orderPrefix.toLowerCase())) text = text.slice(reading.orderPrefix.length).trim();
      break;
    case "digits": {
      // Joining runs would make another order's number: SO-1008-2 is not #10082.
      const runs = text.match(/[0-9]+/g) ?? [];
      if (runs.length === 0) return { ok: false, error: `order ${label} has no digits to take` };
      if (runs.length > 1) return { ok: false, error: `order ${label} has more than one run of digits (${runs.join(", ")}); set a regular expression as the feed's order rule` };
      text = runs[0]!;
      break;
    }
    case "pattern": {
      const pattern = orderPatternOf(reading);
      if (!pattern.ok) return { ok: false, error: `the feed's order pattern cannot be used: ${pattern.error}` };
      const matcher = pattern.pattern.matcher(text);
      const number = matcher.find() ? matcher.group(1) : null;
      if (!number) return { ok: false, error: `order ${label} does not match the feed's order pattern ${reading.orderPattern}` };
      text = number;
      break;
    }
  }
  const afterRule = WHOLE_NUMBER.exec(text);
  if (!text) return { ok: false, error: `order ${label} is empty after the feed's order rule` };
  return { ok: true, name: afterRule ? `#${afterRule[1]}` : text };
}

/** Cells that say there is no tracking number. */
const NO_TRACKING = /^(?:n\/a|none|-|0)$/i;
/** The shortest carrier numbers have 8 characters; a shorter piece is a number cut apart (123,456,789,012). */
const MIN_SPLIT_PIECE = 8;

export type TrackingReading = { ok: true; numbers: string[] } | { ok: false; error: string };

/**
 * A tracking cell may name several parcels: split on commas, semicolons, bars, slashes and the word
 * "and", and on spaces when every piece is long enough to be a number on its own (10 characters), so
 * spaced forms such as "1Z 999 AA1 01 2345 6784" stay one number. Every piece of a split cell must
 * look like a tracking number, else the cell is refused rather than read as several made-up parcels.
 */
export function splitTrackingNumbers(value: string): TrackingReading {
  const text = value.trim();
  if (NO_TRACKING.test(text)) return { ok: true, numbers: [] };
  if (SCIENTIFIC.test(text)) return { ok: false, error: shortenedByExcel("tracking_number", text) };
  const pieces = text.split(/[,;|/]|\s(?:and|&)\s/i).map((p) => p.trim()).filter(Boolean);
  const numbers = pieces.flatMap((piece) => {
    const words = piece.split(/\s+/);
    return words.length > 1 && words.every((w) => w.length >= 10 && /[0-9]/.test(w)) ? words : [piece];
  });
  const normalized = numbers.map(normalizeTrackingNumber).filter(Boolean);
  if (normalized.length > 1) {
    const short = normalized.filter((n) => n.length < MIN_SPLIT_PIECE);
    if (short.length > 0) {
      return { ok: false, error: `tracking_number ${JSON.stringify(text)} splits into pieces shorter than ${MIN_SPLIT_PIECE} characters (${short.join(", ")}), which are no tracking numbers` };
    }
  }
  return { ok: true, numbers: [...new Set(normalized)] };
}

// "TRS-42 x 2" or "TRS-42 ×2": the quantity is always written, after the SKU.
const ITEM = /^(\S(?:.*?\S)?)(?:\s+[xX]|\s*×)\s*([0-9]+)$/;
const ITEMS_SYNTAX = "SKU x 2; SKU x 1";

/**
 * A package's items cell: SKUs with their quantities, separated by `;`, `,` or `|`. A part that is not
 * "SKU x N" refuses the cell: guessing turns "SKU-1 x 1,5" into a SKU named 5 and "2 x TRS-42" into
 * an unknown SKU.
 */
export function readPackageItems(value: string): { ok: true; items: Array<{ sku: string; quantity: number }> } | { ok: false; error: string } {
  const items = new Map<string, number>();
  for (const part of value.split(/[;,|]/).map((p) => p.trim()).filter(Boolean)) {
    const match = ITEM.exec(part);
    if (!match) return { ok: false, error: `items ${JSON.stringify(value.trim())}: ${JSON.stringify(part)} is not "SKU x quantity" (write ${ITEMS_SYNTAX})` };
    const sku = match[1]!;
    const quantity = Number(match[2]);
    if (sku.length > MAX_TEXT) return { ok: false, error: `an item's sku is longer than ${MAX_TEXT} characters` };
    if (quantity < 1 || quantity > MAX_QUANTITY) return { ok: false, error: `item ${JSON.stringify(part)}: quantity ${quantity} is outside 1..${MAX_QUANTITY}` };
    items.set(sku, (items.get(sku) ?? 0) + quantity);
  }
  return { ok: true, items: [...items].map(([sku, quantity]) => ({ sku, quantity })) };
}

function cell(values: readonly string[], positions: ColumnPositions, field: ThreePlField): string {
  const index = positions[field];
  return index === null ? "" : (values[index] ?? "").trim();
}

/**
 * One record of the file -> a row, or the reason it cannot be one. Without SKU and quantity columns
 * (the mapping turned both off) the row is a package, with the items its items column names, if any.
 */
export function readThreePlRow(values: readonly string[], positions: ColumnPositions, line: number, reading: RowReading = DEFAULT_ROW_READING): RowOutcome {
  const fail = (error: string): RowOutcome => ({ ok: false, line, error });
  const packageRow = positions.sku === null && positions.quantity === null;
  const order = cell(values, positions, "order");
  const sku = cell(values, positions, "sku");
  const quantityText = cell(values, positions, "quantity");
  const shippedAtText = cell(values, positions, "shipped_at");
  const shippedTimeText = cell(values, positions, "shipped_time");
  const carrier = cell(values, positions, "carrier");
  const tracking = cell(values, positions, "tracking_number");

  if (reading.settingsErrors) return fail(`the feed's settings need saving again in Settings (${reading.settingsErrors.join("; ")})`);
  if (!order) return fail("order is empty");
  if (SCIENTIFIC.test(order)) return fail(shortenedByExcel("order", order));
  if (!packageRow && !sku) return fail("sku is empty");
  for (const [field, value] of [["order", order], ["sku", sku], ["carrier", carrier]] as const) {
    if (value.length > MAX_TEXT) return fail(`${field} is longer than ${MAX_TEXT} characters`);
  }
  if (tracking.length > MAX_TEXT * MAX_PARCELS) return fail(`tracking_number is longer than ${MAX_TEXT * MAX_PARCELS} characters`);
  let quantity: number | null = null;
  let items: ThreePlRow["items"] = [];
  if (packageRow) {
    const listed = readPackageItems(cell(values, positions, "items"));
    if (!listed.ok) return fail(listed.error);
    items = listed.items;
  } else {
    const whole = WHOLE_NUMBER.exec(quantityText);
    if (!whole) {
      const grouped = /^[0-9]{1,3}(?:[.,][0-9]{3})+$/.test(quantityText);
      return fail(`quantity ${JSON.stringify(quantityText)} is not a whole number${grouped ? " (a thousands separator, or three decimals: write the number without)" : ""}`);
    }
    quantity = Number(whole[1]);
    if (quantity < 1 || quantity > MAX_QUANTITY) return fail(`quantity ${quantity} is outside 1..${MAX_QUANTITY}`);
  }
  if (!shippedAtText) return fail("shipped_at is empty");
  const shippedAt = readShippingDate(shippedAtText, shippedTimeText || null, reading.dateFormat, reading.timeZone);
  if (!shippedAt.ok) return fail(shippedAt.error);
  const orderName = normalizeOrderName(order, reading);
  if (!orderName.ok) return fail(orderName.error);
  const tracked = splitTrackingNumbers(tracking);
  if (!tracked.ok) return fail(tracked.error);
  const trackingNumbers = tracked.numbers;
  if (trackingNumbers.some((t) => t.length > MAX_TEXT)) return fail(`a tracking number is longer than ${MAX_TEXT} characters`);
  if (trackingNumbers.length > MAX_PARCELS) return fail(`more than ${MAX_PARCELS} tracking numbers in one row`);
  return {
    ok: true,
    row: { line, orderName: orderName.name, sku: packageRow ? null : sku, quantity, items, carrier: carrier || null, trackingNumbers, shippedAt: shippedAt.iso },
  };
}

/** The shapes of a shop's order names ("#1001", "SHOP-1001-EU"): the text around the number. */
export type OrderNameShapes = ReadonlySet<string>;

// Every run of digits: a prefix with a digit (EU1-1001) must not give each order a shape of its own.
const shapeOf = (name: string) => name.replace(/[0-9]+/g, "\u0000");

export function orderNameShapes(knownNames: readonly string[]): OrderNameShapes {
  return new Set(knownNames.filter((n) => /[0-9]/.test(n)).map(shapeOf));
}

/** Whether a name can be one of the shop's orders; true when the shop's names are not known yet. */
export function fitsOrderNames(name: string, shapes: OrderNameShapes): boolean {
  return shapes.size === 0 || shapes.has(shapeOf(name));
}

/** A parcel as the 3PL reported it, before its order name is matched to an order id. */
export type ThreePlShipmentDraft = {
  orderName: string;
  /** file lines of the rows that make it up */
  lines: number[];
  event: Omit<ThreePlShipmentEvent, "orderId">;
};

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * Groups rows into parcels: same order and tracking number, or, without a tracking number, same order,
 * carrier and shipping time. The dedupe key is the parcel's content (order, tracking, time, lines), not
 * the file's name or line numbers, so a re-sent or re-ordered file is a duplicate while a corrected
 * row is news.
 */
export function shipmentsFromRows(rows: readonly ThreePlRow[]): ThreePlShipmentDraft[] {
  const groups = new Map<string, ThreePlRow[]>();
  for (const row of rows) {
    // One number keeps the key it always had, so files sent before several numbers were read still dedupe.
    const parcel =
      row.trackingNumbers.length > 0
        ? `t:${[...row.trackingNumbers].sort().join(",")}`
        : `c:${(row.carrier ?? "").toLowerCase()}\u0000${row.shippedAt}`;
    const key = `${row.orderName}\u0000${parcel}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const drafts: ThreePlShipmentDraft[] = [];
  for (const [key, group] of groups) {
    const quantities = new Map<string, number>();
    for (const row of group) {
      const rowLines = row.sku !== null ? [{ sku: row.sku, quantity: row.quantity ?? 0 }] : row.items;
      for (const l of rowLines) quantities.set(l.sku, (quantities.get(l.sku) ?? 0) + l.quantity);
    }
    const lines = [...quantities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
    // A package that names its items is a parcel of those items; one that names none covers what is left.
    const packageRows = group.every((r) => r.sku === null) && lines.length === 0;
    const shippedAt = group.map((r) => r.shippedAt).sort()[0]!;
    const first = group[0]!;
    const trackingNumbers = group.find((r) => r.trackingNumbers.length > 0)?.trackingNumbers ?? [];
    const trackingNumber = trackingNumbers[0] ?? null;
    const carrier = group.find((r) => r.carrier)?.carrier ?? null;
    const identity = JSON.stringify([key, shippedAt, lines.map((l) => [l.sku, l.quantity]), ...(packageRows ? ["package"] : [])]);
    drafts.push({
      orderName: first.orderName,
      lines: group.map((r) => r.line),
      event: {
        source: "3pl",
        kind: "3pl_shipment",
        occurredAt: shippedAt,
        dedupeKey: `3pl:${sha256(identity)}`,
        data: {
          reference: trackingNumber ? null : `${first.orderName}@${shippedAt}${carrier ? `/${carrier}` : ""}`,
          trackingNumber,
          ...(trackingNumbers.length > 1 ? { trackingNumbers } : {}),
          carrier,
          lines,
          ...(packageRows ? { coversUnshipped: true as const } : {}),
          shippedAt,
        },
      },
    });
  }
  return drafts;
}
