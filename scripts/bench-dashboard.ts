// `npm run bench:dashboard [-- --orders 1000000 --iterations 200 --only sqlite|postgresql --regenerate]`
// A read benchmark of the dashboard's loaders: one shop with 1,000,000 orders and 5,000,000 events
// (plus their discrepancies, source claims and lag aggregates), on SQLite and PostgreSQL, generated once
// in bulk by SQL and kept (SQLite file under .cache/bench-dashboard/, PostgreSQL database named there)
// so reruns only measure. Reports p50/p95 per loader, calling the loaders' data functions directly.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { createPrismaClient, type Db } from "../app/db.server";
import { DISCREPANCY_CODES } from "../app/domain/discrepancies";
import { LAG_BIN_COUNT, lagBinBounds } from "../app/domain/sync-lag";
import { parseDiscrepancyQuery, healthSettingsSection } from "../app/store/discrepancies-page.server";
import { orderDetail } from "../app/store/discrepancies-order.server";
import { listDiscrepancies } from "../app/store/discrepancies.server";
import { healthReport, overviewData } from "../app/store/sync-lag-report.server";
import { TEST_POSTGRES_URL, adminQuery, withDatabaseName } from "../test/support/database";
import { PROJECT_ROOT } from "./lib/app-process";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "1000000" },
    iterations: { type: "string", default: "200" },
    only: { type: "string" },
    regenerate: { type: "boolean", default: false },
  },
});
const ORDERS = Number(values.orders);
const EVENTS_PER_ORDER = 5;
const ITERATIONS = Number(values.iterations);
const SHOP = "bench-dashboard.myshopify.com";
const CACHE = path.join(PROJECT_ROOT, ".cache/bench-dashboard");
const DAYS = 90;
const HOUR = 3_600_000;
// The data set ends at a fixed hour, and the loaders are timed as of it, so reruns compare like with like.
const END = Date.parse("2026-11-01T00:00:00.000Z");
const START = END - DAYS * 24 * HOUR;

type Dialect = "sqlite" | "postgresql";

/** The generated data depends on the migrations and this file: a change to either makes a new data set. */
function dataSetKey(): string {
  const hash = createHash("sha256");
  for (const provider of ["sqlite", "postgresql"]) {
    const dir = path.join(PROJECT_ROOT, "prisma/migrations", provider);
    for (const name of readdirSync(dir).sort()) hash.update(name);
  }
  hash.update(readFileSync(new URL(import.meta.url), "utf8"));
  hash.update(String(ORDERS));
  return hash.digest("hex").slice(0, 12);
}

// ---------------------------------------------------------------------------------------------------
// Generation: INSERT ... SELECT over a number sequence, so the database does the work
// ---------------------------------------------------------------------------------------------------

const ORDER_DOC = (name: string) =>
  JSON.stringify({
    schemaVersion: 1,
    orderId: "0",
    name,
    status: "in_transit",
    attention: [],
    items: { total: 2, shipped: 2, delivered: 0 },
    shipments: [
      {
        id: "1",
        status: "in_transit",
        carrier: "UPS",
        trackingNumbers: ["1Z999"],
        trackingUrls: [],
        items: [{ title: "Mug", sku: "MUG", quantity: 2 }],
        estimatedDeliveryAt: null,
        deliveredAt: null,
        lastEvent: { status: "in_transit", happenedAt: "2026-10-01T00:00:00.000Z", message: null, location: null },
      },
    ],
    statusPageUrl: null,
    estimatedDeliveryAt: null,
    deliveredAt: null,
    cancelledAt: null,
    updatedAt: "2026-10-01T00:00:00.000Z",
  });

