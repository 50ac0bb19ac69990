// The storefront lookup through the production server, as Shopify's app proxy calls it: signed
// with Shopify's test helper (guests) or signed here the way Shopify signs logged-in requests.
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { Session } from "@shopify/shopify-api";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { EncryptedSessionStorage } from "../../app/sessions.server";
import { CLIENT_LIMIT } from "../../app/storefront/storefront-proxy.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const CUSTOMER = String((fixture("two-box-order.create").customer as { id: number }).id);
const OTHER_CUSTOMER = "7410852963999";
const EMAIL = "camille.tremblay@example.com";
const schema = JSON.parse(readFileSync(new URL("../../contracts/order-status.schema.json", import.meta.url), "utf8"));
const validateContract = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

let db: TestDatabase;
let app: AppProcess;
let clients = 0;
/**
 * A fresh shopper address per request unless a test is about one shopper's limit: Shopify's entry,
 * then the app's own load balancer's.
 */
const nextClient = () => `198.51.100.${++clients % 250}, 10.0.0.${clients % 7}`;

async function webhook(topic: string, payload: unknown, shop = SHOP) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop }), body });
  expect(res.status, `${topic} webhook`).toBe(200);
}

/** Shopify's app proxy signature, computed independently of the app's code. */
function shopifySigned(query: Record<string, string>, secret = TEST_SECRET): URLSearchParams {
  const message = Object.keys(query)
    .sort()
    .map((key) => `${key}=${query[key]}`)
    .join("");
  return new URLSearchParams({ ...query, signature: createHmac("sha256", secret).update(message).digest("hex") });
}

function proxyQuery(query: Record<string, string>, options: { shop?: string; customer?: string } = {}) {
  return shopifySigned({
    ...query,
    shop: options.shop ?? SHOP,
    logged_in_customer_id: options.customer ?? "",
    path_prefix: "/apps/order-status",
    timestamp: String(Math.trunc(Date.now() / 1000)),
  });
}

/** A GET through the proxy: the signed-in customer's recent orders. */
const proxy = (params: URLSearchParams, client = nextClient(), path = "lookup") =>
  fetch(`${app.url}/proxy/${path}?${params}`, { headers: { "X-Forwarded-For": client } });

/** A shopper's lookup as the block sends it: the claims in a JSON body, the signed query from Shopify. */
const post = (params: URLSearchParams, claims: unknown, client = nextClient(), base = app.url) =>
  fetch(`${base}/proxy/lookup?${params}`, {
    method: "POST",
    headers: { "X-Forwarded-For": client, "Content-Type": "application/json" },
    body: JSON.stringify(claims),
  });

/** A guest's lookup, its query signed by Shopify's own test helper. */
async function guestLookup(claims: Record<string, string>, shop = "test-shop", client = nextClient()) {
  const signed = await setUpValidRequest(
    { type: RequestType.Public, store: shop, apiSecretKey: TEST_SECRET },
    new Request(`${app.url}/proxy/lookup?${new URLSearchParams({ logged_in_customer_id: "", path_prefix: "/apps/order-status" })}`),
  );
  return post(new URL(signed.url).searchParams, claims, client);
}

