import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rollup } from "./rollup";
import {
  DEFAULT_COLUMN_MAPPING,
  checkColumnMapping,
  headerRowOf,
  locateColumns,
  readColumnMapping,
  type ColumnPositions,
} from "./three-pl-columns";
import {
  DEFAULT_ROW_READING,
  fitsOrderNames,
  normalizeOrderName,
  orderNameShapes,
  readThreePlRow,
  shipmentsFromRows,
  splitTrackingNumbers,
  type RowReading,
  type ThreePlRow,
} from "./three-pl";
import { readShippingDate } from "./three-pl-dates";
import { DEFAULT_FORMAT, checkFormat, readFormat, recognisePreset } from "./three-pl-format";
import { MAX_ROWS_PER_FILE, tooManyRows } from "./three-pl";
import type { OrderEvent } from "./events";

const HEADER = ["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"];
const positions = (() => {
  const located = locateColumns(HEADER, DEFAULT_COLUMN_MAPPING);
  if (!located.ok) throw new Error(located.error);
  return located.positions;
})();

const read = (values: string[], at: ColumnPositions = positions, line = 2, reading: RowReading = DEFAULT_ROW_READING) => readThreePlRow(values, at, line, reading);
const reading = (overrides: Partial<RowReading>): RowReading => ({ ...DEFAULT_ROW_READING, ...overrides });

function row(overrides: Partial<ThreePlRow> = {}): ThreePlRow {
  return {
    line: 2,
    orderName: "#1001",
    sku: "SHOE-42",
    quantity: 1,
    items: [],
    carrier: "UPS",
    trackingNumbers: ["1Z999AA10123456784"],
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
      positions: { order: 1, sku: 3, quantity: 4, carrier: null, tracking_number: null, shipped_at: 0, shipped_time: null, items: null },
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

const utcIso = (text: string) => readShippingDate(text, null, "iso", "UTC");

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
  ])("reads %s as %s in a UTC warehouse", (input, expected) => {
    expect(utcIso(input)).toEqual({ ok: true, iso: expected });
  });

  it.each(["", "yesterday", "05/03/2026", "2026-02-30", "2026-13-01", "2026-03-05T25:00:00Z", "1709650800", "2026-03-05T15:00:00 EST"])(
    "refuses %j as ISO 8601",
    (input) => {
      expect(utcIso(input).ok).toBe(false);
    },
  );

  it("gives the same instant for any zone offset of it, whatever the warehouse's zone", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: -12, max: 14 }), fc.constantFrom("UTC", "America/New_York", "Asia/Kolkata"), (seconds, hours, zone) => {
        const instant = new Date(Date.UTC(2001, 0, 1) + seconds * 1000);
        const local = new Date(instant.getTime() + hours * 3_600_000).toISOString().slice(0, 19);
        const offset = `${hours < 0 ? "-" : "+"}${String(Math.abs(hours)).padStart(2, "0")}:00`;
        expect(readShippingDate(`${local}${offset}`, null, "iso", zone)).toEqual({ ok: true, iso: instant.toISOString() });
      }),
    );
  });

  it.each([
    ["11/24/2026 3:05:12 PM", null, "month_first", "America/New_York", "2026-11-24T20:05:12.000Z"],
    ["7/4/2026 9:30 am", null, "month_first", "America/New_York", "2026-07-04T13:30:00.000Z"],
    ["03/04/2026", null, "month_first", "UTC", "2026-03-04T00:00:00.000Z"],
    ["03/04/2026", null, "day_first", "UTC", "2026-04-03T00:00:00.000Z"],
    ["24.11.2026", "15:05", "day_first", "Europe/Berlin", "2026-11-24T14:05:00.000Z"],
    ["24.11.2026 15:05:30", null, "day_first", "Europe/Berlin", "2026-11-24T14:05:30.000Z"],
    ["1795532712", null, "epoch", "America/New_York", "2026-11-24T15:05:12.000Z"],
    ["1795532712000", null, "epoch", "UTC", "2026-11-24T15:05:12.000Z"],
    ["202611241505", null, "compact", "America/New_York", "2026-11-24T20:05:00.000Z"],
    ["20261124", null, "compact", "UTC", "2026-11-24T00:00:00.000Z"],
    ["2026-11-24 15:05", null, "iso", "America/New_York", "2026-11-24T20:05:00.000Z"],
    ["2026-11-24", "15:05", "month_first", "America/Los_Angeles", "2026-11-24T23:05:00.000Z"],
    ["2026-11-24T15:05:00+05:30", null, "day_first", "America/New_York", "2026-11-24T09:35:00.000Z"],
  ] as const)("reads %s %s (%s, %s) as %s", (date, time, format, zone, expected) => {
    expect(readShippingDate(date, time, format, zone)).toEqual({ ok: true, iso: expected });
  });

  it.each([
    ["11/24/2026", "iso"],
    ["24.11.2026", "month_first"],
    ["11/24/2026", "day_first"],
    ["13/13/2026", "month_first"],
    ["12345", "epoch"],
    ["1795532712", "compact"],
    ["11/24/26", "month_first"],
  ] as const)("never guesses: %s in %s is refused with the feed's format named", (date, format) => {
    const reading = readShippingDate(date, null, format, "UTC");
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.error).toContain(JSON.stringify(date));
  });
});