const FULFILLMENT = {
  id: "1",
  name: "#bench.1",
  status: "success",
  shipmentStatus: null,
  trackingCompany: "UPS",
  trackingNumbers: ["1Z999"],
  trackingUrls: [],
  lineItems: [{ lineItemId: "1", title: "Mug", sku: "MUG", quantity: 2, requiresShipping: true }],
  estimatedDeliveryAt: null,
  createdAt: "2026-10-01T00:00:00.000Z",
  updatedAt: "2026-10-01T00:00:00.000Z",
  localPickup: false,
};
const EVENT_KINDS: Array<{ kind: string; data: string }> = [
  {
    kind: "order_snapshot",
    data: JSON.stringify({
      name: "#bench",
      createdAt: "2026-10-01T00:00:00.000Z",
      updatedAt: "2026-10-01T00:00:00.000Z",
      cancelledAt: null,
      orderStatusUrl: null,
      customer: { customerId: null, emailHash: null, phoneHash: null },
      lineItems: [{ id: "1", title: "Mug", sku: "MUG", quantity: 2, currentQuantity: 2, requiresShipping: true }],
      fulfillments: [],
    }),
  },
  { kind: "fulfillment_snapshot", data: JSON.stringify(FULFILLMENT) },
  ...["label_purchased", "in_transit", "out_for_delivery"].map((status, n) => ({
    kind: "fulfillment_event",
    data: JSON.stringify({ id: `e${n}`, fulfillmentId: "1", status, happenedAt: "2026-10-02T00:00:00.000Z", estimatedDeliveryAt: null, message: null, location: null }),
  })),
];
const STATUSES = ["delivered", "delivered", "delivered", "in_transit", "shipped", "unfulfilled", "partially_shipped", "cancelled", "out_for_delivery", "on_hold"];

type Sql = { dialect: Dialect; run(sql: string): Promise<void> };

function seq(dialect: Dialect, n: number): string {
  return dialect === "sqlite"
    ? `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${n - 1}) SELECT i FROM s)`
    : `(SELECT i FROM generate_series(0::bigint, ${n - 1}::bigint) AS g(i))`;
}

/** A DateTime column value from epoch milliseconds computed in SQL, in Prisma's storage format. */
function ts(dialect: Dialect, msExpr: string): string {
  return dialect === "sqlite"
    ? `(strftime('%Y-%m-%dT%H:%M:%f', (${msExpr}) / 1000.0, 'unixepoch') || '+00:00')`
    : `(to_timestamp((${msExpr}) / 1000.0) AT TIME ZONE 'UTC')`;
}

const q = (text: string) => `'${text.replace(/'/g, "''")}'`;

