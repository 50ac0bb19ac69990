// Runs against the provider in TEST_DATABASE (sqlite by default), on a fresh migrated database.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import { syncReadRows, type ReadTable } from "../../app/store/event-log/read-rows.server";
import { sqlDate, valuesList, type SqlSession, type SqlValue, type SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
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
    const counted: SqlSession = {
      dialect: sql.dialect,
      all: (q, p) => sql.all(q, p),
      run: (q, p) => (writes.push(q.split(" ")[0]), sql.run(q, p)),
      runDeferred: (q, p) => (writes.push(q.split(" ")[0]), sql.runDeferred(q, p)),
      runLast: (q, p) => sql.runLast(q, p),
    };
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

  it("leaves alone a row whose key holds NUL or a lone surrogate, which the database keeps as U+FFFD", async () => {
    const rows = [
      [SHOP, "30", "box\u0000one", "in_transit", null, "", t(1)],
      [SHOP, "30", "box\ud800two", "in_transit", null, "", t(1)],
    ];
    expect(await sync(SHIPMENTS, SHOP, ["30"], rows)).toEqual(["INSERT"]);
    // Compared unequal, each would be deleted and inserted again, which one deferred statement on
    // PostgreSQL cannot do.
    expect(await sync(SHIPMENTS, SHOP, ["30"], rows)).toEqual([]);
    expect(await db.prisma.shipment.count({ where: { shop: SHOP, orderId: "30" } })).toBe(2);
  });

  it("takes two keys the database stores alike for one row", async () => {
    const rows = [
      [SHOP, "31", "box\u0000", "in_transit", null, "", t(1)],
      [SHOP, "31", "box\ufffd", "delivered", null, "", t(2)],
    ];
    expect(await sync(SHIPMENTS, SHOP, ["31"], rows)).toEqual(["INSERT"]);
    expect(await sync(SHIPMENTS, SHOP, ["31"], rows)).toEqual([]);
    const stored = await db.prisma.shipment.findMany({ where: { shop: SHOP, orderId: "31" } });
    expect(stored.map((r) => [r.shipmentId, r.status])).toEqual([["box\ufffd", "delivered"]]);
  });
});

