import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rollup } from "./rollup";
import {
  DEFAULT_COLUMN_MAPPING,
  checkColumnMapping,
  locateColumns,
  readColumnMapping,
  type ColumnPositions,
} from "./three-pl-columns";
import { normalizeOrderName, parseShippedAt, readThreePlRow, shipmentsFromRows, type ThreePlRow } from "./three-pl";
import type { OrderEvent } from "./events";

const HEADER = ["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"];
const positions = (() => {
  const located = locateColumns(HEADER, DEFAULT_COLUMN_MAPPING);
  if (!located.ok) throw new Error(located.error);
  return located.positions;
})();

const read = (values: string[], at: ColumnPositions = positions, line = 2) => readThreePlRow(values, at, line);

function row(overrides: Partial<ThreePlRow> = {}): ThreePlRow {
  return {
    line: 2,
    orderName: "#1001",
    sku: "SHOE-42",
    quantity: 1,
    carrier: "UPS",
    trackingNumber: "1Z999AA10123456784",
    shippedAt: "2026-03-05T15:00:00.000Z",
    ...overrides,
  };
}

describe("column mapping", () => {
  it("falls back to the default header for blank fields and keeps the shop's names", () => {
    const checked = checkColumnMapping({ order: " Order Ref ", tracking_number: "AWB", sku: "" });
    expect(checked).toEqual({ ok: true, mapping: { ...DEFAULT_COLUMN_MAPPING, order: "Order Ref", tracking_number: "AWB" } });
  });

  it("refuses two fields reading one column, non-text and over-long headers", () => {
    const shared = checkColumnMapping({ order: "ref", sku: "REF" });
    expect(shared.ok).toBe(false);
    expect(!shared.ok && shared.errors).toEqual(['order and sku both read the column "ref"']);
    expect(checkColumnMapping({ quantity: 3 }).ok).toBe(false);
    expect(checkColumnMapping({ carrier: "x".repeat(101) }).ok).toBe(false);
  });

  it("reads stored JSON, and anything unreadable as the default layout", () => {
    expect(readColumnMapping(JSON.stringify({ sku: "Item" })).sku).toBe("Item");
    for (const bad of [null, "", "not json", "[]", "42", JSON.stringify({ order: "a", sku: "a" })]) {
      expect(readColumnMapping(bad)).toEqual(DEFAULT_COLUMN_MAPPING);
    }
  });

  it("locates columns in any order, ignoring case, spaces and Excel's byte-order mark", () => {
    const mapping = { ...DEFAULT_COLUMN_MAPPING, order: "Order Ref" };
    const located = locateColumns(["\uFEFFShipped_At", " order ref ", "QTY", "sku", "quantity"], mapping);
    expect(located).toEqual({
      ok: true,
      positions: { order: 1, sku: 3, quantity: 4, carrier: null, tracking_number: null, shipped_at: 0 },
    });
  });

  it("rejects a header without a required column, naming every missing one", () => {
    expect(locateColumns(["order", "sku"], DEFAULT_COLUMN_MAPPING)).toEqual({
      ok: false,
      error: 'missing columns "quantity", "shipped_at" in the header row',
    });
    expect(locateColumns(["order", "sku", "quantity", "shipped_at"], DEFAULT_COLUMN_MAPPING).ok).toBe(true);
  });
});