async function generate(sql: Sql) {
  const d = sql.dialect;
  const span = END - START - 10 * 24 * HOUR;
  const placed = `(${START} + (i * ${Math.floor(span / ORDERS)}))`;
  const step = (n: string) => `(${placed} + ${n} * 7200000)`;
  const t0 = Date.now();
  const log = (what: string) => console.log(`  ${what} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);

  await sql.run(
    `INSERT INTO "Order" ("shop", "orderId", "name", "status", "deleted", "document", "eventCount", "placedAt", "updatedAt")
     SELECT ${q(SHOP)}, CAST(1000000000 + i AS TEXT), '#' || CAST(1001 + i AS TEXT),
       CASE i % ${STATUSES.length} ${STATUSES.map((s, n) => `WHEN ${n} THEN ${q(s)}`).join(" ")} END,
       ${d === "sqlite" ? "0" : "false"}, ${q(ORDER_DOC("#bench"))}, ${EVENTS_PER_ORDER}, ${ts(d, placed)}, ${ts(d, step("4"))}
     FROM ${seq(d, ORDERS)} AS s`,
  );
  log(`${ORDERS.toLocaleString("en")} orders`);
  for (const [n, e] of EVENT_KINDS.entries()) {
    // Lag per event: mostly seconds, every 97th minutes, every 1009th a day.
    const lag = `(CASE WHEN i % 1009 = 0 THEN 86400000 WHEN i % 97 = 0 THEN 1800000 ELSE 1000 + (i % 13) * 700 END)`;
    await sql.run(
      `INSERT INTO "Event" ("shop", "orderId", "source", "kind", "dedupeKey", "occurredAt", "receivedAt", "data", "raw")
       SELECT ${q(SHOP)}, CAST(1000000000 + i AS TEXT), 'shopify', ${q(e.kind)}, 'k${n}-' || CAST(i AS TEXT),
         ${ts(d, step(String(n)))}, ${ts(d, `${step(String(n))} + ${lag}`)}, ${q(e.data)}, '{}'
       FROM ${seq(d, ORDERS)} AS s`,
    );
    log(`events: ${e.kind} ×${ORDERS.toLocaleString("en")}`);
  }
  await sql.run(
    `INSERT INTO "SourceClaim" ("shop", "orderId", "source", "claim", "occurredAt", "receivedAt")
     SELECT ${q(SHOP)}, CAST(1000000000 + i AS TEXT), 'shopify', 'fulfillment #bench.1 of 2 units, in transit (UPS 1Z999)', ${ts(d, step("4"))}, ${ts(d, `${step("4")} + 2000`)}
     FROM ${seq(d, ORDERS)} AS s`,
  );
  log("source claims");
  // 2% of orders have an open discrepancy, 5% a cleared one.
  const codes = DISCREPANCY_CODES;
  const code = `CASE i % ${codes.length} ${codes.map((c, n) => `WHEN ${n} THEN ${q(c)}`).join(" ")} END`;
  const source = `CASE i % ${codes.length} WHEN 0 THEN 'shopify' WHEN 3 THEN 'carrier' WHEN 7 THEN 'carrier' WHEN 8 THEN 'carrier' WHEN 4 THEN 'shopify' ELSE '3pl' END`;
  for (const [state, every, offset] of [["open", 50, 0], ["cleared", 20, 1]] as const) {
    await sql.run(
      `INSERT INTO "Discrepancy" ("shop", "orderId", "orderName", "key", "code", "source", "state", "since", "clearedAt", "detail", "evidence")
       SELECT ${q(SHOP)}, CAST(1000000000 + i AS TEXT), '#' || CAST(1001 + i AS TEXT), ${code} || ':' || CAST(i AS TEXT), ${code}, ${source}, ${q(state)},
         ${ts(d, step("2"))}, ${state === "open" ? "NULL" : ts(d, `${step("2")} + 20 * 3600000`)}, 'The carrier says delivered; Shopify still shows #bench.1 as in transit.',
         ${q(JSON.stringify([{ source: "carrier", said: "1Z999 delivered", at: "2026-10-02T00:00:00.000Z", receivedAt: "2026-10-02T00:05:00.000Z" }]))}
       FROM ${seq(d, ORDERS)} AS s WHERE i % ${every} = ${offset}`,
    );
  }
  log("discrepancies");
  const day = d === "sqlite" ? (col: string) => `(strftime('%Y-%m-%dT00:00:00.000', "${col}") || '+00:00')` : (col: string) => `date_trunc('day', "${col}")`;
  await sql.run(
    `INSERT INTO "DiscrepancyTally" ("shop", "code", "day", "opened", "cleared")
     SELECT "shop", "code", "day", SUM("opened"), SUM("cleared") FROM (
       SELECT "shop", "code", ${day("since")} AS "day", 1 AS "opened", 0 AS "cleared" FROM "Discrepancy"
       UNION ALL SELECT "shop", "code", ${day("clearedAt")}, 0, 1 FROM "Discrepancy" WHERE "clearedAt" IS NOT NULL
     ) AS t GROUP BY "shop", "code", "day"`,
  );
  await sql.run(`INSERT INTO "OrderStatusTally" ("shop", "status", "count") SELECT "shop", "status", COUNT(*) FROM "Order" GROUP BY "shop", "status"`);
  log("tallies");
  await generateLagAggregates(sql);
  log("lag aggregates");
  if (d === "postgresql") await sql.run("ANALYZE");
  else await sql.run("ANALYZE");
}

/** Lag aggregates as the writer would have kept them for this traffic (Shopify, a nightly 3PL file, carriers). */
async function generateLagAggregates(sql: Sql) {
  const perHour = Math.round((ORDERS * EVENTS_PER_ORDER) / (DAYS * 24));
  const bins: string[] = [];
  const periods: string[] = [];
  const date = (ms: number) => q(sql.dialect === "sqlite" ? new Date(ms).toISOString().replace("Z", "+00:00") : new Date(ms).toISOString());
  const mid = (bin: number) => Math.sqrt(lagBinBounds(bin)[0] * Math.min(lagBinBounds(bin)[1], 1e10));
  const traffic: Array<{ source: string; everyHours: number; count: number; binsFrom: number; binsTo: number; shipments: number }> = [
    { source: "shopify", everyHours: 1, count: perHour, binsFrom: 4, binsTo: 16, shipments: Math.round(perHour / 5) },
    { source: "3pl", everyHours: 24, count: Math.round(ORDERS / DAYS), binsFrom: 60, binsTo: 66, shipments: Math.round(ORDERS / DAYS) },
    { source: "carrier", everyHours: 1, count: Math.round(perHour / 3), binsFrom: 30, binsTo: 44, shipments: 0 },
  ];
  for (const t of traffic) {
    for (const [span, size] of [["hour", HOUR], ["day", 24 * HOUR]] as const) {
      for (let at = START; at < END; at += size) {
        const hours = Math.max(1, size / HOUR / t.everyHours);
        if (span === "hour" && (at - START) % (t.everyHours * HOUR) !== 0) continue;
        const total = Math.round(t.count * (span === "day" ? hours : 1));
        const width = t.binsTo - t.binsFrom;
        let left = total;
        for (let b = t.binsFrom; b <= t.binsTo && left > 0; b++) {
          const n = b === t.binsTo ? left : Math.min(left, Math.max(1, Math.round((total * (width - (b - t.binsFrom))) / ((width * (width + 1)) / 2))));
          left -= n;
          bins.push(`(${q(SHOP)}, ${q(t.source)}, ${q(span)}, ${date(at)}, ${Math.min(b, LAG_BIN_COUNT - 1)}, ${n})`);
        }
        periods.push(`(${q(SHOP)}, ${q(t.source)}, ${q(span)}, ${date(at)}, ${total}, ${mid(t.binsTo)}, ${Math.round(t.shipments * (span === "day" ? hours : 1))})`);
      }
    }
    await sql.run(
      `INSERT INTO "SourceHealth" ("shop", "source", "eventCount", "firstReceivedAt", "lastReceivedAt", "lastOccurredAt") VALUES (${q(SHOP)}, ${q(t.source)}, ${Math.round((t.count * DAYS * 24) / t.everyHours)}, ${date(START)}, ${date(END - HOUR)}, ${date(END - 2 * HOUR)})`,
    );
  }
  for (let i = 0; i < bins.length; i += 2000) await sql.run(`INSERT INTO "SyncLagBin" ("shop", "source", "span", "period", "bin", "count") VALUES ${bins.slice(i, i + 2000).join(", ")}`);
  for (let i = 0; i < periods.length; i += 2000) await sql.run(`INSERT INTO "SyncLagPeriod" ("shop", "source", "span", "period", "count", "maxLagMs", "shipments") VALUES ${periods.slice(i, i + 2000).join(", ")}`);
}

// ---------------------------------------------------------------------------------------------------
// Databases, cached
// ---------------------------------------------------------------------------------------------------

function migrate(url: string) {
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/db.mjs"), "setup"], { env: { ...process.env, DATABASE_URL: url }, stdio: "ignore" });
}

async function sqliteDataSet(key: string): Promise<string> {
  const file = path.join(CACHE, `dashboard-${key}.sqlite`);
  if (existsSync(file) && !values.regenerate) return `file:${file}`;
  for (const old of readdirSync(CACHE).filter((f) => f.startsWith("dashboard-") && f.includes(".sqlite"))) rmSync(path.join(CACHE, old));
  const building = `${file}.building`;
  rmSync(building, { force: true });
  migrate(`file:${building}`);
  console.log(`Generating the SQLite data set (${ORDERS.toLocaleString("en")} orders, ${(ORDERS * EVENTS_PER_ORDER).toLocaleString("en")} events)…`);
  const db = new Database(building);
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -512000");
  await generate({ dialect: "sqlite", run: async (text) => void db.exec(text) });
  db.close();
  execFileSync("mv", [building, file]);
  return `file:${file}`;
}

async function postgresDataSet(key: string): Promise<string> {
  const name = `ot_bench_dashboard_${key}`;
  const marker = path.join(CACHE, "postgresql-database");
  const url = withDatabaseName(TEST_POSTGRES_URL, name);
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  const exists = (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  const previous = existsSync(marker) ? readFileSync(marker, "utf8").trim() : null;
  await client.end();
  if (exists && previous === name && !values.regenerate) return url;
  if (previous) await adminQuery(`DROP DATABASE IF EXISTS "${previous}" WITH (FORCE)`);
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE "${name}"`);
  migrate(url);
  console.log(`Generating the PostgreSQL data set (${ORDERS.toLocaleString("en")} orders, ${(ORDERS * EVENTS_PER_ORDER).toLocaleString("en")} events)…`);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query("SET synchronous_commit = off");
  await generate({ dialect: "postgresql", run: async (text) => void (await db.query(text)) });
  await db.end();
  writeFileSync(marker, name);
  return url;
}

