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
import { normalizeTrackingNumber, type ThreePlShipmentEvent } from "./events";

export type ThreePlRow = {
  /** line of the record in the file (1 = the header) */
  line: number;
  orderName: string;
  sku: string;
  quantity: number;
  carrier: string | null;
  trackingNumber: string | null;
  shippedAt: string;
};

export type RowOutcome = { ok: true; row: ThreePlRow } | { ok: false; line: number; error: string };

const MAX_QUANTITY = 100_000;
const MAX_TEXT = 200;

// ISO 8601 date or date-time as 3PL exports write it: "2026-11-20", "2026-11-20T14:05:00Z",
// "2026-11-20 14:05", "2026-11-20T14:05:00.123+01:00".
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A shipped_at without a zone is read as UTC: the file says nothing else, and reading it in the
 * server's zone would make the same file mean different times on different machines.
 */
export function parseShippedAt(value: string): string | null {
  const match = ISO_8601.exec(value.trim());
  if (!match) return null;
  const [, date, time, zone] = match;
  const offset = zone ? (zone.toUpperCase() === "Z" ? "Z" : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone) : "Z";
  const text = time ? `${date}T${time.length === 5 ? `${time}:00` : time}${offset}` : `${date}T00:00:00Z`;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-30 over to March; a date that does not exist is a bad row, not another day.
  const calendar = new Date(Date.UTC(Number(date!.slice(0, 4)), Number(date!.slice(5, 7)) - 1, Number(date!.slice(8, 10))));
  if (calendar.toISOString().slice(0, 10) !== date) return null;
  return new Date(ms).toISOString();
}

/** "1001" and "#1001" both name Shopify's order #1001; other shapes ("SO-1001") are taken as written. */
export function normalizeOrderName(value: string): string {
  const trimmed = value.trim();
  return /^[0-9]+$/.test(trimmed) ? `#${trimmed}` : trimmed;
}

function cell(values: readonly string[], positions: ColumnPositions, field: ThreePlField): string {
  const index = positions[field];
  return index === null ? "" : (values[index] ?? "").trim();
}

/** One record of the file -> a row, or the reason it cannot be one. */
export function readThreePlRow(values: readonly string[], positions: ColumnPositions, line: number): RowOutcome {
  const fail = (error: string): RowOutcome => ({ ok: false, line, error });
  const order = cell(values, positions, "order");
  const sku = cell(values, positions, "sku");
  const quantityText = cell(values, positions, "quantity");
  const shippedAtText = cell(values, positions, "shipped_at");
  const carrier = cell(values, positions, "carrier");
  const tracking = cell(values, positions, "tracking_number");

  if (!order) return fail("order is empty");
  if (!sku) return fail("sku is empty");
  for (const [field, value] of [["order", order], ["sku", sku], ["carrier", carrier], ["tracking_number", tracking]] as const) {
    if (value.length > MAX_TEXT) return fail(`${field} is longer than ${MAX_TEXT} characters`);
  }
  if (!/^[0-9]+$/.test(quantityText)) return fail(`quantity ${JSON.stringify(quantityText)} is not a whole number`);
  const quantity = Number(quantityText);
  if (quantity < 1 || quantity > MAX_QUANTITY) return fail(`quantity ${quantity} is outside 1..${MAX_QUANTITY}`);
  if (!shippedAtText) return fail("shipped_at is empty");
  const shippedAt = parseShippedAt(shippedAtText);
  if (!shippedAt) return fail(`shipped_at ${JSON.stringify(shippedAtText)} is not an ISO 8601 date or time`);
  // Exports pad, split and lower-case numbers at will; the carrier's own form is the canonical one.
  const trackingNumber = normalizeTrackingNumber(tracking) || null;
  return {
    ok: true,
    row: { line, orderName: normalizeOrderName(order), sku, quantity, carrier: carrier || null, trackingNumber, shippedAt },
  };
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
    const parcel = row.trackingNumber
      ? `t:${normalizeTrackingNumber(row.trackingNumber)}`
      : `c:${(row.carrier ?? "").toLowerCase()}\u0000${row.shippedAt}`;
    const key = `${row.orderName}\u0000${parcel}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const drafts: ThreePlShipmentDraft[] = [];
  for (const [key, group] of groups) {
    const quantities = new Map<string, number>();
    for (const row of group) quantities.set(row.sku, (quantities.get(row.sku) ?? 0) + row.quantity);
    const lines = [...quantities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
    const shippedAt = group.map((r) => r.shippedAt).sort()[0]!;
    const first = group[0]!;
    const trackingNumber = group.find((r) => r.trackingNumber)?.trackingNumber ?? null;
    const carrier = group.find((r) => r.carrier)?.carrier ?? null;
    const identity = JSON.stringify([key, shippedAt, lines.map((l) => [l.sku, l.quantity])]);
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
          carrier,
          lines,
          shippedAt,
        },
      },
    });
  }
  return drafts;
}
