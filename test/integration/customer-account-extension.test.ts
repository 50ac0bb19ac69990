// The customer account extensions' endpoint through the production server, with session tokens
// signed here exactly as Shopify signs them (HS256 over the app secret), never by the app's code.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { Agent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey } from "../../app/store/api-keys.server";
import { CLIENT_LIMIT } from "../../app/storefront/storefront-proxy.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp, TEST_API_KEY } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const CUSTOMER = String((fixture("two-box-order.create").customer as { id: number }).id);
const OTHER_CUSTOMER = "7410852963999";
const TWO_BOXES = String(fixture("two-box-order.create").id);
const DELAYED = String(fixture("single-parcel.create").id);
const THEIRS = String(fixture("pickup.create").id);
const DELETED = String(fixture("digital-only.create").id);
const WAREHOUSE_SHIPPED = String(fixture("digital-physical.create").id);
// A 3PL shipment's rollup id is `3pl:<tracking number>`, or `3pl:ref:<warehouse reference>` without one.
const THREE_PL_TRACKING = "1ZPREAUTH0001";
// Where Shopify serves UI extensions from: a cross-origin fetch as far as the app is concerned.
const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const schema = JSON.parse(readFileSync(new URL("../../contracts/order-status.schema.json", import.meta.url), "utf8"));
const validateContract = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

let db: TestDatabase;
let app: AppProcess;

const base64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** A session token as Shopify issues one to a customer account extension. */
function sessionToken(claims: Record<string, unknown> = {}, secret = TEST_SECRET, header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }): string {
  const now = Math.trunc(Date.now() / 1000);
  const payload = {
    iss: `https://${SHOP}/admin`,
    dest: SHOP,
    aud: TEST_API_KEY,
    sub: `gid://shopify/Customer/${CUSTOMER}`,
    exp: now + 300,
    nbf: now - 5,
    iat: now - 5,
    jti: `${now}-${Math.random()}`,
    sid: "a1b2c3",
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[key];
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  return `${signingInput}.${createHmac("sha256", secret).update(signingInput).digest("base64url")}`;
}

// Each test's browser connects from its own loopback address: the endpoint's rate limit keys on it.
let browser = new Agent();
let browsers = 1;
beforeEach(async () => {
  await browser.close();
  browser = new Agent({ localAddress: `127.0.0.${++browsers}` });
});

// Node's fetch is undici's and takes its `dispatcher`, which the DOM's RequestInit type does not name.
const request = (path: string, token: string | null, init: RequestInit = {}, via = browser) =>
  fetch(`${app.url}${path}`, {
    ...init,
    dispatcher: via,
    headers: { Origin: EXTENSION_ORIGIN, "User-Agent": BROWSER, ...(token ? { Authorization: `Bearer ${token}` } : {}), ...init.headers },
  } as RequestInit);

const order = (orderId: string, token: string | null) => request(`/customer-account/orders/${orderId}`, token);

async function webhook(topic: string, payload: unknown, shop = SHOP) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop }), body });
  expect(res.status, `${topic} webhook`).toBe(200);
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  // #1001: two boxes, both shipped, with carriers, tracking and items.
  await webhook("orders/create", fixture("two-box-order.create"));
  await webhook("fulfillments/create", fixture("two-box-order.fulfillment-a.create"));
  await webhook("fulfillments/create", fixture("two-box-order.fulfillment-b.create"));
  // #1006: one parcel the carrier reports delayed, same customer.
  await webhook("orders/create", fixture("single-parcel.create"));
  await webhook("fulfillments/create", fixture("single-parcel.fulfillment.create"));
  await webhook("fulfillment_events/create", fixture("single-parcel.event-in-transit"));
  await webhook("fulfillment_events/create", fixture("single-parcel.event-delayed"));
  // #1004: another customer's order.
  const pickup = fixture("pickup.create");
  await webhook("orders/create", { ...pickup, customer: { ...(pickup.customer as object), id: Number(OTHER_CUSTOMER) } });
  // #1003: the same customer's, then deleted in Shopify.
  await webhook("orders/create", fixture("digital-only.create"));
  await webhook("orders/delete", { id: fixture("digital-only.create").id });
  // #1002: a third customer's, two posters shipped by the 3PL, one tracked and one not.
  const warehouseShipped = fixture("digital-physical.create") as { customer: object; line_items: { sku: string; quantity: number }[] };
  await webhook("orders/create", {
    ...warehouseShipped,
    customer: { ...warehouseShipped.customer, id: 7410852963777 },
    line_items: warehouseShipped.line_items.map((line) => (line.sku === "PST-1824" ? { ...line, quantity: 2 } : line)),
  });
  const feedKey = (await createApiKey(db.prisma, SHOP, "warehouse", ["feeds:write"])).secret;
  const csv = `order,sku,quantity,carrier,tracking_number,shipped_at\n#1002,PST-1824,1,UPS,${THREE_PL_TRACKING},2026-03-05T10:00:00Z\n#1002,PST-1824,1,DHL,,2026-03-06T10:00:00Z\n`;
  const feed = await fetch(`${app.url}/api/v1/feeds/3pl`, { method: "POST", headers: { "Content-Type": "text/csv", Authorization: `Bearer ${feedKey}` }, body: csv });
  expect(feed.status, await feed.text()).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser.close();
  await app?.stop();
  await db?.drop();
});

