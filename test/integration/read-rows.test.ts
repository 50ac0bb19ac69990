// Runs against the provider in TEST_DATABASE (sqlite by default), on a fresh migrated database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import { syncReadRows, type ReadTable } from "../../app/store/event-log/read-rows.server";
import { sqlDate, type SqlSession, type SqlValue, type SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from "../support/database";

let db: TestDatabase;
let writer: SqlWriterConnection;

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
});

afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

const SHOP = "rows.myshopify.com";
const OTHER_SHOP = "other.myshopify.com";
const SHIPMENTS: ReadTable = {
  name: "Shipment",
  keys: ["shipmentId"],
  columns: [
    ["status", "text"],
    ["carrier", "text"],
    ["trackingNumbers", "text"],
    ["updatedAt", "timestamp"],
  ],
  stamp: "updatedAt",
};
const ORDERS: ReadTable = {
  name: "Order",
  keys: [],
  columns: [
    ["name", "text"],
    ["status", "text"],
    ["deleted", "boolean"],
    ["document", "text"],
    ["eventCount", "integer"],
    ["placedAt", "timestamp"],
    ["updatedAt", "timestamp"],
  ],
};

/** Syncs and returns the writing statements it took. */
function sync(table: ReadTable, shop: string, orderIds: string[], rows: Array<Array<SqlValue | Date>>): Promise<string[]> {
  return writer.transaction(async (sql) => {
    const writes: string[] = [];
    const counted: SqlSession = { dialect: sql.dialect, all: (q, p) => sql.all(q, p), run: (q, p) => (writes.push(q.split(" ")[0]), sql.run(q, p)), runLast: (q, p) => sql.runLast(q, p) };
    await syncReadRows(counted, table, shop, orderIds, rows.map((r) => r.map((v) => (v instanceof Date ? sqlDate(v, sql.dialect) : v))));
    return writes;
  });
}

const t = (minute: number) => new Date(Date.UTC(2026, 10, 24, 10, minute));

describe(`read rows are kept in step with the rollup (${testDatabaseProvider()})`, () => {
  it("inserts new rows, updates changed ones, deletes the ones the rollup no longer has, and leaves the rest", async () => {
    await db.prisma.shipment.create({ data: { shop: OTHER_SHOP, orderId: "1", shipmentId: "a", status: "in_transit", trackingNumbers: "", updatedAt: t(0) } });
    await sync(SHIPMENTS, SHOP, ["1", "2"], [
      [SHOP, "1", "a", "in_transit", "UPS", "1Z1", t(1)],
      [SHOP, "1", "b", "in_transit", null, "", t(1)],
      [SHOP, "2", "c", "delivered", "DHL", "JD1 JD2", t(1)],
    ]);
    const writes = await sync(SHIPMENTS, SHOP, ["1", "2"], [
      // a: only the stamp moved, which is not a change; b: delivered; c: gone; d: new
      [SHOP, "1", "a", "in_transit", "UPS", "1Z1", t(5)],
      [SHOP, "1", "b", "delivered", null, "", t(5)],
      [SHOP, "2", "d", "confirmed", null, "", t(5)],
    ]);
    expect(writes.sort()).toEqual(["DELETE", "INSERT", "UPDATE"]);
    const rows = await db.prisma.shipment.findMany({ orderBy: [{ shop: "asc" }, { shipmentId: "asc" }] });
    expect(rows.map((r) => [r.shop, r.orderId, r.shipmentId, r.status, r.carrier, r.trackingNumbers, r.updatedAt.toISOString()])).toEqual([
      [OTHER_SHOP, "1", "a", "in_transit", null, "", t(0).toISOString()],
      [SHOP, "1", "a", "in_transit", "UPS", "1Z1", t(1).toISOString()],
      [SHOP, "1", "b", "delivered", null, "", t(5).toISOString()],
      [SHOP, "2", "d", "confirmed", null, "", t(5).toISOString()],
    ]);
  });

  it("compares every column kind by value, so an unchanged row is not rewritten", async () => {
    const row = (status: string, minute: number) => [SHOP, "9", "#1009", status, 0, '{"s":1}', 3, t(0), t(minute)];
    expect(await sync(ORDERS, SHOP, ["9"], [row("confirmed", 1)])).toEqual(["INSERT"]);
    // The database hands back booleans, integers and timestamps in its own types; equal values still compare equal.
    expect(await sync(ORDERS, SHOP, ["9"], [row("confirmed", 1)])).toEqual([]);
    expect(await sync(ORDERS, SHOP, ["9"], [row("shipped", 2)])).toEqual(["UPDATE"]);
    expect(await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: "9" } } })).toMatchObject({
      status: "shipped",
      deleted: false,
      eventCount: 3,
      placedAt: t(0),
      updatedAt: t(2),
    });
    expect(await sync(ORDERS, SHOP, ["9"], [])).toEqual(["DELETE"]);
    expect(await db.prisma.order.count({ where: { shop: SHOP, orderId: "9" } })).toBe(0);
  });
});