describe("order numbers", () => {
  it.each([
    ["1001", {}, "#1001"],
    ["#1001", {}, "#1001"],
    ["1009.0", {}, "#1009"],
    [" SO-77 ", {}, "SO-77"],
    ["SO-1008", { orderRule: "strip_prefix", orderPrefix: "SO-" }, "#1008"],
    ["so-1008", { orderRule: "strip_prefix", orderPrefix: "SO-" }, "#1008"],
    ["SO 1008", { orderRule: "digits" }, "#1008"],
    ["Order 1011 (web)", { orderRule: "digits" }, "#1011"],
    ["WH/2026/1010", { orderRule: "pattern", orderPattern: "/(\\d+)$" }, "#1010"],
    ["SHOP-EU-12", { orderRule: "pattern", orderPattern: "^(SHOP-EU-\\d+)$" }, "SHOP-EU-12"],
  ] as const)("reads %j with %j as %s", (cell, rule, expected) => {
    expect(normalizeOrderName(cell, reading(rule))).toEqual({ ok: true, name: expected });
  });

  it("says why a cell cannot name an order under the rule", () => {
    expect(normalizeOrderName("ABC", reading({ orderRule: "digits" }))).toEqual({ ok: false, error: 'order "ABC" has no digits to take' });
    expect(normalizeOrderName("X-1", reading({ orderRule: "pattern", orderPattern: "^SO-(\\d+)$" }))).toMatchObject({ ok: false });
  });

  it.each(["SO-1008-2", "1008/2", "2026-1008", "WH/2026/1010"])("refuses to join the digit runs of %j into one number", (cell) => {
    expect(normalizeOrderName(cell, reading({ orderRule: "digits" }))).toEqual({
      ok: false,
      error: expect.stringMatching(new RegExp(`^order ${JSON.stringify(cell)} has more than one run of digits`)),
    });
  });

  it.each([
    ["^((?:\\d|\\d)*)x$", "1".repeat(40) + "y", "1001x"],
    ["^(.*)-.*-.*-.*-.*x$", "-".repeat(150), "1001-a-b-c-dx"],
    ["^((\\d+)+)$", "1".repeat(60) + "y", "1001"],
  ])("runs the pattern %j in time linear in the cell, even on one that stalls a backtracking engine", (orderPattern, stalling, matching) => {
    const feed = checkFormat({ orderRule: "pattern", orderPattern });
    if (!feed.ok) throw new Error(feed.errors.join("; "));
    expect(normalizeOrderName(stalling, feed.format)).toEqual({ ok: false, error: `order ${JSON.stringify(stalling)} does not match the feed's order pattern ${orderPattern}` });
    expect(normalizeOrderName(matching, feed.format)).toEqual({ ok: true, name: "#1001" });
  });

  it("refuses an order pattern without a group, that does not compile, or that can run for very long", () => {
    const pattern = (orderPattern: string) => checkFormat({ orderRule: "pattern", orderPattern });
    expect(pattern("^SO-(\\d+)$").ok).toBe(true);
    expect(pattern("^SO-\\d+$")).toMatchObject({ ok: false, errors: ["orderPattern: needs a group in parentheses around the number"] });
    expect(pattern("^SO-(\\d+$")).toMatchObject({ ok: false, errors: [expect.stringMatching(/^orderPattern: error parsing regexp: missing closing \)/)] });
    expect(pattern("^(?=SO)(\\d+)$")).toMatchObject({ ok: false, errors: [expect.stringMatching(/lookaround and back-references are not supported/)] });
    expect(pattern(`(${"\\d".repeat(100)})`)).toMatchObject({ ok: false, errors: ["orderPattern: longer than 200 characters"] });
    expect(checkFormat({ timeZone: "Mars/Olympus" })).toMatchObject({ ok: false, errors: [expect.stringMatching(/not an IANA time zone/)] });
    expect(checkFormat({ orderRule: "strip_prefix" })).toMatchObject({ ok: false, errors: ["orderPrefix: name the prefix to remove"] });
  });

  it("refuses every row while stored settings no longer pass the checks, rather than reading with the defaults", () => {
    const stored = readFormat(JSON.stringify({ ...DEFAULT_FORMAT, timeZone: "America/New_York", orderRule: "pattern", orderPattern: "^SO-(?=\\d)(\\d+)$" }));
    expect(stored.settingsErrors).toEqual([expect.stringMatching(/^orderPattern: /)]);
    expect(read(["SO-1001", "SHOE", "1", "", "", "2026-03-05 10:00"], positions, 4, stored)).toEqual({
      ok: false,
      line: 4,
      error: expect.stringMatching(/^the feed's settings need saving again in Settings \(orderPattern: /),
    });
    expect(readFormat("{not json").settingsErrors).toEqual(["the stored settings are not readable"]);
    expect(readFormat(JSON.stringify({ timeZone: "America/New_York" }))).not.toHaveProperty("settingsErrors");
    expect(readFormat(null)).toEqual(DEFAULT_FORMAT);
  });

  it("knows the shapes of a shop's order names, and accepts anything before it knows any", () => {
    const shapes = orderNameShapes(["#1001", "#1002", "#20000"]);
    expect(fitsOrderNames("#1009", shapes)).toBe(true);
    expect(fitsOrderNames("SO-1008", shapes)).toBe(false);
    expect(fitsOrderNames("1009.0", shapes)).toBe(false);
    expect(fitsOrderNames("SO-1008", orderNameShapes([]))).toBe(true);
    expect(fitsOrderNames("EU-7-X", orderNameShapes(["EU-1-X"]))).toBe(true);
    // A digit in the shop's prefix is part of the shape, whatever the order number.
    const prefixed = orderNameShapes(["EU1-1001", "EU1-1002", "EU1-20001"]);
    expect(prefixed.size).toBe(1);
    expect(fitsOrderNames("EU1-1009", prefixed)).toBe(true);
    expect(fitsOrderNames("#1009", prefixed)).toBe(false);
  });
});

