/**
 * 3PL files and carrier updates through the real parser, matcher and event-log writer, on the
 * database TEST_DATABASE names. The HTTP paths are in feeds-api.test.ts, SFTP in sftp-pickup.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverOnce } from "../../app/domain/fixtures/load";
import { receiveCarrierUpdates } from "../../app/sources/carrier/carrier-intake.server";
import { matchPendingItems, type FeedDeps } from "../../app/sources/feed-delivery.server";
import { FeedFileError, importThreePlFile, recentImports, type ImportVia } from "../../app/sources/three-pl/import.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { replayAll } from "../../app/store/replay.server";
import type { TestDatabase } from "../support/database";
import { feedDatabase, type FeedDatabase } from "../support/feed-database";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const TWO_BOX = "5801234567001"; // #1001: TRS-42 x1, MHS-M x2; box A tracking 7023210039414604
const PARCEL = "5801234567006"; // #1006: IJ-M-BLK x1
const HEADER = "order,sku,quantity,carrier,tracking_number,shipped_at";
const NOW = new Date("2026-03-06T12:00:00.000Z");

let db: TestDatabase;
let writer: SqlWriterConnection;
let deps: FeedDeps;

let feeds: FeedDatabase;
beforeAll(async () => {
  feeds = await feedDatabase();
  ({ db, writer, deps } = feeds);
});
afterAll(async () => feeds?.stop());
beforeEach(async () => {
  await feeds.clear();
});

async function webhook(topic: string, name: string, shop = SHOP) {
  const events = deliverOnce(topic, name).map((e) => ({ ...e, raw: "{}" }));
  await recordSubmissions(writer, [{ shop, events, receivedAt: NOW }]);
}

const importCsv = (csv: string | Buffer, options: { shop?: string; via?: ImportVia; maxBytes?: number } = {}) =>
  importThreePlFile(deps, { shop: options.shop ?? SHOP, body: csv, via: options.via ?? "upload", fileName: "ship.csv", receivedAt: NOW, maxBytes: options.maxBytes });

async function status(orderId: string, shop = SHOP) {
  const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop, orderId } } });
  return row && JSON.parse(row.document);
}

async function fileError(promise: Promise<unknown>): Promise<FeedFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedFileError);
  return error as FeedFileError;
}

describe(`3PL files on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("turns rows into a 3PL shipment of the order, matched by order name", async () => {
    await webhook("orders/create", "single-parcel.create");
    const result = await importCsv(`${HEADER}\n1006,IJ-M-BLK,1,DHL,JD0001,2026-03-05T10:00:00Z\n`);
    expect(result).toEqual({ accepted: 1, duplicates: 0, pending: 0, rejected: [], rejectedCount: 0 });
    const doc = await status(PARCEL);
    expect(doc.status).toBe("shipped");
    expect(doc.shipments).toEqual([expect.objectContaining({ id: "3pl:JD0001", carrier: "DHL", trackingNumbers: ["JD0001"] })]);
    const claims = await db.prisma.sourceClaim.findMany({ where: { shop: SHOP, orderId: PARCEL } });
    expect(claims.map((c) => c.source).sort()).toEqual(["3pl", "shopify"]);
    expect(await db.prisma.trackingNumber.count({ where: { shop: SHOP, trackingNumber: "JD0001" } })).toBe(1);
  });

  it("confirms a Shopify fulfillment with the same tracking number instead of adding units", async () => {
    await webhook("orders/create", "two-box-order.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    const before = await status(TWO_BOX);
    const result = await importCsv(`${HEADER}\n#1001,TRS-42,1,Canada Post,7023-2100-3941-4604,2026-03-05T10:00:00Z\n`);
    expect(result.accepted).toBe(1);
    const after = await status(TWO_BOX);
    expect(after.items).toEqual(before.items);
    expect(after.shipments.map((s: { id: string }) => s.id)).toEqual(before.shipments.map((s: { id: string }) => s.id));
  });

  it("keeps good rows, reports bad ones by line, and a re-sent file changes nothing", async () => {
    await webhook("orders/create", "two-box-order.create");
    const csv = [
      HEADER,
      "#1001,TRS-42,1,UPS,1ZBOX1,2026-03-05T10:00:00Z",
      "#1001,MHS-M,two,UPS,1ZBOX2,2026-03-05T10:00:00Z",
      "#1001,MHS-M,2,UPS,1ZBOX2,not-a-date",
      "#1001,MHS-M,2,UPS",
      '"#1001","MHS-M","1","UPS","1ZBOX2","2026-03-05T11:00:00Z"',
      "",
      '#1001,"MHS-M",1,"UPS, Inc.",1ZBOX2,2026-03-05T11:00:00Z',
    ].join("\r\n");
    const first = await importCsv(csv);
    expect(first.accepted).toBe(3);
    expect(first.duplicates).toBe(0);
    expect(first.rejected).toEqual([
      { line: 3, error: 'quantity "two" is not a whole number' },
      { line: 4, error: 'shipped_at "not-a-date" is not a date in the feed\'s format, ISO 8601 (2026-11-24 15:05)' },
      { line: 5, error: expect.stringMatching(/Invalid Record Length: expect 6, got 4/) },
    ]);
    const doc = await status(TWO_BOX);
    expect(doc.status).toBe("shipped");
    expect(doc.items).toEqual({ total: 3, shipped: 3, delivered: 0 });

    const events = await db.prisma.event.count();
    const again = await importCsv(csv.split("\r\n").reverse().filter((l) => l !== HEADER).concat(HEADER).reverse().join("\n"));
    expect(again).toMatchObject({ accepted: 0, duplicates: 3, pending: 0 });
    expect(again.rejected.map((r) => r.line)).toEqual([3, 4, 5]);
    expect(await db.prisma.event.count()).toBe(events);
    expect(await status(TWO_BOX)).toEqual(doc);
  });

  it("reads a shop's own column layout from its mapping, and refuses a file that does not fit it", async () => {
    await webhook("orders/create", "single-parcel.create");
    await db.prisma.threePlFeed.create({
      data: { shop: SHOP, columnMapping: JSON.stringify({ order: "Order Ref", sku: "Item", quantity: "Qty", tracking_number: "AWB", shipped_at: "Dispatched" }) },
    });
    const result = await importCsv("Dispatched,Order Ref,Item,Qty,AWB\n2026-03-05T09:00:00+01:00,#1006,IJ-M-BLK,1,AWB42\n");
    expect(result.accepted).toBe(1);
    expect((await status(PARCEL)).shipments[0].trackingNumbers).toEqual(["AWB42"]);
    const wrong = await fileError(importCsv(`Ref,Item,Qty,When\n#1006,IJ-M-BLK,1,2026-03-05\n`));
    expect(wrong.status).toBe(400);
    expect(wrong.message).toMatch(/missing columns "Order Ref", "Dispatched" in the header row \(expected Order Ref,Item,Qty,carrier,AWB,Dispatched \(optionally also shipped_time\)\), and not a known layout/);
    // Another shop's mapping is its own: the default layout is read there (the fixture's order id
    // belongs to the first shop, so the parcel waits instead of being recorded).
    await webhook("orders/create", "single-parcel.create", OTHER_SHOP);
    expect(await importCsv(`${HEADER}\n#1006,IJ-M-BLK,1,UPS,T1,2026-03-05\n`, { shop: OTHER_SHOP })).toEqual({
      accepted: 0,
      duplicates: 0,
      pending: 1,
      rejected: [],
      rejectedCount: 0,
    });
  });

  it("refuses empty, binary, header-less and over-size files with a clear reason, and logs them", async () => {
    expect((await fileError(importCsv(""))).message).toBe("the file is empty");
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00]);
    expect(await fileError(importCsv(xlsx))).toMatchObject({ status: 415, message: expect.stringMatching(/^this is not a readable Excel workbook \(\.xlsx\)/) });
    expect(await fileError(importCsv(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48])))).toMatchObject({
      status: 415,
      message: "this is not a CSV file (it contains binary data)",
    });
    expect(await fileError(importCsv('{"orders": [1, 2, 3]}'))).toMatchObject({ status: 415, message: expect.stringMatching(/^this is not a CSV file: Invalid Opening Quote/) });
    expect((await fileError(importCsv("Order number;Item;Qty\n1001;A;1\n"))).message).toMatch(/^not a 3PL shipment file: missing columns "order", "sku", "quantity", "shipped_at"/);
    expect((await fileError(importCsv("\n\n\n"))).message).toBe("the file has no header row");
    const big = `${HEADER}\n${"#1001,TRS-42,1,UPS,T1,2026-03-05\n".repeat(400)}`;
    expect(await fileError(importCsv(big, { maxBytes: 4096 }))).toMatchObject({ status: 413 });
    expect(await db.prisma.event.count()).toBe(0);
    const log = await recentImports(db.prisma, SHOP);
    expect(log).toHaveLength(7);
    expect(log.every((entry) => entry.accepted === 0 && entry.rejections[0]!.error)).toBe(true);
  });

  it("takes a header-only file as a day without shipments", async () => {
    expect(await importCsv(`${HEADER}\n`)).toEqual({ accepted: 0, duplicates: 0, pending: 0, rejected: [], rejectedCount: 0 });
  });

  it("keeps rows of an order not known yet and records them when the order arrives", async () => {
    const csv = `${HEADER}\n#1006,IJ-M-BLK,1,DHL,JD0002,2026-03-05T10:00:00Z\n`;
    // Waiting is not accepted: the row is kept for 30 days and recorded only if its order appears.
    expect(await importCsv(csv)).toMatchObject({ accepted: 0, pending: 1 });
    expect(await importCsv(csv)).toMatchObject({ accepted: 0, duplicates: 1, pending: 0 });
    expect(await db.prisma.event.count({ where: { source: "3pl" } })).toBe(0);

    await webhook("orders/create", "single-parcel.create");
    expect(await matchPendingItems(deps, SHOP, NOW)).toEqual({ matched: 1, expired: 0, waiting: 0 });
    expect((await status(PARCEL)).status).toBe("shipped");
    const stored = await db.prisma.event.findFirstOrThrow({ where: { source: "3pl" } });
    expect(stored.receivedAt.toISOString()).toBe(NOW.toISOString());
    expect(await importCsv(csv)).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it("never matches another shop's order of the same name", async () => {
    await webhook("orders/create", "single-parcel.create", OTHER_SHOP);
    expect(await importCsv(`${HEADER}\n#1006,IJ-M-BLK,1,DHL,JD0003,2026-03-05T10:00:00Z\n`)).toMatchObject({ pending: 1 });
    expect(await db.prisma.event.count({ where: { shop: OTHER_SHOP, source: "3pl" } })).toBe(0);
  });

  it("forgets rows that waited longer than the keep period", async () => {
    await importCsv(`${HEADER}\n#9999,X,1,DHL,JD0004,2026-03-05T10:00:00Z\n`);
    const later = new Date(NOW.getTime() + 31 * 86_400_000);
    expect(await matchPendingItems(deps, SHOP, later)).toEqual({ matched: 0, expired: 1, waiting: 0 });
  });

  it("replays to exactly the stored rollups", async () => {
    await webhook("orders/create", "two-box-order.create");
    await importCsv(`${HEADER}\n#1001,TRS-42,1,UPS,1ZR1,2026-03-05T10:00:00Z\n#1001,MHS-M,2,UPS,1ZR2,2026-03-05T10:00:00Z\n`);
    await receiveCarrierUpdates(deps, SHOP, [{ tracking_number: "1zr1", status: "Delivered", happened_at: "2026-03-06T09:00:00Z" }], NOW);
    const report = await replayAll(db.prisma);
    expect(report.orders).toBe(1);
    expect(report.differences).toEqual([]);
  });
});

describe(`carrier updates on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  const scan = (status: string, happenedAt: string, extra: Record<string, unknown> = {}) => ({
    tracking_number: "7023210039414604",
    carrier: "Canada Post",
    status,
    happened_at: happenedAt,
    ...extra,
  });

  it("moves a Shopify shipment found by tracking number, with aliases and duplicates", async () => {
    await webhook("orders/create", "two-box-order.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    const result = await receiveCarrierUpdates(
      deps,
      SHOP,
      [scan("InTransit", "2026-03-05T12:00:00Z"), scan("OUT_FOR_DELIVERY", "2026-03-06T08:00:00Z", { location: "Ottawa, ON" }), scan("in_transit", "2026-03-05T12:00:00Z"), scan("beamed", "2026-03-06T09:00:00Z")],
      NOW,
    );
    expect(result).toEqual({ accepted: 2, duplicates: 1, pending: 0, rejected: [{ index: 3, error: 'status: "beamed" is not a known shipment status' }] });
    const doc = await status(TWO_BOX);
    const boxA = doc.shipments.find((s: { trackingNumbers: string[] }) => s.trackingNumbers.includes("7023210039414604"));
    expect(boxA).toMatchObject({ status: "out_for_delivery", lastEvent: { location: "Ottawa, ON" } });
    expect(doc.status).toBe("partially_shipped");
  });

  it("keeps an unknown tracking number and matches it when the shipment appears", async () => {
    await webhook("orders/create", "two-box-order.create");
    const result = await receiveCarrierUpdates(deps, SHOP, scan("Delivered", "2026-03-06T10:00:00Z"), NOW);
    expect(result).toMatchObject({ accepted: 1, pending: 1 });
    expect(await matchPendingItems(deps, SHOP, NOW)).toEqual({ matched: 0, expired: 0, waiting: 1 });
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    expect(await matchPendingItems(deps, SHOP, NOW)).toEqual({ matched: 1, expired: 0, waiting: 0 });
    const doc = await status(TWO_BOX);
    expect(doc.shipments.find((s: { trackingNumbers: string[] }) => s.trackingNumbers.includes("7023210039414604")).status).toBe("delivered");
  });

  it("matches waiting scans right after a 3PL file brings their tracking number", async () => {
    await webhook("orders/create", "single-parcel.create");
    await receiveCarrierUpdates(deps, SHOP, { tracking_number: "JD-0005", status: "AvailableForPickup", happened_at: "2026-03-06T10:00:00Z" }, NOW);
    await importCsv(`${HEADER}\n#1006,IJ-M-BLK,1,DHL,jd0005,2026-03-05T10:00:00Z\n`);
    expect(await db.prisma.pendingFeedItem.count()).toBe(0);
    expect((await status(PARCEL)).status).toBe("ready_for_pickup");
  });

  it("never moves another shop's shipment", async () => {
    await webhook("orders/create", "two-box-order.create", OTHER_SHOP);
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create", OTHER_SHOP);
    expect(await receiveCarrierUpdates(deps, SHOP, scan("Delivered", "2026-03-06T10:00:00Z"), NOW)).toMatchObject({ pending: 1 });
    expect((await status(TWO_BOX, OTHER_SHOP)).shipments[0].status).not.toBe("delivered");
  });
});
