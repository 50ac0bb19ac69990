// The answers the customer account extensions' tests render (test/unit/fixtures/customer-account)
// were recorded from the endpoint after these webhooks; this keeps them what it answers today.
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp, TEST_API_KEY } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const CUSTOMER = `gid://shopify/Customer/${(fixture("two-box-order.create").customer as { id: number }).id}`;
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";
const WEBHOOKS = [
  ["orders/create", "two-box-order.create"],
  ["fulfillments/create", "two-box-order.fulfillment-a.create"],
  ["fulfillments/create", "two-box-order.fulfillment-b.create"],
  ["fulfillment_events/create", "two-box-order.fulfillment-a.event-delivered"],
  ["fulfillment_events/create", "two-box-order.fulfillment-b.event-out-for-delivery"],
  ["orders/create", "pickup.create"],
  ["fulfillments/create", "pickup.fulfillment.create"],
  ["fulfillment_events/create", "pickup.event-picked-up"],
  ["orders/create", "single-parcel.create"],
  ["fulfillments/create", "single-parcel.fulfillment.create"],
  ["fulfillment_events/create", "single-parcel.event-in-transit"],
  ["fulfillment_events/create", "single-parcel.event-delayed"],
] as const;

let db: TestDatabase;
let app: AppProcess;

function sessionToken(sub: string | null): string {
  const now = Math.trunc(Date.now() / 1000);
  const claims = { iss: `https://${SHOP}/admin`, dest: SHOP, aud: TEST_API_KEY, exp: now + 300, nbf: now - 5, ...(sub ? { sub } : {}) };
  const signingInput = `${Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${signingInput}.${createHmac("sha256", TEST_SECRET).update(signingInput).digest("base64url")}`;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  for (const [topic, name] of WEBHOOKS) {
    const body = JSON.stringify(fixture(name));
    const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop: SHOP }), body });
    expect(res.status, `${topic} ${name}`).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`recorded customer account answers on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it.each([
    ["two-shipments-one-late", `/customer-account/orders/${fixture("two-box-order.create").id}`, CUSTOMER],
    ["without-customer", `/customer-account/orders/${fixture("two-box-order.create").id}`, null],
    ["delivered", `/customer-account/orders/${fixture("pickup.create").id}`, CUSTOMER],
    ["not-found", "/customer-account/orders/5800000000000", CUSTOMER],
    ["order-index", "/customer-account/orders", CUSTOMER],
  ])("%s is what the endpoint answers", async (name, path, sub) => {
    const recorded = JSON.parse(readFileSync(new URL(`../unit/fixtures/customer-account/${name}.json`, import.meta.url), "utf8"));
    const res = await fetch(`${app.url}${path}`, { headers: { Authorization: `Bearer ${sessionToken(sub)}`, "User-Agent": BROWSER } });
    expect({ status: res.status, body: await res.json() }).toEqual(recorded);
  });
});