// ---------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, run: (i: number) => Promise<unknown>): Promise<{ name: string; p50: number; p95: number; max: number }> {
  for (let i = 0; i < 5; i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { name, p50: percentile(times, 50), p95: percentile(times, 95), max: times.at(-1)! };
}

async function benchLoaders(db: Db) {
  const now = new Date(END);
  const orderId = (i: number) => String(1000000000 + ((i * 7919) % ORDERS));
  const page = (query: string) => (i: number) => listDiscrepancies(db, SHOP, parseDiscrepancyQuery(new URLSearchParams(query.replace("{i}", String(i)))), now);
  const first = await listDiscrepancies(db, SHOP, parseDiscrepancyQuery(new URLSearchParams("")), now);
  if (first.items.length === 0) throw new Error("the data set has no open discrepancies to list");
  const cursor = first.next ? `after=${first.next.since}_${first.next.id}` : "";
  return [
    await measure("Overview (app._index)", () => overviewData(db, SHOP, now)),
    await measure("Discrepancies: open, newest", page("")),
    await measure("Discrepancies: page 2 (cursor)", page(cursor)),
    await measure("Discrepancies: by kind, oldest", (i) => page(`code=${DISCREPANCY_CODES[i % DISCREPANCY_CODES.length]}&sort=oldest`)(i)),
    await measure("Discrepancies: carrier, older than 3 days", page("source=carrier&age=72")),
    await measure("Discrepancies: cleared", page("status=cleared")),
    await measure("Order detail (app.orders.$orderId)", (i) => orderDetail(db, SHOP, orderId(i), now)),
    await measure("Settings: sync health section", () => healthSettingsSection(db, SHOP)),
    await measure("GET /api/v1/health", () => healthReport(db, SHOP, now)),
  ];
}