describe(`customer account extension endpoint on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("answers a preflight from the extension's origin with the CORS headers Shopify's docs require", async () => {
    const res = await request(`/customer-account/orders/${TWO_BOXES}`, null, {
      method: "OPTIONS",
      headers: { "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/\bAuthorization\b/);
  });

  it("gives the signed-in customer their order as the contract's storefront view, tracking included", async () => {
    const res = await order(TWO_BOXES, sessionToken());
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json();
    expect(body.signedIn).toBe(true);
    expect(validateContract(body.order), JSON.stringify(validateContract.errors)).toBe(true);
    expect(body.order).toMatchObject({ orderId: TWO_BOXES, name: "#1001" });
    expect(body.order).not.toHaveProperty("sources");
    expect(body.order.shipments).toHaveLength(2);
    for (const shipment of body.order.shipments) {
      expect(shipment.trackingNumbers.length).toBeGreaterThan(0);
      expect(shipment.items.length).toBeGreaterThan(0);
    }
  });

  it("flags a late parcel for its customer", async () => {
    const body = await (await order(DELAYED, sessionToken())).json();
    expect(body.order.attention).toContain("delayed");
    expect(body.order.shipments[0].estimatedDeliveryAt).not.toBeNull();
  });

  it("answers a visitor who has not logged in (no sub) no order at all, whichever id they send", async () => {
    // Signed in, #1002's 3PL shipments carry the tracking number and the warehouse's reference in their ids.
    const full = (await (await order(WAREHOUSE_SHIPPED, sessionToken({ sub: "gid://shopify/Customer/7410852963777" }))).json()).order;
    const ids: string[] = full.shipments.map((s: { id: string }) => s.id);
    expect(ids).toContain(`3pl:${THREE_PL_TRACKING}`);
    const reference = ids.find((id) => id.startsWith("3pl:ref:"))!.slice("3pl:ref:".length);
    expect(reference).toMatch(/^#1002@2026-03-06/);

    const answers = [];
    for (const id of [WAREHOUSE_SHIPPED, TWO_BOXES, DELETED, "5800000000000"]) {
      const res = await order(id, sessionToken({ sub: undefined }));
      answers.push({ status: res.status, body: await res.text(), cors: res.headers.get("access-control-allow-origin") });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 200, body: '{"signedIn":false,"order":null}', cors: "*" });
    for (const secret of [THREE_PL_TRACKING, reference, "#1002", "#1001"]) expect(answers[0]!.body).not.toContain(secret);
  });

  it("answers another customer's order, a deleted one, a missing one and another shop's alike: 404, nothing else", async () => {
    const misses = [
      await order(THEIRS, sessionToken()),
      await order(DELETED, sessionToken()),
      await order("5800000000000", sessionToken()),
      await order(TWO_BOXES, sessionToken({ dest: OTHER_SHOP, iss: `https://${OTHER_SHOP}/admin` })),
      await order("not-an-id", sessionToken()),
    ];
    const answers = await Promise.all(misses.map(async (res) => ({ status: res.status, body: await res.text(), cors: res.headers.get("access-control-allow-origin") })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 404, body: '{"error":"not_found"}', cors: "*" });
    // The other customer sees their own order.
    expect((await order(THEIRS, sessionToken({ sub: `gid://shopify/Customer/${OTHER_CUSTOMER}` }))).status).toBe(200);
  });

  it.each([
    ["expired", () => sessionToken({ exp: Math.trunc(Date.now() / 1000) - 60 })],
    ["not yet valid", () => sessionToken({ nbf: Math.trunc(Date.now() / 1000) + 600 })],
    ["signed with another secret", () => sessionToken({}, "not-the-app-secret")],
    ["for another app (aud)", () => sessionToken({ aud: "another-apps-client-id" })],
    ["without an audience", () => sessionToken({ aud: undefined })],
    ["unsigned (alg none)", () => sessionToken({}, TEST_SECRET, { alg: "none", typ: "JWT" }).replace(/\.[^.]+$/, ".")],
    ["issued by another shop than its dest", () => sessionToken({ iss: `https://${OTHER_SHOP}/admin` })],
    ["with a dest that is no shop", () => sessionToken({ dest: "https://example.com", iss: undefined })],
    ["with a sub that is no customer", () => sessionToken({ sub: "gid://shopify/StaffMember/1" })],
    ["with an empty sub", () => sessionToken({ sub: "" })],
    ["without an expiry", () => sessionToken({ exp: undefined })],
    ["missing", () => null],
  ])("refuses a token %s with 401 and no order data", async (_case, token) => {
    const res = await order(TWO_BOXES, token());
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(text).not.toContain("#1001");
    expect(text).not.toContain("shipments");
  });

  it("lists the signed-in customer's own orders for the Order index, none to a visitor without sub", async () => {
    const mine = await (await request("/customer-account/orders", sessionToken())).json();
    expect(mine.signedIn).toBe(true);
    expect(mine.orders.map((o: { name: string }) => o.name).sort()).toEqual(["#1001", "#1006"]);
    for (const o of mine.orders) expect(validateContract(o), JSON.stringify(validateContract.errors)).toBe(true);

    const visitor = await request("/customer-account/orders", sessionToken({ sub: undefined }));
    expect(visitor.status).toBe(200);
    expect(await visitor.json()).toEqual({ signedIn: false, orders: [] });
    const elsewhere = await (await request("/customer-account/orders", sessionToken({ dest: OTHER_SHOP, iss: undefined }))).json();
    expect(elsewhere).toEqual({ signedIn: true, orders: [] });
    expect((await request("/customer-account/orders", sessionToken({ exp: 1 }))).status).toBe(401);
  });

  it("limits each browser's address per shop: 429 with Retry-After once its allowance is spent, whatever X-Forwarded-For says", async () => {
    let answered = 0;
    let refused: Awaited<ReturnType<typeof order>> | undefined;
    // A token a second comes back every 6 s: a slow machine may be granted a few more than the burst.
    while (!refused && answered < CLIENT_LIMIT.capacity + 5) {
      const res = await order(TWO_BOXES, sessionToken());
      if (res.status === 429) refused = res;
      else {
        expect(res.status).toBe(200);
        answered++;
      }
    }
    expect(answered).toBeGreaterThanOrEqual(CLIENT_LIMIT.capacity);
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused!.headers.get("access-control-allow-origin")).toBe("*");
    expect(await refused!.json()).toEqual({ error: "rate_limited" });

    const spoofed = await request(`/customer-account/orders/${TWO_BOXES}`, sessionToken(), { headers: { "X-Forwarded-For": "203.0.113.77" } });
    expect(spoofed.status).toBe(429);
    const elsewhere = new Agent({ localAddress: "127.0.1.1" });
    expect((await request(`/customer-account/orders/${TWO_BOXES}`, sessionToken(), {}, elsewhere)).status).toBe(200);
    await elsewhere.close();
  });

  it("reads orders only: other methods get 405", async () => {
    const res = await request(`/customer-account/orders/${TWO_BOXES}`, sessionToken(), { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
  });
});