beforeAll(async () => {
  db = await createTestDatabase();
  // As if behind one load balancer of the app's own, which appends Shopify's address.
  app = await startProductionApp(db.url, TEST_SECRET, { TRUSTED_PROXY_HOPS: "1" });
  // #1001: two boxes, both shipped.
  await webhook("orders/create", fixture("two-box-order.create"));
  await webhook("fulfillments/create", fixture("two-box-order.fulfillment-a.create"));
  await webhook("fulfillments/create", fixture("two-box-order.fulfillment-b.create"));
  // #1006: one parcel, past its estimated delivery, that the carrier reports delayed.
  await webhook("orders/create", fixture("single-parcel.create"));
  await webhook("fulfillments/create", fixture("single-parcel.fulfillment.create"));
  await webhook("fulfillment_events/create", fixture("single-parcel.event-in-transit"));
  await webhook("fulfillment_events/create", fixture("single-parcel.event-delayed"));
  // #1005: on hold, same customer.
  await webhook("orders/create", fixture("hold.create"));
  // #1004: another customer's order.
  const pickup = fixture("pickup.create");
  await webhook("orders/create", {
    ...pickup,
    email: "someone.else@example.com",
    contact_email: "someone.else@example.com",
    phone: null,
    customer: { ...(pickup.customer as object), id: Number(OTHER_CUSTOMER), email: "someone.else@example.com", phone: null },
  });
  // #1003: placed, then deleted in Shopify.
  await webhook("orders/create", fixture("digital-only.create"));
  await webhook("orders/delete", { id: fixture("digital-only.create").id });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`storefront lookup through the app proxy on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("finds an order by number and checkout email, as the contract's storefront view", async () => {
    const res = await guestLookup({ order: "#1001", email: ` ${EMAIL.toUpperCase()} ` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    const body = await res.json();
    expect(validateContract(body), JSON.stringify(validateContract.errors)).toBe(true);
    expect(body).toMatchObject({ name: "#1001", orderId: String(fixture("two-box-order.create").id) });
    expect(body).not.toHaveProperty("sources");
    expect(body).not.toHaveProperty("discrepancies");
    expect(body.statusPageUrl).toMatch(/^https:\/\//);
  });

  it("shows every shipment of a multi-shipment order with its carrier and tracking", async () => {
    const body = await (await guestLookup({ order: "1001", email: EMAIL })).json();
    expect(body.shipments).toHaveLength(2);
    for (const shipment of body.shipments) {
      expect(shipment.trackingNumbers.length).toBeGreaterThan(0);
      expect(shipment.trackingUrls[0]).toMatch(/^https:\/\//);
      expect(shipment.items.length).toBeGreaterThan(0);
    }
  });

  it("finds an order by the checkout phone, whatever its formatting, and flags a delay", async () => {
    const res = await guestLookup({ order: "#1006", phone: "1 514 555 0142" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.name).toBe("#1006");
    expect(body.attention).toContain("delayed");
    expect(body.shipments[0].estimatedDeliveryAt).not.toBeNull();
    expect(body.shipments[0].lastEvent).toMatchObject({ status: "in_transit", message: "Delayed by weather" });
  });

  it("carries no address, phone, email or payment data", async () => {
    const queries: Array<Record<string, string>> = [{ order: "#1001", email: EMAIL }, { order: "#1006", phone: "+15145550142" }];
    for (const query of queries) {
      const text = (await (await guestLookup(query)).text()).toLowerCase();
      for (const secret of ["camille", "tremblay", "@example.com", "555-0142", "5145550142", "saint-paul", "h2y", "gateway", "credit_card", "billing", "shipping_address"]) {
        expect(text, secret).not.toContain(secret);
      }
    }
  });

  it("answers a wrong email, a missing order, a deleted order and another shop's order with the same 404", async () => {
    const misses = [
      await guestLookup({ order: "#1001", email: "not.camille@example.com" }),
      await guestLookup({ order: "#1001", phone: "+1 514 555 9999" }),
      await guestLookup({ order: "#9999", email: EMAIL }),
      await guestLookup({ order: "#1003", email: EMAIL }),
      await guestLookup({ order: "#1001", email: EMAIL }, "other-shop"),
    ];
    const answers = await Promise.all(misses.map(async (res) => ({ status: res.status, type: res.headers.get("content-type"), body: await res.text() })));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 404, type: "application/json; charset=utf-8", body: '{"error":"not_found"}' });
  });

  it("takes as long for a wrong email as for a missing order", async () => {
    const time = async (claims: Record<string, string>) => {
      const params = proxyQuery({});
      const t0 = performance.now();
      const res = await post(params, claims);
      await res.text();
      expect(res.status).toBe(404);
      return performance.now() - t0;
    };
    const wrongEmail: number[] = [];
    const missing: number[] = [];
    for (let i = 0; i < 5; i++) await time({ order: "#1001", email: "warm@example.com" });
    for (let i = 0; i < 60; i++) {
      wrongEmail.push(await time({ order: "#1001", email: `guess${i}@example.com` }));
      missing.push(await time({ order: `#${20_000 + i}`, email: EMAIL }));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [a, b] = [median(wrongEmail), median(missing)];
    // Both are one indexed query that finds no row; what remains is loopback noise.
    expect(Math.abs(a - b), `wrong email ${a.toFixed(2)} ms, missing ${b.toFixed(2)} ms`).toBeLessThan(Math.max(3, 0.5 * Math.max(a, b)));
  });

  it("gives a signed-in customer their recent orders without typing, never anyone else's or deleted ones", async () => {
    const mine = await (await proxy(proxyQuery({}, { customer: CUSTOMER }))).json();
    expect(mine.signedIn).toBe(true);
    expect(mine.orders.map((o: { name: string }) => o.name).sort()).toEqual(["#1001", "#1005", "#1006"]);
    for (const order of mine.orders) expect(validateContract(order), JSON.stringify(validateContract.errors)).toBe(true);

    const theirs = await (await proxy(proxyQuery({}, { customer: OTHER_CUSTOMER }))).json();
    expect(theirs.orders.map((o: { name: string }) => o.name)).toEqual(["#1004"]);

    const elsewhere = await (await proxy(proxyQuery({}, { customer: CUSTOMER, shop: OTHER_SHOP }))).json();
    expect(elsewhere.orders).toEqual([]);

    const guest = await (await proxy(proxyQuery({}))).json();
    expect(guest).toEqual({ signedIn: false, orders: [] });
  });

  it("refuses a customer id that Shopify did not sign", async () => {
    const signedAsGuest = proxyQuery({});
    signedAsGuest.set("logged_in_customer_id", CUSTOMER);
    const res = await proxy(signedAsGuest);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("#1001");

    const otherSecret = shopifySigned({ shop: SHOP, logged_in_customer_id: CUSTOMER, path_prefix: "/apps/order-status", timestamp: String(Math.trunc(Date.now() / 1000)) }, "not-the-secret");
    expect((await proxy(otherSecret)).status).toBe(400);

    const stale = shopifySigned({ shop: SHOP, logged_in_customer_id: CUSTOMER, path_prefix: "/apps/order-status", timestamp: String(Math.trunc(Date.now() / 1000) - 600) });
    expect((await proxy(stale)).status).toBe(400);

    const unsigned = new URLSearchParams({ order: "#1001", email: EMAIL, shop: SHOP, logged_in_customer_id: "", timestamp: String(Math.trunc(Date.now() / 1000)) });
    expect((await proxy(unsigned)).status).toBe(400);
  });

  it("answers 400 to an incomplete lookup and 404 to unknown proxy paths", async () => {
    expect((await post(proxyQuery({}), { order: "#1001" })).status).toBe(400);
    expect((await post(proxyQuery({}), { email: EMAIL })).status).toBe(400);
    expect((await post(proxyQuery({}), { order: "#1001", email: "nope" })).status).toBe(400);
    const form = await fetch(`${app.url}/proxy/lookup?${proxyQuery({})}`, {
      method: "POST",
      headers: { "X-Forwarded-For": nextClient(), "Content-Type": "text/plain" },
      body: JSON.stringify({ order: "#1001", email: EMAIL }),
    });
    expect(form.status).toBe(400);
    expect((await post(proxyQuery({}), { order: "#1001", email: EMAIL, filler: "x".repeat(5000) })).status).toBe(400);
    const unknown = await proxy(proxyQuery({}), nextClient(), "admin");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('{"error":"not_found"}');
  });

  it("takes the shopper's order number and email only from the body: in the signed query they are refused", async () => {
    const inQuery = await proxy(proxyQuery({ order: "#1001", email: EMAIL }));
    expect(inQuery.status).toBe(400);
    expect(await inQuery.text()).not.toContain("#1001");
    expect((await proxy(proxyQuery({ phone: "+15145550142" }))).status).toBe(400);
    // With claims in both, the query still refuses the request: nothing but Shopify's parameters is signed-for.
    expect((await post(proxyQuery({ email: "someone.else@example.com" }), { order: "#1001", email: EMAIL })).status).toBe(400);
    const res = await post(proxyQuery({}), { order: "#1001", email: EMAIL });
    expect(res.status).toBe(200);
    expect((await res.json()).name).toBe("#1001");
  });

  it("refuses a captured guest URL with a signed-in customer's id put in front of Shopify's", async () => {
    const captured = proxyQuery({}).toString();
    expect((await (await proxy(new URLSearchParams(captured))).json()).signedIn).toBe(false);
    const attack = await proxy(new URLSearchParams(`logged_in_customer_id=${CUSTOMER}&${captured}`));
    expect(attack.status).toBe(400);
    expect(await attack.text()).not.toContain("#1001");
    expect((await proxy(new URLSearchParams(`${captured}&logged_in_customer_id=${CUSTOMER}`))).status).toBe(400);
  });

  it("refuses a query Shopify signed with a parameter of the shopper's, repeated or not (decision 024)", async () => {
    const query = new URLSearchParams({ shop: SHOP, logged_in_customer_id: CUSTOMER, path_prefix: "/apps/order-status", timestamp: String(Math.trunc(Date.now() / 1000)) });
    query.append("utm", "a");
    query.append("utm", "b");
    const grouped = new Map<string, string[]>();
    for (const [key, value] of query) grouped.set(key, [...(grouped.get(key) ?? []), value]);
    const message = [...grouped].map(([key, values]) => `${key}=${values.join(",")}`).sort().join("");
    query.set("signature", createHmac("sha256", TEST_SECRET).update(message).digest("hex"));
    const res = await proxy(query);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain("#1001");
  });

  it("rate limits each shopper per shop with 429 and Retry-After, leaving other shoppers and shops alone", async () => {
    const shopper = "203.0.113.7";
    const statuses: number[] = [];
    for (let i = 0; i < CLIENT_LIMIT.capacity + 2; i++) {
      statuses.push((await post(proxyQuery({}), { order: `#${30_000 + i}`, email: EMAIL }, `${shopper}, 10.1.2.3`)).status);
    }
    expect(statuses.slice(0, CLIENT_LIMIT.capacity).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(CLIENT_LIMIT.capacity)).toEqual([429, 429]);

    const refused = await post(proxyQuery({}), { order: "#1001", email: EMAIL }, `${shopper}, 10.1.2.3`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: "rate_limited" });

    expect((await post(proxyQuery({}), { order: "#1001", email: EMAIL }, "203.0.113.8, 10.1.2.3")).status).toBe(200);
    expect((await post(proxyQuery({}, { shop: OTHER_SHOP }), { order: "#1001", email: EMAIL }, `${shopper}, 10.1.2.3`)).status).toBe(404);
  });

  it("keys the shopper's limit on the address Shopify gave, whatever the shopper put in front of it", async () => {
    const shopper = "203.0.113.9";
    const statuses: number[] = [];
    for (let i = 0; i < CLIENT_LIMIT.capacity + 2; i++) {
      // A spoofed X-Forwarded-For sent to the storefront stays in front of the address Shopify appends.
      const spoofed = `192.0.2.${i}, ${shopper}, 10.1.2.3`;
      statuses.push((await post(proxyQuery({}), { order: `#${40_000 + i}`, email: EMAIL }, spoofed)).status);
    }
    expect(statuses.slice(CLIENT_LIMIT.capacity)).toEqual([429, 429]);
  });
});