describe(`writes deferred to the end of the transaction (${testDatabaseProvider()})`, () => {
  const DEFERRED_SHOP = "deferred.myshopify.com";
  const checkRows = (from: number, count: number): SqlValue[][] =>
    Array.from({ length: count }, (_, i) => [DEFERRED_SHOP, String(from + i), sqlDate(t(i % 60), writer.dialect)]);

  it("lands every deferred and last write at COMMIT, even past one statement's parameter limit", async () => {
    // 80 statements of 900 parameters: more than the 65,535 PostgreSQL takes in one statement.
    await writer.transaction(async (sql) => {
      for (let part = 0; part < 80; part++) {
        sql.runDeferred(`INSERT INTO "DiscrepancyCheck" ("shop", "orderId", "dueAt") VALUES ${valuesList(300, 3)}`, checkRows(part * 300, 300).flat());
      }
      sql.runDeferred(`UPDATE "Shipment" SET "status" = ? WHERE "shop" = ?`, ["delivered", DEFERRED_SHOP]);
      sql.runLast(`INSERT INTO "OrderStatusTally" ("shop", "status", "count") VALUES (?, ?, ?)`, [DEFERRED_SHOP, "delivered", 24_000]);
      await sql.run(`INSERT INTO "Shipment" ("shop", "orderId", "shipmentId", "status", "trackingNumbers", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)`, [
        DEFERRED_SHOP,
        "1",
        "a",
        "in_transit",
        "",
        sqlDate(t(0), writer.dialect),
      ]);
      // Deferred means not yet written: a read inside the transaction does not see them.
      expect(await sql.all(`SELECT "orderId" FROM "DiscrepancyCheck" WHERE "shop" = ?`, [DEFERRED_SHOP])).toEqual([]);
    });
    expect(await db.prisma.discrepancyCheck.count({ where: { shop: DEFERRED_SHOP } })).toBe(24_000);
    expect(await db.prisma.orderStatusTally.findUniqueOrThrow({ where: { shop_status: { shop: DEFERRED_SHOP, status: "delivered" } } })).toMatchObject({ count: 24_000 });
    // A deferred write works on rows an earlier statement of the transaction wrote.
    expect(await db.prisma.shipment.findUniqueOrThrow({ where: { shop_orderId_shipmentId: { shop: DEFERRED_SHOP, orderId: "1", shipmentId: "a" } } })).toMatchObject({ status: "delivered" });
  });

  it("rolls the whole transaction back when a deferred write fails", async () => {
    await expect(
      writer.transaction(async (sql) => {
        await sql.run(`INSERT INTO "OrderStatusTally" ("shop", "status", "count") VALUES (?, ?, ?)`, [DEFERRED_SHOP, "confirmed", 1]);
        sql.runDeferred(`INSERT INTO "DiscrepancyCheck" ("shop", "orderId", "dueAt") VALUES ${valuesList(2, 3)}`, checkRows(90_000, 2).flat());
        // The same key again: the unique key refuses it.
        sql.runDeferred(`INSERT INTO "DiscrepancyCheck" ("shop", "orderId", "dueAt") VALUES (?, ?, ?)`, checkRows(90_000, 1).flat());
      }),
    ).rejects.toThrow();
    expect(await db.prisma.orderStatusTally.count({ where: { shop: DEFERRED_SHOP, status: "confirmed" } })).toBe(0);
    expect(await db.prisma.discrepancyCheck.count({ where: { shop: DEFERRED_SHOP, orderId: { in: ["90000", "90001"] } } })).toBe(0);
  });

  it.runIf(testDatabaseProvider() === "postgresql")("takes the shared rows' locks in the order runLast was given, so a writer locking them in that order too never deadlocks with it", async () => {
    const TALLY_SHOP = "locks.myshopify.com";
    await db.prisma.orderStatusTally.createMany({ data: ["a", "b"].map((status) => ({ shop: TALLY_SHOP, status, count: 0 })) });
    const url = new URL(db.url);
    url.searchParams.delete("schema");
    const other = new pg.Client({ connectionString: url.toString() });
    await other.connect();
    const bump = `UPDATE "OrderStatusTally" SET "count" = "count" + 1 WHERE "shop" = $1 AND "status" = $2`;
    try {
      await other.query("BEGIN");
      await other.query(bump, [TALLY_SHOP, "a"]);
      const upsert = `INSERT INTO "OrderStatusTally" ("shop", "status", "count") VALUES (?, ?, 1) ON CONFLICT ("shop", "status") DO UPDATE SET "count" = "OrderStatusTally"."count" + 1`;
      const writing = writer.transaction(async (sql) => {
        sql.runDeferred(`INSERT INTO "DiscrepancyCheck" ("shop", "orderId", "dueAt") VALUES (?, ?, ?)`, [TALLY_SHOP, "1", sqlDate(t(0), writer.dialect)]);
        sql.runLast(upsert, [TALLY_SHOP, "a"]);
        sql.runLast(upsert, [TALLY_SHOP, "b"]);
      });
      // Should it fail before waiting, the poll below reports that; this only keeps the rejection handled.
      writing.catch(() => undefined);
      // Until the writer waits for row a, which the other transaction holds.
      for (let waited = 0; ; waited += 20) {
        const { rows } = await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (rows[0].n > 0) break;
        if (waited > 5000) throw new Error("the writer never waited for the locked row");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Had the writer taken b first, this would wait for it while it waits for a: a deadlock.
      await other.query(bump, [TALLY_SHOP, "b"]);
      await other.query("COMMIT");
      await writing;
    } finally {
      await other.end();
    }
    const tallies = await db.prisma.orderStatusTally.findMany({ where: { shop: TALLY_SHOP }, orderBy: { status: "asc" } });
    expect(tallies.map((row) => [row.status, row.count])).toEqual([
      ["a", 2],
      ["b", 2],
    ]);
  });
});