describe("tracking cells", () => {
  it.each([
    ["1Z999AA10123456784,1Z999AA10123456791", ["1Z999AA10123456784", "1Z999AA10123456791"]],
    ["1Z999AA10123456784; 1Z999AA10123456791 | 1Z999AA10123456807", ["1Z999AA10123456784", "1Z999AA10123456791", "1Z999AA10123456807"]],
    ["1Z999AA10123456784 1Z999AA10123456791", ["1Z999AA10123456784", "1Z999AA10123456791"]],
    ["1Z 999 AA1 01 2345 6784", ["1Z999AA10123456784"]],
    ["9400-1000-0000-0000-0000-00", ["9400100000000000000000"]],
    ["JD00000001, jd00000001", ["JD00000001"]],
    ["1Z999AA10123456784 / 1Z999AA10123456791", ["1Z999AA10123456784", "1Z999AA10123456791"]],
    ["1Z999AA10123456784 and 1Z999AA10123456791", ["1Z999AA10123456784", "1Z999AA10123456791"]],
    ["JD0001", ["JD0001"]],
    [" - ", []],
    ["N/A", []],
    ["none", []],
    ["0", []],
    ["", []],
  ])("splits %j into %j", (cell, expected) => {
    expect(splitTrackingNumbers(cell)).toEqual({ ok: true, numbers: expected });
  });

  it.each([
    ["123,456,789,012", /splits into pieces shorter than 8 characters \(123, 456, 789, 012\)/],
    ["1Z999AA10123456784 / 42", /splits into pieces shorter than 8 characters \(42\)/],
    ["1Z999AA10123456784 and B", /splits into pieces shorter than 8 characters \(B\)/],
    ["1.23457E+11", /is a number Excel shortened/],
    ["1,23457e11", /is a number Excel shortened/],
  ])("refuses %j with the reason", (cell, reason) => {
    expect(splitTrackingNumbers(cell)).toEqual({ ok: false, error: expect.stringMatching(reason) });
  });
});