describe("shipped_at", () => {
  it.each([
    ["2026-03-05T15:00:00Z", "2026-03-05T15:00:00.000Z"],
    ["2026-03-05T15:00:00.250Z", "2026-03-05T15:00:00.250Z"],
    ["2026-03-05T16:00:00+01:00", "2026-03-05T15:00:00.000Z"],
    ["2026-03-05T16:00:00+0100", "2026-03-05T15:00:00.000Z"],
    ["2026-03-05 15:00", "2026-03-05T15:00:00.000Z"],
    ["2026-03-05t15:00:00z", "2026-03-05T15:00:00.000Z"],
    ["2026-03-05", "2026-03-05T00:00:00.000Z"],
    ["2026-03-05T15:00:00", "2026-03-05T15:00:00.000Z"],
  ])("reads %s as %s (no zone = UTC)", (input, expected) => {
    expect(parseShippedAt(input)).toBe(expected);
  });

  it.each(["", "yesterday", "05/03/2026", "2026-02-30", "2026-13-01", "2026-03-05T25:00:00Z", "1709650800", "2026-03-05T15:00:00 EST"])(
    "refuses %j",
    (input) => {
      expect(parseShippedAt(input)).toBeNull();
    },
  );

  it("gives the same instant for any zone offset of it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: -12, max: 14 }), (seconds, hours) => {
        const instant = new Date(Date.UTC(2000, 0, 1) + seconds * 1000);
        const local = new Date(instant.getTime() + hours * 3_600_000).toISOString().slice(0, 19);
        const offset = `${hours < 0 ? "-" : "+"}${String(Math.abs(hours)).padStart(2, "0")}:00`;
        expect(parseShippedAt(`${local}${offset}`)).toBe(instant.toISOString());
      }),
    );
  });
});

