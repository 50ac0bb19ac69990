import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { EncryptedSessionStorage } from "../../app/sessions.server";
import { SHOP_SCOPED_MODELS } from "../../app/store/lifecycle.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { replayAll } from "../../app/store/replay.server";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { Session } from "@shopify/shopify-api";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { findTextEverywhere } from "../support/database-search";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
let db: TestDatabase;
let writer: SqlWriterConnection;
let receive: ReturnType<typeof createWebhookIntake>;

const camille = fixture("two-box-order.create");
const camilleId = String(camille.id);
// The same shape for a different customer, so erasure can be shown to stop at the right person.
const jonas = {
  ...fixture("single-parcel.create"),
  email: "jonas.berg@example.org",
  contact_email: "jonas.berg@example.org",
  phone: "+46 70 123 45 67",
  customer: { id: 7410852969999, email: "jonas.berg@example.org", first_name: "Jonas", last_name: "Berg", phone: "+46 70 123 45 67" },
  shipping_address: { first_name: "Jonas", last_name: "Berg", address1: "Storgatan 1", city: "Umeå", country_code: "SE", zip: "90326" },
  billing_address: { first_name: "Jonas", last_name: "Berg", address1: "Storgatan 1", city: "Umeå", country_code: "SE", zip: "90326" },
};

async function send(topic: string, payload: unknown, shop = SHOP) {
  const body = JSON.stringify(payload);
  return receive(body, signedWebhookHeaders(topic, body, { shop }));
}

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  const committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake({
    db: () => db.prisma,
    writer: () => writer,
    record: (s) => committer.submit(s),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "k", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
  });
  expect((await send("orders/create", camille)).status).toBe(200);
  expect((await send("fulfillments/create", fixture("two-box-order.fulfillment-a.create"))).status).toBe(200);
  expect((await send("orders/create", jonas)).status).toBe(200);
  expect((await send("orders/create", camille, OTHER_SHOP)).status).toBe(200);
});

afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

describe(`GDPR compliance webhooks on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("records customers/data_request", async () => {
    const payload = { shop_id: 1, shop_domain: SHOP, orders_requested: [camille.id], customer: { id: 7410852963001, email: "camille.tremblay@example.com" }, data_request: { id: 99 } };
    expect((await send("customers/data_request", payload)).status).toBe(200);
    const request = await db.prisma.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } });
    expect(request.customerId).toBe("7410852963001");
    expect(request.completedAt).toBeInstanceOf(Date);
  });

  it("customers/redact erases that customer's data everywhere, raw payloads included, and nobody else's", async () => {
    expect((await findTextEverywhere(db, "Tremblay")).length).toBeGreaterThan(0);
    const payload = { shop_id: 1, shop_domain: SHOP, customer: { id: 7410852963001, email: "camille.tremblay@example.com", phone: "+15145550142" }, orders_to_redact: [camille.id] };
    expect((await send("customers/redact", payload)).status).toBe(200);

    const inShop = async (needle: string) => {
      const hits = await findTextEverywhere(db, needle);
      // The other shop's copy is that merchant's data, erased only by its own request.
      const rows = await db.prisma.event.count({ where: { shop: SHOP, raw: { contains: needle } } });
      return { hits, rows };
    };
    expect((await inShop("Tremblay")).rows).toBe(0);
    expect((await inShop("camille.tremblay")).rows).toBe(0);
    expect((await inShop("Saint-Paul")).rows).toBe(0);
    const order = await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: camilleId } } });
    expect(order.emailHash).toBeNull();
    expect(order.customerId).toBeNull();
    expect(JSON.parse(order.document).status).toBe("partially_shipped");

    const leftovers = (await findTextEverywhere(db, "Tremblay")).filter((h) => h.count > 0);
    const otherShopEvents = await db.prisma.event.count({ where: { shop: OTHER_SHOP, raw: { contains: "Tremblay" } } });
    expect(leftovers.reduce((n, h) => n + h.count, 0)).toBe(otherShopEvents);

    expect(await db.prisma.event.count({ where: { shop: SHOP, raw: { contains: "Berg" } } })).toBeGreaterThan(0);
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("a retried customers/redact is acknowledged and changes nothing more", async () => {
    const before = await db.prisma.event.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } });
    const payload = { shop_id: 1, shop_domain: SHOP, customer: { id: 7410852963001 }, orders_to_redact: [camille.id] };
    const body = JSON.stringify(payload);
    const headers = signedWebhookHeaders("customers/redact", body, { webhookId: "redact-retry" });
    expect((await receive(body, headers)).status).toBe(200);
    expect((await receive(body, headers)).body).toBe("duplicate");
    expect(await db.prisma.event.findMany({ where: { shop: SHOP }, orderBy: { id: "asc" } })).toEqual(before);
  });

  it("stores access tokens encrypted, never in plain text", async () => {
    const storage = new EncryptedSessionStorage(new PrismaSessionStorage(db.prisma), Buffer.alloc(32, 3));
    const session = new Session({ id: `offline_${SHOP}`, shop: SHOP, state: "s", isOnline: false, accessToken: "shpat_secret_token_value", scope: "read_orders" });
    await storage.storeSession(session);
    expect((await findTextEverywhere(db, "shpat_secret_token_value")).length).toBe(0);
    expect((await storage.loadSession(session.id))?.accessToken).toBe("shpat_secret_token_value");
  });

  it("shop/redact erases everything of the shop and keeps only the record of the request", async () => {
    expect((await send("shop/redact", { shop_id: 1, shop_domain: SHOP })).status).toBe(200);
    expect(SHOP_SCOPED_MODELS).toEqual(expect.arrayContaining(["Event", "Order", "Session", "ApiKey"]));
    for (const model of SHOP_SCOPED_MODELS) {
      const delegate = (db.prisma as unknown as Record<string, { count(args: object): Promise<number> }>)[model.charAt(0).toLowerCase() + model.slice(1)];
      expect(await delegate.count({ where: { shop: SHOP } }), model).toBe(0);
    }
    expect(await db.prisma.shop.count({ where: { domain: SHOP } })).toBe(0);
    expect(await db.prisma.order.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await db.prisma.complianceRequest.count({ where: { shop: SHOP, topic: "shop/redact" } })).toBe(1);
  });
});