describe("rows", () => {
  it("reads a good row and normalises a bare order number", () => {
    expect(read(["1001", "SHOE-42", " 2 ", "UPS", "1Z 999 AA1", "2026-03-05T15:00:00Z"], positions, 7)).toEqual({
      ok: true,
      row: { line: 7, orderName: "#1001", sku: "SHOE-42", quantity: 2, items: [], carrier: "UPS", trackingNumbers: ["1Z999AA1"], shippedAt: "2026-03-05T15:00:00.000Z" },
    });
  });

  it.each(["11/24/2026 15:05 PM", "11/24/2026 0:30 am", "11/24/2026 13:05:12 P.M."])("refuses %j, a 24-hour time with AM/PM", (date) => {
    expect(read(["#1", "SHOE", "1", "", "", date], positions, 2, reading({ dateFormat: "month_first" }))).toEqual({
      ok: false,
      line: 2,
      error: `shipped_at ${JSON.stringify(date)} gives a 24-hour time with AM/PM`,
    });
    expect(read(["#1", "SHOE", "1", "", "", "11/24/2026 12:05 PM"], positions, 2, reading({ dateFormat: "month_first" }))).toMatchObject({ ok: true });
  });

  it("reads spreadsheet quantities and order numbers (1.0, 1009.0) and ignores fields past the header", () => {
    expect(read(["1009.0", "SHOE-42", "2.0", "UPS", "", "2026-03-05", "extra", "fields"])).toMatchObject({
      ok: true,
      row: { orderName: "#1009", quantity: 2 },
    });
    expect(read(["1009", "SHOE-42", "1,00", "UPS", "", "2026-03-05"])).toMatchObject({ ok: true, row: { quantity: 1 } });
  });

  it("reads a date and time in the feed's format and zone, from one column or two", () => {
    const withTime = locateColumns(["order", "sku", "quantity", "shipped_at", "shipped_time"], DEFAULT_COLUMN_MAPPING);
    if (!withTime.ok) throw new Error(withTime.error);
    const east = reading({ dateFormat: "month_first", timeZone: "America/New_York" });
    expect(read(["1001", "A", "1", "11/24/2026", "3:05 PM"], withTime.positions, 2, east)).toMatchObject({ ok: true, row: { shippedAt: "2026-11-24T20:05:00.000Z" } });
    expect(read(["1001", "A", "1", "", "", "11/24/2026 3:05:12 PM"], positions, 2, east)).toMatchObject({ ok: true, row: { shippedAt: "2026-11-24T20:05:12.000Z" } });
  });

  it("reads several tracking numbers of one row as the parcels of one shipment", () => {
    expect(read(["1001", "A", "1", "UPS", "1Z999AA10123456784,1Z999AA10123456791", "2026-03-05"])).toMatchObject({
      ok: true,
      row: { trackingNumbers: ["1Z999AA10123456784", "1Z999AA10123456791"] },
    });
  });

  it("reads a package row when the mapping has no SKU and quantity", () => {
    const located = locateColumns(["Order", "Date", "Tracking"], { ...DEFAULT_COLUMN_MAPPING, order: "Order", shipped_at: "Date", tracking_number: "Tracking", sku: null, quantity: null });
    if (!located.ok) throw new Error(located.error);
    expect(read(["1001", "2026-03-05", "JD00000001,JD00000002"], located.positions)).toEqual({
      ok: true,
      row: { line: 2, orderName: "#1001", sku: null, quantity: null, items: [], carrier: null, trackingNumbers: ["JD00000001", "JD00000002"], shippedAt: "2026-03-05T00:00:00.000Z" },
    });
  });

  it("reads the items a package row names, when the mapping has an items column", () => {
    const mapping = { ...DEFAULT_COLUMN_MAPPING, sku: null, quantity: null, items: "Items" };
    const located = locateColumns(["order", "shipped_at", "Items"], mapping);
    if (!located.ok) throw new Error(located.error);
    expect(read(["1001", "2026-03-05", "TRS-42 x 2; MHS-M×1 | BOX2 X 3, CAP x1"], located.positions)).toMatchObject({
      ok: true,
      row: { sku: null, items: [{ sku: "TRS-42", quantity: 2 }, { sku: "MHS-M", quantity: 1 }, { sku: "BOX2", quantity: 3 }, { sku: "CAP", quantity: 1 }] },
    });
    // Anything else is refused with the reason, not guessed into SKUs the order does not have.
    for (const [cell, part] of [
      ["SKU-1 x 1,5", "5"],
      ["2 x TRS-42", "2 x TRS-42"],
      ["TRS-42 (2)", "TRS-42 (2)"],
      ["TRS-42", "TRS-42"],
      ["TRS-42 x 1.5", "TRS-42 x 1.5"],
    ]) {
      expect(read(["1001", "2026-03-05", cell], located.positions)).toEqual({
        ok: false,
        line: 2,
        error: `items ${JSON.stringify(cell)}: ${JSON.stringify(part)} is not "SKU x quantity" (write SKU x 2; SKU x 1)`,
      });
    }
    expect(read(["1001", "2026-03-05", ""], located.positions)).toMatchObject({ ok: true, row: { items: [] } });
    expect(read(["1001", "2026-03-05", "TRS-42 x 0"], located.positions)).toEqual({ ok: false, line: 2, error: 'item "TRS-42 x 0": quantity 0 is outside 1..100000' });
    const [named] = shipmentsFromRows([row({ sku: null, quantity: null, items: [{ sku: "B", quantity: 2 }] }), row({ line: 3, sku: null, quantity: null, items: [{ sku: "A", quantity: 1 }, { sku: "B", quantity: 1 }] })]);
    expect(named!.event.data).toEqual(expect.objectContaining({ lines: [{ sku: "A", quantity: 1 }, { sku: "B", quantity: 3 }] }));
    expect(named!.event.data).not.toHaveProperty("coversUnshipped");
  });

  it("takes rows without carrier or tracking number, and without those columns at all", () => {
    expect(read(["#1001", "SHOE-42", "1", "", " - ", "2026-03-05"])).toMatchObject({ ok: true, row: { carrier: null, trackingNumbers: [] } });
    const located = locateColumns(["order", "sku", "quantity", "shipped_at"], DEFAULT_COLUMN_MAPPING);
    if (!located.ok) throw new Error(located.error);
    expect(read(["#1001", "SHOE-42", "1", "2026-03-05"], located.positions)).toMatchObject({ ok: true, row: { carrier: null, trackingNumbers: [] } });
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
    [["#1", "SHOE", "1", "", "", "tomorrow"], 'shipped_at "tomorrow" is not a date in the feed\'s format, ISO 8601 (2026-11-24 15:05)'],
    [["#1", "SHOE", "1.5", "", "", "2026-03-05"], 'quantity "1.5" is not a whole number'],
    [["#1", "SHOE", "1.000", "", "", "2026-03-05"], 'quantity "1.000" is not a whole number (a thousands separator, or three decimals: write the number without)'],
    [["#1", "SHOE", "2,000", "", "", "2026-03-05"], 'quantity "2,000" is not a whole number (a thousands separator, or three decimals: write the number without)'],
    [["#1", "SHOE", "1", "UPS", "1.23457E+11", "2026-03-05"], 'tracking_number "1.23457E+11" is a number Excel shortened (scientific notation; the digits are lost): export the column as text'],
    [["1.00901E+12", "SHOE", "1", "", "", "2026-03-05"], 'order "1.00901E+12" is a number Excel shortened (scientific notation; the digits are lost): export the column as text'],
    [["#1", "S".repeat(201), "1", "", "", "2026-03-05"], "sku is longer than 200 characters"],
    [["#1", "SHOE", "1"], "shipped_at is empty"],
  ])("rejects %j: %s", (values, error) => {
    expect(read(values, positions, 9)).toEqual({ ok: false, line: 9, error });
  });

  it("never throws, whatever the cells hold and however the feed reads them", () => {
    const readingArb = fc.record({
      dateFormat: fc.constantFrom("iso", "month_first", "day_first", "epoch", "compact" as const),
      timeZone: fc.constantFrom("UTC", "America/New_York", "Asia/Kathmandu"),
      orderRule: fc.constantFrom("as_written", "strip_prefix", "digits", "pattern" as const),
      orderPrefix: fc.constant("SO-"),
      orderPattern: fc.constant("^(\\d+)$"),
    });
    const cellArb = fc.oneof(fc.string(), fc.constantFrom("11/24/2026 3:05:12 PM", "24.11.2026", "1795532712", "202611241505", "1.0", "1009.0", "SO-1", "A,B;C|D"));
    fc.assert(
      fc.property(fc.array(cellArb, { maxLength: 8 }), readingArb, (values, feed) => {
        const outcome = read(values, positions, 2, feed);
        if (outcome.ok) {
          expect(outcome.row.quantity).toBeGreaterThan(0);
          expect(outcome.row.shippedAt).toMatch(/^20\d\d-/);
          expect(outcome.row.orderName.length).toBeGreaterThan(0);
        } else expect(outcome.error.length).toBeGreaterThan(0);
      }),
    );
  });
});