describe("rows", () => {
  it("reads a good row and normalises a bare order number", () => {
    expect(read(["1001", "SHOE-42", " 2 ", "UPS", "1Z 999 AA1", "2026-03-05T15:00:00Z"], positions, 7)).toEqual({
      ok: true,
      row: { line: 7, orderName: "#1001", sku: "SHOE-42", quantity: 2, carrier: "UPS", trackingNumber: "1Z999AA1", shippedAt: "2026-03-05T15:00:00.000Z" },
    });
    expect(normalizeOrderName(" SO-77 ")).toBe("SO-77");
    expect(normalizeOrderName("#1001")).toBe("#1001");
  });

  it("takes rows without carrier or tracking number, and without those columns at all", () => {
    expect(read(["#1001", "SHOE-42", "1", "", " - ", "2026-03-05"])).toMatchObject({ ok: true, row: { carrier: null, trackingNumber: null } });
    const located = locateColumns(["order", "sku", "quantity", "shipped_at"], DEFAULT_COLUMN_MAPPING);
    if (!located.ok) throw new Error(located.error);
    expect(read(["#1001", "SHOE-42", "1", "2026-03-05"], located.positions)).toMatchObject({ ok: true, row: { carrier: null, trackingNumber: null } });
  });

  it.each([
    [["", "SHOE", "1", "", "", "2026-03-05"], "order is empty"],
    [["#1", "", "1", "", "", "2026-03-05"], "sku is empty"],
    [["#1", "SHOE", "", "", "", "2026-03-05"], 'quantity "" is not a whole number'],
    [["#1", "SHOE", "1.5", "", "", "2026-03-05"], 'quantity "1.5" is not a whole number'],
    [["#1", "SHOE", "-1", "", "", "2026-03-05"], 'quantity "-1" is not a whole number'],
    [["#1", "SHOE", "0", "", "", "2026-03-05"], "quantity 0 is outside 1..100000"],
    [["#1", "SHOE", "100001", "", "", "2026-03-05"], "quantity 100001 is outside 1..100000"],
    [["#1", "SHOE", "1", "", "", ""], "shipped_at is empty"],
    [["#1", "SHOE", "1", "", "", "tomorrow"], 'shipped_at "tomorrow" is not an ISO 8601 date or time'],
    [["#1", "S".repeat(201), "1", "", "", "2026-03-05"], "sku is longer than 200 characters"],
    [["#1", "SHOE", "1"], "shipped_at is empty"],
  ])("rejects %j: %s", (values, error) => {
    expect(read(values, positions, 9)).toEqual({ ok: false, line: 9, error });
  });

  it("never throws, whatever the cells hold", () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 8 }), (values) => {
        const outcome = read(values);
        if (outcome.ok) {
          expect(outcome.row.quantity).toBeGreaterThan(0);
          expect(outcome.row.orderName.length).toBeGreaterThan(0);
        } else expect(outcome.error.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe("rows -> parcels", () => {
  it("makes one event per parcel, summing the lines of one SKU", () => {
    const drafts = shipmentsFromRows([
      row({ line: 2, sku: "SOCKS", quantity: 1 }),
      row({ line: 3, sku: "SHOE-42" }),
      row({ line: 4, sku: "SOCKS", quantity: 1, trackingNumber: "1z999aa1 0123456784" }),
      row({ line: 5, trackingNumber: "OTHER", sku: "HAT" }),
    ]);
    expect(drafts).toHaveLength(2);
    const [first, second] = drafts;
    expect(first).toMatchObject({
      orderName: "#1001",
      lines: [2, 3, 4],
      event: {
        source: "3pl",
        kind: "3pl_shipment",
        occurredAt: "2026-03-05T15:00:00.000Z",
        data: { reference: null, trackingNumber: "1Z999AA10123456784", carrier: "UPS", lines: [{ sku: "SHOE-42", quantity: 1 }, { sku: "SOCKS", quantity: 2 }] },
      },
    });
    expect(second!.event.data.lines).toEqual([{ sku: "HAT", quantity: 1 }]);
    expect(first!.event.dedupeKey).toMatch(/^3pl:[0-9a-f]{64}$/);
  });

  it("keeps parcels of different orders apart even on one tracking number", () => {
    const drafts = shipmentsFromRows([row(), row({ orderName: "#1002", line: 3 })]);
    expect(drafts.map((d) => d.orderName)).toEqual(["#1001", "#1002"]);
    expect(new Set(drafts.map((d) => d.event.dedupeKey)).size).toBe(2);
  });

  it("groups untracked rows by carrier and time, with a reference the rollup can key on", () => {
    const drafts = shipmentsFromRows([
      row({ trackingNumber: null, carrier: null }),
      row({ trackingNumber: null, carrier: null, sku: "SOCKS", line: 3 }),
      row({ trackingNumber: null, carrier: null, shippedAt: "2026-03-06T09:00:00.000Z", line: 4 }),
    ]);
    expect(drafts.map((d) => d.lines)).toEqual([[2, 3], [4]]);
    expect(drafts[0]!.event.data.reference).toBe("#1001@2026-03-05T15:00:00.000Z");
  });

  it("gives the same keys to a re-sent file in any row order, and a new key to a corrected parcel", () => {
    const rowsArb = fc.array(
      fc.record({
        orderName: fc.constantFrom("#1001", "#1002"),
        sku: fc.constantFrom("A", "B", "C"),
        quantity: fc.integer({ min: 1, max: 3 }),
        carrier: fc.constantFrom("UPS", null),
        trackingNumber: fc.constantFrom("T1", "T2", null),
        shippedAt: fc.constantFrom("2026-03-05T15:00:00.000Z", "2026-03-06T15:00:00.000Z"),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(rowsArb, fc.func(fc.integer()), (specs, order) => {
        const rows = specs.map((s, i) => ({ ...s, line: i + 2 }));
        const shuffled = [...rows].sort((a, b) => order(a.line) - order(b.line)).map((r, i) => ({ ...r, line: i + 2 }));
        const keys = (list: ThreePlRow[]) => shipmentsFromRows(list).map((d) => d.event.dedupeKey).sort();
        expect(keys(shuffled)).toEqual(keys(rows));
        const corrected = rows.map((r, i) => (i === 0 ? { ...r, quantity: r.quantity + 1 } : r));
        expect(keys(corrected)).not.toEqual(keys(rows));
      }),
    );
  });

  it("rolls up as a 3PL-reported shipment of its own when Shopify shows none", () => {
    const [draft] = shipmentsFromRows([row({ sku: "SHOE-42", quantity: 1 })]);
    const event = { ...draft!.event, orderId: "42" } as OrderEvent;
    const { status } = rollup([event], new Date("2026-03-06T00:00:00Z"));
    expect(status.shipments).toEqual([
      expect.objectContaining({ id: "3pl:1Z999AA10123456784", status: "label_created", carrier: "UPS", trackingNumbers: ["1Z999AA10123456784"] }),
    ]);
  });
});
