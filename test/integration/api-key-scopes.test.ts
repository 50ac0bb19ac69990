/**
 * API key scopes, revocation on app/uninstalled, lastUsedAt and the per-shop limit on WISMO and MCP,
 * against the production server (npm start) on the database TEST_DATABASE names.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey, LAST_USED_PRECISION_MS } from "../../app/store/api-keys.server";
import { pruneOccasionally, REPORT_ANSWER_LIMIT, TRIM_EVERY_ANSWERS } from "../../app/support/bot-answers.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { migrationsDir } from "../../scripts/db.mjs";
import { startProductionApp } from "../support/app-server";
import { createPostgresDatabase, createTestDatabase, type TestDatabase } from "../support/database";
import { shopifyExample } from "../support/shopify-examples";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const BURST = 5;
const TWO_BOX = String(fixture("two-box-order.create").id);
const FULFILLMENT = String(fixture("two-box-order.fulfillment-a.create").id);
const HEADER = "order,sku,quantity,carrier,tracking_number,shipped_at";
const MCP_HEADERS = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
const MCP_CALL = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_order_status", arguments: { order_name: "#1001" } } });

let db: TestDatabase;
let app: AppProcess;

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

let seeded = 0;

/** The two-box order under ids of its own: Shopify's ids are global, so one order belongs to one shop. */
async function seedOrder(shop: string): Promise<string> {
  seeded += 1;
  const orderId = `${TWO_BOX.slice(0, -3)}${900 + seeded}`;
  for (const [topic, name] of [["orders/create", "two-box-order.create"], ["fulfillments/create", "two-box-order.fulfillment-a.create"]] as const) {
    const body = JSON.stringify(fixture(name))
      .replace(new RegExp(`\\b${TWO_BOX}\\b`, "g"), orderId)
      .replace(new RegExp(`\\b${FULFILLMENT}\\b`, "g"), `${FULFILLMENT}${seeded}`);
    const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop }), body });
    expect(res.status).toBe(200);
  }
  return orderId;
}