describe("presets", () => {
  it("recognises documented layouts from the header row, the most specific first", () => {
    expect(recognisePreset(["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"])?.id).toBe("default");
    expect(recognisePreset(["Order Number", "Item SKU", "Item Quantity", "Carrier", "Tracking Number", "Ship Date", "Recipient"])?.id).toBe("shipping_tool_items");
    const marketplace = "amazon-order-id merchant-order-id shipment-id shipment-item-id purchase-date shipment-date sku quantity-shipped carrier tracking-number".split(" ");
    expect(recognisePreset(marketplace)?.id).toBe("marketplace_fulfilled_shipments");
    expect(recognisePreset(["Order Number", "Ship Date", "Carrier", "Tracking Numbers"])?.id).toBe("package_notice");
    expect(recognisePreset(["order", "date"])).toBeNull();
  });
});

describe("rows -> parcels", () => {
  it("groups a file's largest allowed parcel in one pass, and refuses files with more rows", () => {
    const rows = Array.from({ length: MAX_ROWS_PER_FILE }, (_, i) => row({ line: i + 2 }));
    const [parcel, ...others] = shipmentsFromRows(rows);
    expect(others).toEqual([]);
    expect(parcel!.lines).toHaveLength(MAX_ROWS_PER_FILE);
    expect(parcel!.event.data.lines).toEqual([{ sku: "SHOE-42", quantity: MAX_ROWS_PER_FILE }]);
    expect(tooManyRows(MAX_ROWS_PER_FILE)).toBeNull();
    expect(tooManyRows(MAX_ROWS_PER_FILE + 1)).toBe("the file has more than 100,000 rows; split it into smaller files");
  });

  it("makes one event per parcel, summing the lines of one SKU", () => {
    const drafts = shipmentsFromRows([
      row({ line: 2, sku: "SOCKS", quantity: 1 }),
      row({ line: 3, sku: "SHOE-42" }),
      row({ line: 4, sku: "SOCKS", quantity: 1, trackingNumbers: ["1Z999AA10123456784"] }),
      row({ line: 5, trackingNumbers: ["OTHER"], sku: "HAT" }),
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
      row({ trackingNumbers: [], carrier: null }),
      row({ trackingNumbers: [], carrier: null, sku: "SOCKS", line: 3 }),
      row({ trackingNumbers: [], carrier: null, shippedAt: "2026-03-06T09:00:00.000Z", line: 4 }),
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
        trackingNumbers: fc.constantFrom<string[]>(["T1"], ["T2"], ["T1", "T2"], []),
        shippedAt: fc.constantFrom("2026-03-05T15:00:00.000Z", "2026-03-06T15:00:00.000Z"),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(rowsArb, fc.func(fc.integer()), (specs, order) => {
        const rows = specs.map((s, i) => ({ ...s, items: [], line: i + 2 }));
        const shuffled = [...rows].sort((a, b) => order(a.line) - order(b.line)).map((r, i) => ({ ...r, line: i + 2 }));
        const keys = (list: ThreePlRow[]) => shipmentsFromRows(list).map((d) => d.event.dedupeKey).sort();
        expect(keys(shuffled)).toEqual(keys(rows));
        const corrected = rows.map((r, i) => (i === 0 ? { ...r, quantity: r.quantity + 1 } : r));
        expect(keys(corrected)).not.toEqual(keys(rows));
      }),
    );
  });

  it("keeps the key a one-number parcel always had, and makes one shipment of several numbers", () => {
    const [single] = shipmentsFromRows([row()]);
    // The key files imported before several numbers were read got; a re-sent old file must stay a duplicate.
    expect(single!.event.dedupeKey).toBe("3pl:062d6b6cb3b083d34e65720191a88fd7a9a10cee5b1632e7c78659543105f064");
    expect(single!.event.data).not.toHaveProperty("trackingNumbers");
    const [both] = shipmentsFromRows([row({ trackingNumbers: ["T2", "T1"] }), row({ line: 3, sku: "HAT", trackingNumbers: ["T1", "T2"] })]);
    expect(both!.lines).toEqual([2, 3]);
    expect(both!.event.data).toMatchObject({ trackingNumber: "T2", trackingNumbers: ["T2", "T1"] });
  });

  it("makes a package of rows without lines, keyed apart from an item parcel", () => {
    const [pkg] = shipmentsFromRows([row({ sku: null, quantity: null })]);
    expect(pkg!.event.data).toMatchObject({ lines: [], coversUnshipped: true });
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

describe("the header row shown as a hint", () => {
  it("is the columns a file needs, with the ones it may add named after it", () => {
    expect(headerRowOf(DEFAULT_COLUMN_MAPPING)).toBe("order,sku,quantity,carrier,tracking_number,shipped_at (optionally also shipped_time)");
    expect(headerRowOf({ ...DEFAULT_COLUMN_MAPPING, sku: null, quantity: null, shipped_time: null, items: "Items" })).toBe("order,carrier,tracking_number,shipped_at (optionally also Items)");
    expect(headerRowOf({ ...DEFAULT_COLUMN_MAPPING, shipped_time: null })).toBe("order,sku,quantity,carrier,tracking_number,shipped_at");
  });
});
