import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { FULFILLMENT_ORDER_TOPICS, normalizeShopifyWebhook, SUPPORTED_TOPICS } from "../../app/domain/shopify-webhooks";
import { API_SCOPES, type ApiScope } from "../../app/domain/api-scopes";
import { createApiKey } from "../../app/store/api-keys.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { examplesWhere, interchangeableTopics, shopifyExampleBody } from "../support/shopify-examples";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

// Hostile and broken input against the production server: whatever arrives, the answer is a
// clear 4xx (never a 5xx), nothing malformed is stored, and no shop sees another's data.
const SHOP = "fuzz-shop.myshopify.com";
const OTHER = "fuzz-other.myshopify.com";
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
let db: TestDatabase;
let app: AppProcess;
let key: string;
const serverErrors: string[] = [];

const TOPICS = ["orders/create", "orders/updated", "orders/cancelled", "orders/delete", "fulfillments/create", "fulfillments/update", "fulfillment_events/create", "fulfillment_events/delete", "refunds/create", "fulfillment_holds/added", "fulfillment_holds/released", "app/uninstalled", "app/scopes_update", "customers/data_request", "customers/redact", "shop/redact", "products/create", "", "../../etc/passwd"];
const HOSTILE_STRINGS = ["' OR 1=1 --", "\"; DROP TABLE \"Order\"; --", "<script>alert(1)</script>", "=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "@SUM(1)", "\u0000", "\ud800", "%00", "${7*7}", "{{7*7}}", "../".repeat(20), "a".repeat(5000)];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string(), fc.string({ unit: "binary", maxLength: 50 }));

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(`${app.url}${path}`, init);
  if (res.status >= 500) serverErrors.push(`${init.method ?? "GET"} ${path.slice(0, 120)} → ${res.status}`);
  await res.arrayBuffer();
  return res;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  key = (await createApiKey(db.prisma, SHOP, "fuzz", API_SCOPES)).secret;
  const body = JSON.stringify(fixture("two-box-order.create"));
  await fetch(`${app.url}/webhooks`, { method: "POST", body, headers: signedWebhookHeaders("orders/create", body, { shop: OTHER }) });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`hostile input against the production server on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("webhooks: garbage bodies, wrong types, unknown topics, missing or forged headers never get a 5xx or store garbage", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TOPICS),
        fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), hostileString, fc.constant(JSON.stringify({ ...fixture("single-parcel.create"), id: "x", line_items: 7 }))),
        fc.constantFrom("valid", "forged", "missing-hmac", "missing-topic", "missing-webhook-id", "replayed-other-shop"),
        async (topic, body, signing) => {
          const headers = signedWebhookHeaders(topic, body, { shop: SHOP });
          if (signing === "forged") headers.set("x-shopify-hmac-sha256", createHmac("sha256", "nope").update(body).digest("base64"));
          if (signing === "missing-hmac") headers.delete("x-shopify-hmac-sha256");
          if (signing === "missing-topic") headers.delete("x-shopify-topic");
          if (signing === "missing-webhook-id") headers.delete("x-shopify-webhook-id");
          // A valid signature says nothing about the shop header: a replay under another shop must not cross over.
          if (signing === "replayed-other-shop") headers.set("x-shopify-shop-domain", OTHER);
          const res = await request("/webhooks", { method: "POST", body, headers });
          expect(res.status).toBeLessThan(500);
          if (signing === "forged" || signing === "missing-hmac") expect(res.status).toBe(401);
        },
      ),
      { numRuns: RUNS },
    );
    for (const event of await db.prisma.event.findMany({ select: { raw: true, kind: true, dedupeKey: true, sourceEventId: true } })) {
      expect(() => JSON.parse(event.raw)).not.toThrow();
    }
  }, 180_000);

  it("webhooks: Shopify's own bodies under another topic or another shop are refused and change nothing", async () => {
    const orderTopics = [...SUPPORTED_TOPICS, ...FULFILLMENT_ORDER_TOPICS] as string[];
    const examples = examplesWhere((topic) => orderTopics.includes(topic)).map((e) => ({ ...e, body: shopifyExampleBody(e.version, e.topic, SHOP)! }));
    // Every example delivered first as Shopify sent it, to the shop it names: their orders are that shop's.
    for (const { topic, body } of examples) {
      expect((await request("/webhooks", { method: "POST", body, headers: signedWebhookHeaders(topic, body, { shop: "jsmith.myshopify.com" }) })).status).toBe(200);
    }
    const shopsBefore = await db.prisma.event.groupBy({ by: ["shop"], _count: true, orderBy: { shop: "asc" } });
    const pendingBefore = await db.prisma.pendingFeedItem.count({ where: { shop: OTHER } });
    // Hold bodies name only a fulfillment order: under another shop they wait for that shop's Admin API, which never knows it.
    const namesNoOrder = (topic: string) => (FULFILLMENT_ORDER_TOPICS as readonly string[]).includes(topic);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...examples), fc.constantFrom(...orderTopics, ...TOPICS), async ({ topic, body }, sentAs) => {
        fc.pre(sentAs === topic ? !namesNoOrder(topic) : !interchangeableTopics(topic, sentAs));
        const res = await request("/webhooks", { method: "POST", body, headers: signedWebhookHeaders(sentAs, body, { shop: OTHER }) });
        expect({ topic, sentAs, status: res.status }).toEqual({ topic, sentAs, status: 400 });
      }),
      { numRuns: RUNS },
    );
    expect(await db.prisma.pendingFeedItem.count({ where: { shop: OTHER } })).toBe(pendingBefore);
    expect(await db.prisma.shop.findUnique({ where: { domain: OTHER } })).toBeNull();
    expect(await db.prisma.event.groupBy({ by: ["shop"], _count: true, orderBy: { shop: "asc" } })).toEqual(shopsBefore);
  }, 180_000);

  it("webhooks: bodies over the limit get 413", async () => {
    const body = JSON.stringify({ id: 1, filler: "x".repeat(3 * 1024 * 1024) });
    const res = await request("/webhooks", { method: "POST", body, headers: signedWebhookHeaders("orders/create", body, { shop: SHOP }) });
    expect(res.status).toBe(413);
  });

  it("support API: hostile paths, parameters and keys get 4xx and never another shop's order", async () => {
    const otherOrderId = String(fixture("two-box-order.create").id);
    await fc.assert(
      fc.asyncProperty(
        hostileString,
        fc.constantFrom("valid", "none", "garbage", "other-format"),
        fc.constantFrom("byId", "byName", "byEmail", "byOtherShopId"),
        async (raw, auth, mode) => {
          // URLs carry well-formed text only; lone surrogates are replaced as a browser would.
          const value = raw.replace(/[\ud800-\udfff]/g, "\ufffd");
          const headers: Record<string, string> = {};
          if (auth === "valid") headers.Authorization = `Bearer ${key}`;
          if (auth === "garbage") headers.Authorization = `Bearer ${value.slice(0, 200).replace(/[^\x20-\x7e]/g, "")}`;
          if (auth === "other-format") headers.Authorization = `Basic ${Buffer.from("a:b").toString("base64")}`;
          const path =
            mode === "byId" ? `/api/v1/orders/${encodeURIComponent(value)}` : mode === "byName" ? `/api/v1/orders?name=${encodeURIComponent(value)}` : mode === "byEmail" ? "/api/v1/orders/lookup" : `/api/v1/orders/${otherOrderId}`;
          const res =
            mode === "byEmail"
              ? await request(path, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: value.length % 3 ? JSON.stringify({ email: value }) : value })
              : await request(path, { headers });
          expect(res.status).toBeLessThan(500);
          if (auth !== "valid") expect(res.status).toBe(401);
          // 429 is the per-shop limit doing its job under this burst; it must never be a 200.
          if (mode === "byOtherShopId" && auth === "valid") expect([404, 429]).toContain(res.status);
        },
      ),
      { numRuns: RUNS },
    );
  }, 180_000);

  it("app proxy: forged, stale, replayed-for-another-shop and garbage signatures are refused", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, fc.constantFrom("forged", "stale", "other-shop", "garbage", "none"), async (value, kind) => {
        const now = Math.trunc(Date.now() / 1000);
        const params: Record<string, string> = { shop: SHOP, path_prefix: "/apps/order-status", timestamp: String(kind === "stale" ? now - 3600 : now), order: value.slice(0, 100) };
        const message = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join("");
        const secret = kind === "forged" ? "not-the-secret" : TEST_SECRET;
        params.signature = kind === "garbage" ? value.slice(0, 64) : createHmac("sha256", secret).update(message).digest("hex");
        if (kind === "other-shop") params.shop = OTHER;
        if (kind === "none") delete params.signature;
        const res = await request(`/proxy/lookup?${new URLSearchParams(params)}`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 120_000);

  it("app proxy: extra or repeated keys, signed over as Shopify signs them or slipped in, never pass or change who is signed in", async () => {
    const identity = ["shop", "logged_in_customer_id", "path_prefix", "timestamp"];
    const key = fc.constantFrom(...identity, "order", "email", "utm", "Zone", "a-b");
    const value = hostileString.map((v) => v.replace(/[\ud800-\udfff]/g, "\ufffd").slice(0, 60));
    let client = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 4 }), fc.boolean(), fc.boolean(), async (extras, signedOver, first) => {
        const shopify: Array<[string, string]> = [
          ["shop", SHOP],
          ["logged_in_customer_id", ""],
          ["path_prefix", "/apps/order-status"],
          ["timestamp", String(Math.trunc(Date.now() / 1000))],
        ];
        const pairs = first ? [...extras, ...shopify] : [...shopify, ...extras];
        // Shopify's signing, written out: a repeated key's values joined with ",", pairs in byte order.
        const grouped = new Map<string, string[]>();
        for (const [k, v] of signedOver ? pairs : shopify) grouped.set(k, [...(grouped.get(k) ?? []), v]);
        const message = [...grouped]
          .map(([k, vs]) => `${k}=${vs.join(",")}`)
          .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
          .join("");
        const params = new URLSearchParams([...pairs, ["signature", createHmac("sha256", TEST_SECRET).update(message).digest("hex")]]);
        const res = await fetch(`${app.url}/proxy/lookup?${params}`, { headers: { "X-Forwarded-For": `198.51.${++client >> 8}.${client & 255}` } });
        const body = await res.text();
        if (res.status >= 500) serverErrors.push(`GET /proxy/lookup?${params.toString().slice(0, 120)} → ${res.status}`);
        // Any key besides Shopify's four, or a repeated one, could re-cut the signed text: refused.
        if (extras.length > 0) {
          expect(res.status).toBe(400);
        } else {
          expect(res.status).toBe(200);
          expect(JSON.parse(body)).toEqual({ signedIn: false, orders: [] });
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 120_000);

  it("3PL and carrier feeds: broken CSV and JSON, hostile cells and wrong keys get answers, never a 5xx, and stay in their shop", async () => {
    const cell = hostileString.map((v) => v.replace(/[\ud800-\udfff]/g, "\ufffd"));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 0, maxLength: 8 }), { maxLength: 6 }),
        fc.constantFrom("valid", "none", "garbage"),
        fc.constantFrom("3pl", "carrier"),
        fc.constantFrom("text/csv", "application/json", "application/octet-stream", ""),
        async (rows, auth, feed, contentType) => {
          const headers: Record<string, string> = {};
          if (auth === "valid") headers.Authorization = `Bearer ${key}`;
          if (auth === "garbage") headers.Authorization = "Bearer ot_garbage";
          if (contentType) headers["Content-Type"] = contentType;
          const body =
            feed === "3pl"
              ? ["order_name,tracking_number,carrier,shipped_at", ...rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(","))].join("\n")
              : rows.length % 2
                ? JSON.stringify({ events: rows.map((r) => ({ tracking_number: r[0], status: r[1], happened_at: r[2], carrier: r[3] })) })
                : rows.flat().join("");
          const res = await request(`/api/v1/feeds/${feed}`, { method: "POST", headers, body });
          expect(res.status).toBeLessThan(500);
          if (auth !== "valid") expect(res.status).toBe(401);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    // Whatever the feeds accepted was filed under the key's shop only.
    expect(await db.prisma.event.count({ where: { shop: OTHER, source: { in: ["3pl", "carrier"] } } })).toBe(0);
  }, 180_000);

  it("MCP: malformed JSON-RPC, unknown tools and hostile arguments get protocol errors, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileString,
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.record({ jsonrpc: fc.constantFrom("2.0", "1.0"), id: fc.integer(), method: fc.constantFrom("tools/call", "tools/list", "initialize", "nope"), params: fc.record({ name: fc.constantFrom("find_customer_orders", "get_order_status", "x"), arguments: fc.dictionary(fc.constantFrom("name", "email", "id", "orderId"), hostileString) }) }).map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom("valid", "none"),
        async (body, auth) => {
          const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
          if (auth === "valid") headers.Authorization = `Bearer ${key}`;
          const res = await request("/mcp", { method: "POST", headers, body: body.replace(/[\ud800-\udfff]/g, "\ufffd") });
          expect(res.status).toBeLessThan(500);
          if (auth === "none") expect(res.status).toBe(401);
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  }, 180_000);

  it("scoped keys: random scope sets against every bearer endpoint, only what the scopes allow gets through", async () => {
    // Its own shop, so its rate-limit bucket is not the one the tests above emptied.
    const shop = "fuzz-scopes.myshopify.com";
    // Ids of its own: an order id belongs to one shop, and OTHER has the fixture's.
    const orderId = "5801234567999";
    const order = JSON.stringify(fixture("two-box-order.create")).replace(/\b5801234567001\b/g, orderId);
    expect((await request("/webhooks", { method: "POST", body: order, headers: signedWebhookHeaders("orders/create", order, { shop }) })).status).toBe(200);
    const keys = new Map<string, string>();
    const keyFor = async (scopes: ApiScope[]) => {
      const name = scopes.join(",");
      if (!keys.has(name)) keys.set(name, (await createApiKey(db.prisma, shop, name, scopes)).secret);
      return keys.get(name)!;
    };
    const endpoints: Array<{ name: string; needs: ApiScope | "any"; send: (bearer: string) => Promise<Response> }> = [
      { name: "orders by id", needs: "orders:read", send: (b) => request(`/api/v1/orders/${orderId}`, { headers: { Authorization: `Bearer ${b}` } }) },
      { name: "orders by name", needs: "orders:read", send: (b) => request("/api/v1/orders?name=%231001", { headers: { Authorization: `Bearer ${b}` } }) },
      { name: "wismo order", needs: "orders:read", send: (b) => request("/api/v1/wismo/order?name=%231001", { headers: { Authorization: `Bearer ${b}` } }) },
      { name: "wismo orders", needs: "orders:read", send: (b) => request("/api/v1/wismo/orders", { method: "POST", body: '{"email":"a@b.example"}', headers: { Authorization: `Bearer ${b}`, "Content-Type": "application/json" } }) },
      {
        name: "mcp",
        needs: "orders:read",
        send: (b) =>
          request("/mcp", {
            method: "POST",
            headers: { Authorization: `Bearer ${b}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "find_customer_orders", arguments: { email: "a@b.example" } } }),
          }),
      },
      {
        name: "3pl",
        needs: "feeds:write",
        send: (b) =>
          request("/api/v1/feeds/3pl", { method: "POST", headers: { Authorization: `Bearer ${b}`, "Content-Type": "text/csv" }, body: "order,sku,quantity,carrier,tracking_number,shipped_at\n#77,S,1,UPS,1ZFUZZ,2026-03-05T10:00:00Z\n" }),
      },
      {
        name: "carrier",
        needs: "feeds:write",
        send: (b) =>
          request("/api/v1/feeds/carrier", { method: "POST", headers: { Authorization: `Bearer ${b}`, "Content-Type": "application/json" }, body: JSON.stringify([{ tracking_number: "1ZFUZZ", status: "Delivered", happened_at: "2026-03-06T10:00:00Z" }]) }),
      },
      { name: "health", needs: "any", send: (b) => request("/api/v1/health", { headers: { Authorization: `Bearer ${b}` } }) },
    ];
    const served = new Set<string>();
    const stored = () => Promise.all([db.prisma.event.count({ where: { shop } }), db.prisma.pendingFeedItem.count({ where: { shop } }), db.prisma.feedImport.count({ where: { shop } }), db.prisma.botAnswer.count({ where: { shop } })]);
    await fc.assert(
      fc.asyncProperty(fc.subarray([...API_SCOPES], { minLength: 1 }), fc.constantFrom(...endpoints), async (scopes, endpoint) => {
        const allowed = endpoint.needs === "any" || scopes.includes(endpoint.needs);
        const before = allowed ? null : await stored();
        const res = await endpoint.send(await keyFor(scopes));
        if (allowed) {
          // 429 is the shop's limit under this burst; the scope let it through.
          expect([200, 429], `${endpoint.name} with ${scopes}`).toContain(res.status);
          if (res.status === 200) served.add(endpoint.name);
        } else {
          expect(res.status, `${endpoint.name} with ${scopes}`).toBe(403);
          expect(await stored()).toEqual(before);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
    expect([...served].sort()).toEqual(endpoints.map((e) => e.name).sort());
  }, 180_000);

  it("answered every request above without a server error", () => {
    expect(serverErrors).toEqual([]);
  });
});

describe("normaliser contract used by the fuzz check", () => {
  it("stored raw payloads normalise again", async () => {
    const rows = await db.prisma.event.findMany({ where: { shop: OTHER }, select: { raw: true, kind: true } });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(() => normalizeShopifyWebhook("orders/create", JSON.parse(row.raw), { webhookId: "again" })).not.toThrow();
  });
});
