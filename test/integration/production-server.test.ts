import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey, revokeApiKey } from "../../app/store/api-keys.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const schema = JSON.parse(readFileSync(new URL("../../contracts/order-status.schema.json", import.meta.url), "utf8"));
const validateContract = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

let db: TestDatabase;
let app: AppProcess;
let key: string;
let otherKey: string;

async function postWebhook(topic: string, payload: unknown, shop = SHOP, secret = TEST_SECRET) {
  const body = JSON.stringify(payload);
  return fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop, secret }), body });
}

const api = (path: string, bearer = key) => fetch(`${app.url}${path}`, { headers: { Authorization: `Bearer ${bearer}` } });

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  key = (await createApiKey(db.prisma, SHOP, "test bot", ["orders:read"])).secret;
  otherKey = (await createApiKey(db.prisma, OTHER_SHOP, "other bot", ["orders:read"])).secret;
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`production server (npm start) on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("answers /healthz when the database is reachable", async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it("takes signed webhooks on /webhooks and refuses forged ones with 401", async () => {
    expect((await postWebhook("orders/create", fixture("two-box-order.create"))).status).toBe(200);
    expect((await postWebhook("fulfillments/create", fixture("two-box-order.fulfillment-a.create"))).status).toBe(200);
    const forged = await postWebhook("orders/create", { ...fixture("single-parcel.create"), name: "#6666" }, SHOP, "wrong-secret");
    expect(forged.status).toBe(401);
    expect(await db.prisma.order.count({ where: { name: "#6666" } })).toBe(0);
  });

  it("refuses oversized webhook bodies with 413", async () => {
    const body = "x".repeat(3 * 1024 * 1024);
    const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders("orders/create", body), body });
    expect(res.status).toBe(413);
  });

  it("serves the admin view of an order to the shop's key, valid against the contract", async () => {
    const orderId = String(fixture("two-box-order.create").id);
    const res = await api(`/api/v1/orders/${orderId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const view = await res.json();
    expect(validateContract(view), JSON.stringify(validateContract.errors)).toBe(true);
    expect(view).toMatchObject({ orderId, name: "#1001", status: "partially_shipped" });
    // The box left in March and was never scanned: the admin view says so, with the evidence.
    expect(view.discrepancies).toEqual([expect.objectContaining({ code: "stalled_no_carrier_scan", since: "2026-03-05T19:02:00.000Z" })]);
    expect(view.sources.map((s: { source: string }) => s.source)).toContain("shopify");
  });

  it("finds orders by name, and by email only in a POST body, never by another shop's key", async () => {
    const byName = await (await api(`/api/v1/orders?name=${encodeURIComponent("#1001")}`)).json();
    expect(byName.orders.map((o: { name: string }) => o.name)).toEqual(["#1001"]);
    const email = String(fixture("two-box-order.create").email).trim().toUpperCase();
    const lookup = (body: string, bearer = key, contentType = "application/json") =>
      fetch(`${app.url}/api/v1/orders/lookup`, { method: "POST", headers: { Authorization: `Bearer ${bearer}`, "Content-Type": contentType }, body });
    const byEmail = await lookup(JSON.stringify({ email }));
    expect(byEmail.status).toBe(200);
    expect((await byEmail.json()).orders.map((o: { name: string }) => o.name)).toEqual(["#1001"]);
    expect((await (await lookup(JSON.stringify({ email }), otherKey)).json()).orders).toEqual([]);
    // An email in the URL is refused, not searched: it would sit in every access log on the way.
    const inUrl = await api(`/api/v1/orders?email=${encodeURIComponent(email)}`);
    expect(inUrl.status).toBe(400);
    expect((await inUrl.json()).error).toMatch(/POST \/api\/v1\/orders\/lookup/);
    expect((await lookup(JSON.stringify({ name: "#1001" }))).status).toBe(400);
    expect((await lookup("email=x")).status).toBe(400);
    expect((await lookup(`email=${email}`, key, "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await api("/api/v1/orders/lookup")).status).toBe(405);
    const orderId = String(fixture("two-box-order.create").id);
    expect((await api(`/api/v1/orders/${orderId}`, otherKey)).status).toBe(404);
    expect((await (await api(`/api/v1/orders?name=%231001`, otherKey)).json()).orders).toEqual([]);
  });

  it("answers 401 to a missing, wrong or revoked key", async () => {
    const orderId = String(fixture("two-box-order.create").id);
    expect((await fetch(`${app.url}/api/v1/orders/${orderId}`)).status).toBe(401);
    expect((await api(`/api/v1/orders/${orderId}`, "otk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrong")).status).toBe(401);
    const revoked = await createApiKey(db.prisma, SHOP, "to revoke", ["orders:read"]);
    expect((await api(`/api/v1/orders/${orderId}`, revoked.secret)).status).toBe(200);
    await revokeApiKey(db.prisma, SHOP, revoked.id, new Date());
    expect((await api(`/api/v1/orders/${orderId}`, revoked.secret)).status).toBe(401);
  });

  it("accepts an app proxy request signed by Shopify and refuses tampered or stale ones", async () => {
    const signed = await setUpValidRequest(
      { type: RequestType.Public, store: "test-shop", apiSecretKey: TEST_SECRET },
      new Request(`${app.url}/proxy/lookup?path_prefix=%2Fapps%2Forder-status`),
    );
    expect((await fetch(signed.url)).status).toBe(200);

    const tampered = new URL(signed.url);
    tampered.searchParams.set("shop", "other-shop.myshopify.com");
    expect((await fetch(tampered)).status).toBeGreaterThanOrEqual(400);

    const stale = new URL(signed.url);
    stale.searchParams.set("timestamp", String(Math.trunc(Date.now() / 1000) - 3600));
    expect((await fetch(stale)).status).toBeGreaterThanOrEqual(400);

    const unsigned = new URL(signed.url);
    unsigned.searchParams.delete("signature");
    expect((await fetch(unsigned)).status).toBeGreaterThanOrEqual(400);
  });
});
