/**
 * 3PL files written to hurt: order patterns that stall a backtracking engine, order names with a digit
 * in the shop's prefix, stored settings that no longer pass the checks, and cells Excel or a warehouse
 * mangled. Through the real parser, matcher and event-log writer on the database TEST_DATABASE names.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverOnce } from "../../app/domain/fixtures/load";
import type { FeedDeps } from "../../app/sources/feed-delivery.server";
import { importThreePlFile } from "../../app/sources/three-pl/import.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import type { TestDatabase } from "../support/database";
import { feedDatabase, type FeedDatabase } from "../support/feed-database";

const SHOP = "hostile-cells-shop.myshopify.com";
const PARCEL = "5801234567006"; // #1006: IJ-M-BLK x1
const NOW = new Date("2026-11-25T12:00:00.000Z");
const HEADER = "order,sku,quantity,carrier,tracking_number,shipped_at";

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
  const events = deliverOnce("orders/create", "single-parcel.create").map((e) => ({ ...e, raw: "{}" }));
  await recordSubmissions(writer, [{ shop: SHOP, events, receivedAt: NOW }]);
});

const importFile = (lines: string[]) =>
  importThreePlFile(deps, { shop: SHOP, body: [HEADER, ...lines].join("\n") + "\n", via: "upload", fileName: "nightly", receivedAt: NOW });

const setFeed = (format: Record<string, string>) => db.prisma.threePlFeed.create({ data: { shop: SHOP, fileFormat: JSON.stringify(format) } });

describe(`hostile 3PL cells on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it.each([
    ["^((?:\\d|\\d)*)x$", "1".repeat(60) + "y", "1006x"],
    ["^(.*)-.*-.*-.*-.*x$", "-".repeat(190), "1006-a-b-c-dx"],
  ])("imports a file under the order pattern %j, whose long cells are rejected as not matching", async (orderPattern, hostile, good) => {
    await setFeed({ orderRule: "pattern", orderPattern });
    const rows = Array.from({ length: 50 }, () => `${hostile},IJ-M-BLK,1,DHL,JD00000001,2026-11-24`);
    const result = await importFile([`${good},IJ-M-BLK,1,DHL,JD00000002,2026-11-24`, ...rows]);
    expect(result).toMatchObject({ accepted: 1, pending: 0, rejectedCount: 50 });
    // The import log may shorten a long cell; the reason stays.
    expect(result.rejected[0]).toEqual({ line: 3, error: expect.stringMatching(new RegExp(`^order "${hostile.slice(0, 20)}.*" does not match the feed's order pattern `)) });
  });

  it("learns the shape of names with a digit in the prefix: an order not known yet waits instead of being rejected", async () => {
    await db.prisma.order.update({ where: { shop_orderId: { shop: SHOP, orderId: PARCEL } }, data: { name: "EU1-1006" } });
    await db.prisma.order.createMany({
      data: Array.from({ length: 3 }, (_, i) => ({ shop: SHOP, orderId: `99000${i}`, name: `EU1-${2000 + i}`, status: "unfulfilled", document: "{}", eventCount: 1, updatedAt: NOW })),
    });
    const result = await importFile(["EU1-1006,IJ-M-BLK,1,DHL,JD00000003,2026-11-24", "EU1-1007,IJ-M-BLK,1,DHL,JD00000004,2026-11-24", "US1-1008,IJ-M-BLK,1,DHL,JD00000005,2026-11-24"]);
    expect(result).toMatchObject({ accepted: 1, pending: 1, rejectedCount: 1, rejected: [{ line: 4, error: expect.stringMatching(/^order "US1-1008" cannot be one of this shop's orders/) }] });
  });

  it("refuses every row while the stored settings no longer pass the checks, and imports once they are saved again", async () => {
    await setFeed({ orderRule: "pattern", orderPattern: "^SO-(?=\\d)(\\d+)$", timeZone: "America/New_York" });
    const result = await importFile(["SO-1006,IJ-M-BLK,1,DHL,JD00000006,2026-11-24 10:00"]);
    expect(result).toMatchObject({ accepted: 0, pending: 0, rejectedCount: 1, rejected: [{ line: 2, error: expect.stringMatching(/^the feed's settings need saving again in Settings \(orderPattern: /) }] });
    expect(await db.prisma.event.count({ where: { shop: SHOP, source: "3pl" } })).toBe(0);

    await db.prisma.threePlFeed.update({ where: { shop: SHOP }, data: { fileFormat: JSON.stringify({ orderRule: "pattern", orderPattern: "^SO-(\\d+)$", timeZone: "America/New_York" }) } });
    expect(await importFile(["SO-1006,IJ-M-BLK,1,DHL,JD00000006,2026-11-24 10:00"])).toMatchObject({ accepted: 1, rejectedCount: 0 });
  });

  it("rejects, with reasons, cells a spreadsheet or a warehouse mangled, and records none of them", async () => {
    await setFeed({ orderRule: "digits" });
    const result = await importFile([
      "SO-1006-2,IJ-M-BLK,1,DHL,JD00000007,2026-11-24",
      "1006,IJ-M-BLK,1,DHL,1.23457E+11,2026-11-24",
      "1006,IJ-M-BLK,1.000,DHL,JD00000008,2026-11-24",
      '1006,IJ-M-BLK,1,DHL,"123,456,789,012",2026-11-24',
      "1006,IJ-M-BLK,1,DHL,N/A,2026-11-24",
    ]);
    expect(result.rejected).toEqual([
      { line: 2, error: expect.stringMatching(/^order "SO-1006-2" has more than one run of digits \(1006, 2\)/) },
      { line: 3, error: expect.stringMatching(/^tracking_number "1.23457E\+11" is a number Excel shortened/) },
      { line: 4, error: expect.stringMatching(/^quantity "1.000" is not a whole number/) },
      { line: 5, error: expect.stringMatching(/^tracking_number "123,456,789,012" splits into pieces shorter than 8 characters/) },
    ]);
    expect(result).toMatchObject({ accepted: 1, rejectedCount: 4 });
    const recorded = await db.prisma.event.findMany({ where: { shop: SHOP, source: "3pl" } });
    expect(recorded.map((e) => JSON.parse(e.data).trackingNumber)).toEqual([null]);
  });
});