/** Each reading endpoint, as a support bot or AI agent calls it, about one order. */
const reads = (orderId: string): Record<string, (key: string) => Promise<Response>> => ({
  "support API by id": (key) => fetch(`${app.url}/api/v1/orders/${orderId}`, { headers: auth(key) }),
  "support API by name": (key) => fetch(`${app.url}/api/v1/orders?name=%231001`, { headers: auth(key) }),
  "WISMO order": (key) => fetch(`${app.url}/api/v1/wismo/order?name=%231001`, { headers: auth(key) }),
  "WISMO orders": (key) =>
    fetch(`${app.url}/api/v1/wismo/orders`, { method: "POST", body: JSON.stringify({ email: "nobody@example.com" }), headers: { ...auth(key), "Content-Type": "application/json" } }),
  MCP: (key) => fetch(`${app.url}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...auth(key) }, body: MCP_CALL }),
});
const READS = reads(TWO_BOX);

/** Each writing endpoint, with what a warehouse or tracking service would send: the order's parcel delivered. */
const WRITES: Record<string, (key: string) => Promise<Response>> = {
  "carrier event": (key) =>
    fetch(`${app.url}/api/v1/feeds/carrier`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...auth(key) },
      body: JSON.stringify([{ tracking_number: "7023210039414604", status: "Delivered", happened_at: "2026-03-06T12:00:00Z" }]),
    }),
  "3PL file": (key) =>
    fetch(`${app.url}/api/v1/feeds/3pl`, { method: "POST", headers: { "Content-Type": "text/csv", ...auth(key) }, body: `${HEADER}\n#1001,MHS-M,2,UPS,1ZSCOPE0001,2026-03-05T10:00:00Z\n` }),
};

async function feedRowsStored(shop: string): Promise<number> {
  const [events, imports, pending] = await Promise.all([
    db.prisma.event.count({ where: { shop, source: { in: ["3pl", "carrier"] } } }),
    db.prisma.feedImport.count({ where: { shop } }),
    db.prisma.pendingFeedItem.count({ where: { shop } }),
  ]);
  return events + imports + pending;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET, { API_RATE_LIMIT_BURST: String(BURST), API_RATE_LIMIT_PER_SECOND: "0.2" });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`API key scopes on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("a feeds:write key reads no order: 403 naming orders:read on the support API, WISMO and MCP, and no answer is recorded", async () => {
    const shop = "scope-reads.myshopify.com";
    const shopReads = reads(await seedOrder(shop));
    const feeds = (await createApiKey(db.prisma, shop, "warehouse", ["feeds:write"])).secret;
    for (const [name, read] of Object.entries(shopReads)) {
      const res = await read(feeds);
      expect(res.status, name).toBe(403);
      const body = (await res.json()) as Record<string, unknown>;
      if (name === "MCP") expect(body).toMatchObject({ jsonrpc: "2.0", error: { data: { missingScope: "orders:read" } } });
      else expect(body).toMatchObject({ missingScope: "orders:read" });
      expect(JSON.stringify(body)).toContain("orders:read scope");
    }
    expect(await db.prisma.botAnswer.count({ where: { shop } })).toBe(0);
    // The same order, read with the scope (one request per endpoint, within the burst).
    const orders = (await createApiKey(db.prisma, shop, "helpdesk", ["orders:read"])).secret;
    for (const [name, read] of Object.entries(shopReads)) expect((await read(orders)).status, name).toBe(200);
  });

  it("an orders:read key posts no carrier event and no 3PL file: 403 naming feeds:write, nothing stored", async () => {
    const shop = "scope-writes.myshopify.com";
    const orderId = await seedOrder(shop);
    const orders = (await createApiKey(db.prisma, shop, "chat vendor", ["orders:read"])).secret;
    for (const [name, write] of Object.entries(WRITES)) {
      const res = await write(orders);
      expect(res.status, name).toBe(403);
      expect(await res.json(), name).toMatchObject({ missingScope: "feeds:write" });
    }
    expect(await feedRowsStored(shop)).toBe(0);
    const order = (await (await reads(orderId)["support API by id"]!(orders)).json()) as { status: string };
    expect(order.status).not.toBe("delivered");
    // The same bodies with a feeds:write key are taken: what was refused would have been stored.
    const feeds = (await createApiKey(db.prisma, shop, "warehouse", ["feeds:write"])).secret;
    for (const [name, write] of Object.entries(WRITES)) expect((await write(feeds)).status, name).toBe(200);
    expect(await feedRowsStored(shop)).toBeGreaterThan(0);
  });

  it("app/uninstalled revokes every key of the shop: 401 afterwards, other shops' keys untouched", async () => {
    const shop = "scope-uninstall.myshopify.com";
    const other = "scope-stays.myshopify.com";
    const both = await createApiKey(db.prisma, shop, "everything", ["orders:read", "feeds:write"]);
    const otherKey = (await createApiKey(db.prisma, other, "other", ["orders:read"])).secret;
    expect((await READS["support API by name"]!(both.secret)).status).toBe(200);

    const body = JSON.stringify(shopifyExample("2026-07", "app/uninstalled", shop));
    const uninstalled = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders("app/uninstalled", body, { shop }), body });
    expect(uninstalled.status).toBe(200);

    expect((await READS["support API by name"]!(both.secret)).status).toBe(401);
    expect((await READS.MCP!(both.secret)).status).toBe(401);
    expect((await WRITES["carrier event"]!(both.secret)).status).toBe(401);
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: both.id } })).revokedAt).toBeInstanceOf(Date);
    expect((await READS["support API by name"]!(otherKey)).status).toBe(200);
  });

  it("writes lastUsedAt on use, at most once per minute per key", async () => {
    const shop = "scope-last-used.myshopify.com";
    const key = await createApiKey(db.prisma, shop, "bot", ["orders:read"]);
    const lastUsed = async () => (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();

    const before = Date.now();
    expect((await READS["WISMO orders"]!(key.secret)).status).toBe(200);
    const first = await lastUsed();
    expect(first!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(first!.getTime()).toBeLessThanOrEqual(Date.now());

    expect((await READS["support API by name"]!(key.secret)).status).toBe(200);
    expect(await lastUsed()).toEqual(first);

    const longAgo = new Date(Date.now() - LAST_USED_PRECISION_MS - 1000);
    await db.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: longAgo } });
    expect((await READS.MCP!(key.secret)).status).toBe(200);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(longAgo.getTime() + LAST_USED_PRECISION_MS);
  });

  it.each([
    ["WISMO", (key: string) => fetch(`${app.url}/api/v1/wismo/order?name=%231001`, { headers: auth(key) })],
    ["MCP", (key: string) => fetch(`${app.url}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...auth(key) }, body: MCP_CALL })],
  ] as const)("%s answers 429 with Retry-After past the shop's limit, records no answer then, and other shops still get answers", async (name, ask) => {
    const shop = `scope-flood-${name.toLowerCase()}.myshopify.com`;
    const other = `scope-calm-${name.toLowerCase()}.myshopify.com`;
    await seedOrder(shop);
    await seedOrder(other);
    const key = (await createApiKey(db.prisma, shop, "looping bot", ["orders:read"])).secret;
    const otherKey = (await createApiKey(db.prisma, other, "calm bot", ["orders:read"])).secret;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < BURST + 10; i++) {
      const res = await ask(key);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(200));
    expect(statuses.slice(BURST + 1)).toEqual(Array(9).fill(429));
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // One answer per request let through: the answer log grows with the limit, not with the flood.
    expect(await db.prisma.botAnswer.count({ where: { shop } })).toBeLessThanOrEqual(BURST + 1);
    expect((await ask(otherKey)).status).toBe(200);
  });

  it(`keeps at most the newest ${REPORT_ANSWER_LIMIT} answers per shop, whatever the rate of questions`, async () => {
    const shop = "scope-answer-cap.myshopify.com";
    const other = "scope-answer-cap-other.myshopify.com";
    const start = Date.now() - 3_600_000;
    const row = (s: string, i: number) => ({
      shop: s,
      orderId: String(1000 + (i % 50)),
      orderName: `#${1000 + (i % 50)}`,
      integration: "flood",
      channel: "api",
      stage: "in_transit",
      action: "inform",
      reason: "in_transit",
      message: "m",
      orderStatus: "in_transit",
      answeredAt: new Date(start + i * 100),
    });
    const total = REPORT_ANSWER_LIMIT + 1500;
    for (let i = 0; i < total; i += 2000) {
      await db.prisma.botAnswer.createMany({ data: Array.from({ length: Math.min(2000, total - i) }, (_, j) => row(shop, i + j)) });
    }
    await db.prisma.botAnswer.createMany({ data: Array.from({ length: 10 }, (_, j) => row(other, j)) });

    await pruneOccasionally(db.prisma, shop, new Date(), TRIM_EVERY_ANSWERS);
    expect(await db.prisma.botAnswer.count({ where: { shop } })).toBe(REPORT_ANSWER_LIMIT);
    const oldest = await db.prisma.botAnswer.findFirstOrThrow({ where: { shop }, orderBy: { answeredAt: "asc" } });
    expect(oldest.answeredAt.getTime()).toBe(start + (total - REPORT_ANSWER_LIMIT) * 100);
    expect(await db.prisma.botAnswer.count({ where: { shop: other } })).toBe(10);
  }, 60_000);
});

