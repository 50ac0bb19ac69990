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
import { DEFAULT_FORMAT, type ThreePlFormat } from "./three-pl-format";
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
export type RowReading = Pick<ThreePlFormat, "dateFormat" | "timeZone" | "orderRule" | "orderPrefix" | "orderPattern">;

export const DEFAULT_ROW_READING: RowReading = DEFAULT_FORMAT;

const MAX_QUANTITY = 100_000;
const MAX_TEXT = 200;
const MAX_PARCELS = 50;

/** Spreadsheets write whole numbers as 1009.0 (or 1009,0 where the comma is the decimal mark). */
const WHOLE_NUMBER = /^([0-9]+)(?:[.,]0+)?$/;

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
      const digits = text.replace(/[^0-9]/g, "");
      if (!digits) return { ok: false, error: `order ${label} has no digits to take` };
      text = digits;
      break;
    }
    case "pattern": {
      const match = new RegExp(reading.orderPattern).exec(text);
      if (!match || !match[1]) return { ok: false, error: `order ${label} does not match the feed's order pattern ${reading.orderPattern}` };
      text = match[1];
      break;
    }
  }
  const afterRule = WHOLE_NUMBER.exec(text);
  if (!text) return { ok: false, error: `order ${label} is empty after the feed's order rule` };
  return { ok: true, name: afterRule ? `#${afterRule[1]}` : text };
}

/**
 * A tracking cell may name several parcels: split on commas, semicolons and bars, and on spaces when
 * every piece is long enough to be a number on its own (the shortest carrier numbers have 10
 * characters), so spaced forms such as "1Z 999 AA1 01 2345 6784" stay one number.
 */
export function splitTrackingNumbers(value: string): string[] {
  const pieces = value.split(/[,;|]+/).map((p) => p.trim()).filter(Boolean);
  const numbers = pieces.flatMap((piece) => {
    const words = piece.split(/\s+/);
    return words.length > 1 && words.every((w) => w.length >= 10 && /[0-9]/.test(w)) ? words : [piece];
  });
  return [...new Set(numbers.map(normalizeTrackingNumber).filter(Boolean))];
}

// "TRS-42 x 2", "TRS-42 ×2", "TRS-42:2", "TRS-42*2", or "TRS-42" for one.
const ITEM = /^(.*?\S)(?:\s+[x×]\s*|\s*[×:*]\s*)([0-9]+)(?:[.,]0+)?$/i;

/** A package's items cell: SKUs with their quantities, separated by `;`, `,` or `|`. */
export function readPackageItems(value: string): { ok: true; items: Array<{ sku: string; quantity: number }> } | { ok: false; error: string } {
  const items = new Map<string, number>();
  for (const part of value.split(/[;,|]/).map((p) => p.trim()).filter(Boolean)) {
    const match = ITEM.exec(part);
    const sku = (match ? match[1]! : part).trim();
    const quantity = match ? Number(match[2]) : 1;
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

  if (!order) return fail("order is empty");
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
    if (!whole) return fail(`quantity ${JSON.stringify(quantityText)} is not a whole number`);
    quantity = Number(whole[1]);
    if (quantity < 1 || quantity > MAX_QUANTITY) return fail(`quantity ${quantity} is outside 1..${MAX_QUANTITY}`);
  }
  if (!shippedAtText) return fail("shipped_at is empty");
  const shippedAt = readShippingDate(shippedAtText, shippedTimeText || null, reading.dateFormat, reading.timeZone);
  if (!shippedAt.ok) return fail(shippedAt.error);
  const orderName = normalizeOrderName(order, reading);
  if (!orderName.ok) return fail(orderName.error);
  const trackingNumbers = splitTrackingNumbers(tracking);
  if (trackingNumbers.some((t) => t.length > MAX_TEXT)) return fail(`a tracking number is longer than ${MAX_TEXT} characters`);
  if (trackingNumbers.length > MAX_PARCELS) return fail(`more than ${MAX_PARCELS} tracking numbers in one row`);
  return {
    ok: true,
    row: { line, orderName: orderName.name, sku: packageRow ? null : sku, quantity, items, carrier: carrier || null, trackingNumbers, shippedAt: shippedAt.iso },
  };
}

/** The shapes of a shop's order names ("#1001", "SHOP-1001-EU"): the text around the number. */
export type OrderNameShapes = ReadonlySet<string>;

const shapeOf = (name: string) => name.replace(/[0-9]+/, "\u0000");

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
    groups.set(key, [...(groups.get(key) ?? []), row]);
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