async function main() {
  mkdirSync(CACHE, { recursive: true });
  const key = dataSetKey();
  const dialects: Dialect[] = values.only ? [values.only as Dialect] : ["sqlite", "postgresql"];
  console.log(`Dashboard benchmark: ${ORDERS.toLocaleString("en")} orders, ${(ORDERS * EVENTS_PER_ORDER).toLocaleString("en")} events, ${ITERATIONS} runs per loader`);
  for (const dialect of dialects) {
    const t0 = Date.now();
    const url = dialect === "sqlite" ? await sqliteDataSet(key) : await postgresDataSet(key);
    console.log(`\n${dialect === "sqlite" ? "SQLite" : "PostgreSQL"} (data set ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const db = createPrismaClient(url);
    try {
      const counts = await Promise.all([db.order.count({ where: { shop: SHOP } }), db.event.count({ where: { shop: SHOP } })]);
      console.log(`  ${counts[0].toLocaleString("en")} orders, ${counts[1].toLocaleString("en")} events`);
      for (const r of await benchLoaders(db)) {
        console.log(`  ${r.name.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(6)} ms   p95 ${r.p95.toFixed(1).padStart(6)} ms   max ${r.max.toFixed(1).padStart(6)} ms${r.p95 > 100 ? "   OVER 100 ms" : ""}`);
      }
    } finally {
      await db.$disconnect();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