describe("storefront lookup during a secret rotation", () => {
  let rotated: AppProcess;
  beforeAll(async () => {
    rotated = await startProductionApp(db.url, "the-new-secret", { SHOPIFY_API_SECRET_PREVIOUS: TEST_SECRET });
  }, 60_000);
  afterAll(async () => {
    await rotated?.stop();
  });

  it("accepts proxy requests signed with the new or the previous secret, and nothing else", async () => {
    const query = { shop: SHOP, logged_in_customer_id: "", path_prefix: "/apps/order-status", timestamp: String(Math.trunc(Date.now() / 1000)) };
    const status = async (secret: string) => (await post(shopifySigned(query, secret), { order: "#1001", email: EMAIL }, nextClient(), rotated.url)).status;
    expect(await status("the-new-secret")).toBe(200);
    expect(await status(TEST_SECRET)).toBe(200);
    expect(await status("a-third-secret")).toBe(400);
  });
});

describe("storefront lookup while the shop's offline token has expired and cannot be refreshed", () => {
  const encryptionKey = randomBytes(32);
  const sessionId = `offline_${SHOP}`;
  let stranded: AppProcess;
  beforeAll(async () => {
    // Expired an hour ago, with a refresh token: loading this session for a lookup would refresh it.
    const storage = new EncryptedSessionStorage(new PrismaSessionStorage(db.prisma), encryptionKey);
    await storage.storeSession(
      new Session({
        id: sessionId,
        shop: SHOP,
        state: "",
        isOnline: false,
        scope: "read_orders,read_fulfillments",
        accessToken: "shpat_expired_offline",
        expires: new Date(Date.now() - 3_600_000),
        refreshToken: "shprt_single_use",
        refreshTokenExpires: new Date(Date.now() + 30 * 86_400_000),
      }),
    );
    // Every request the app makes to Shopify, the token endpoint included, fails and is reported.
    const refuseNetwork = `--import=${new URL("../support/refuse-network.mjs", import.meta.url).href}`;
    stranded = await startProductionApp(db.url, TEST_SECRET, {
      ENCRYPTION_KEY: encryptionKey.toString("base64"),
      NODE_OPTIONS: [process.env.NODE_OPTIONS, refuseNetwork].filter(Boolean).join(" "),
    });
  }, 60_000);
  afterAll(async () => {
    await stranded?.stop();
    await db.prisma.session.deleteMany({ where: { id: sessionId } });
  });

  it("answers from the database, loading no session and sending nothing to Shopify", async () => {
    const stored = await db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    const lookup = (params: URLSearchParams) => fetch(`${stranded.url}/proxy/lookup?${params}`, { headers: { "X-Forwarded-For": nextClient() } });

    const byEmail = await post(proxyQuery({}), { order: "#1001", email: EMAIL }, nextClient(), stranded.url);
    expect(byEmail.status).toBe(200);
    expect(await byEmail.json()).toMatchObject({ name: "#1001" });
    const recent = await lookup(proxyQuery({}, { customer: CUSTOMER }));
    expect(recent.status).toBe(200);
    expect((await recent.json()).orders).toHaveLength(3);

    expect(stranded.output()).toContain("outbound HTTP refused in this process");
    expect(stranded.output()).not.toContain("outbound request refused");
    expect(await db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })).toEqual(stored);
  });
});
