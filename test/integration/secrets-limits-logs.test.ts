import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey } from "../../app/store/api-keys.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "secrets-shop.myshopify.com";
const OTHER = "secrets-other.myshopify.com";
const OLD_SECRET = "the-secret-before-rotation";
let db: TestDatabase;
let app: AppProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET, {
    SHOPIFY_API_SECRET_PREVIOUS: OLD_SECRET,
    API_RATE_LIMIT_BURST: "5",
    API_RATE_LIMIT_PER_SECOND: "1",
  });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

async function webhook(topic: string, payload: unknown, secret: string, shop = SHOP) {
  const body = JSON.stringify(payload);
  return fetch(`${app.url}/webhooks`, { method: "POST", body, headers: signedWebhookHeaders(topic, body, { shop, secret }) });
}

describe(`secrets, limits and logs on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("accepts webhooks signed with the new secret and, during a rotation, the previous one — nothing else", async () => {
    expect((await webhook("orders/create", fixture("two-box-order.create"), TEST_SECRET)).status).toBe(200);
    expect((await webhook("orders/create", fixture("single-parcel.create"), OLD_SECRET)).status).toBe(200);
    expect((await webhook("orders/create", { ...fixture("single-parcel.create"), id: 1 }, "a-third-secret")).status).toBe(401);
    expect(await db.prisma.order.count({ where: { shop: SHOP } })).toBe(2);
  });

  it("limits each shop's API calls with 429 and Retry-After, without touching other shops", async () => {
    const key = (await createApiKey(db.prisma, SHOP, "busy bot", ["orders:read"])).secret;
    const otherKey = (await createApiKey(db.prisma, OTHER, "quiet bot", ["orders:read"])).secret;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${app.url}/api/v1/orders?name=%231001`, { headers: { Authorization: `Bearer ${key}` } });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get("retry-after");
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const other = await fetch(`${app.url}/api/v1/orders?name=%231001`, { headers: { Authorization: `Bearer ${otherKey}` } });
    expect(other.status).toBe(200);
  });

  it("logs no token, key, email, phone, name or address, whatever happened", async () => {
    const key = (await createApiKey(db.prisma, OTHER, "log check", ["orders:read"])).secret;
    await fetch(`${app.url}/api/v1/orders/1`, { headers: { Authorization: `Bearer ${key}` } });
    await fetch(`${app.url}/api/v1/orders/1`, { headers: { Authorization: "Bearer otk_badbadbadbad_this-is-not-a-valid-key-at-all-xx" } });
    await webhook("orders/create", fixture("two-box-order.create"), "forged");
    await webhook("orders/create", "{broken", TEST_SECRET);
    const proxy = await setUpValidRequest({ type: RequestType.Public, store: "secrets-shop", apiSecretKey: "wrong" }, new Request(`${app.url}/proxy/lookup?order=%231001&email=camille.tremblay%40example.com`));
    await fetch(proxy.url);
    await new Promise((r) => setTimeout(r, 200));

    const log = app.output();
    expect(log).toContain("listening");
    const order = fixture("two-box-order.create") as { email: string; customer: { last_name: string; phone: string }; shipping_address: { address1: string } };
    for (const secret of [key, TEST_SECRET, OLD_SECRET, "otk_badbadbadbad", order.email.trim(), order.email.trim().toLowerCase(), "camille.tremblay", order.customer.last_name, order.customer.phone, order.shipping_address.address1]) {
      expect(log.includes(secret), `log contains ${secret}`).toBe(false);
    }
  });
});