describe(`keys made before scopes, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("keep orders:read only after the migration", async () => {
    const provider = db.provider;
    const dir = migrationsDir(provider);
    const migrations = fs.readdirSync(dir).filter((m) => fs.existsSync(path.join(dir, m, "migration.sql"))).sort();
    const scopes = migrations.findIndex((m) => m.endsWith("_api_key_scopes"));
    expect(scopes).toBeGreaterThan(0);
    const sql = (m: string) => fs.readFileSync(path.join(dir, m, "migration.sql"), "utf8");
    const insert = `INSERT INTO "ApiKey" ("id", "shop", "secretHash", "label") VALUES ('old', 'old.myshopify.com', 'hash', 'made before scopes')`;
    const read = `SELECT "scopes" FROM "ApiKey" WHERE "id" = 'old'`;

    if (provider === "sqlite") {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), "ot-scopes-"));
      const sqlite = new Database(path.join(folder, "old.sqlite"));
      try {
        for (const m of migrations.slice(0, scopes)) sqlite.exec(sql(m));
        sqlite.exec(insert);
        for (const m of migrations.slice(scopes)) sqlite.exec(sql(m));
        expect(sqlite.prepare(read).get()).toEqual({ scopes: "orders:read" });
      } finally {
        sqlite.close();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    } else {
      const database = await createPostgresDatabase("ot_scopes");
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        for (const m of migrations.slice(0, scopes)) await client.query(sql(m));
        await client.query(insert);
        for (const m of migrations.slice(scopes)) await client.query(sql(m));
        expect((await client.query(read)).rows).toEqual([{ scopes: "orders:read" }]);
      } finally {
        await client.end();
        await database.drop();
      }
    }
  });
});
