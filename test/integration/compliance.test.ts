import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { EncryptedSessionStorage } from "../../app/sessions.server";
import { SHOP_REDACT_WHILE_INSTALLED, SHOP_SCOPED_MODELS } from "../../app/store/lifecycle.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { replayAll } from "../../app/store/replay.server";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { Session } from "@shopify/shopify-api";
import { hashEmail } from "../../app/domain/events";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { findTextEverywhere } from "../support/database-search";
import { shopifyExample } from "../support/shopify-examples";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
let db: TestDatabase;
let writer: SqlWriterConnection;
let receive: ReturnType<typeof createWebhookIntake>;
let committer: GroupCommitter;

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
  order_status_url: "https://shop.alpine-outfitters.com/90210/orders/77aa/authenticate?key=jonaskey0001",
};
const CAMILLE_STATUS_KEY = "key=0a1b2c3d4e5f";
const JONAS_STATUS_KEY = "key=jonaskey0001";

/** One more order of its own customer, for the tests that redact customers one by one. */
function customerOrder(orderId: number, customerId: number, email: string) {
  return { ...fixture("single-parcel.create"), id: orderId, name: `#${orderId}`, email, contact_email: email, phone: null, customer: { id: customerId, email, phone: null } };
}

function intakeDependencies(): Parameters<typeof createWebhookIntake>[0] {
  return {
    db: () => db.prisma,
    writer: () => writer,
    record: (s) => committer.submit(s),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "k", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
    // As Shopify answers for a shop that uninstalled: its token is refused.
    stillInstalled: async () => false,
  };
}

async function send(topic: string, payload: unknown, shop = SHOP) {
  const body = JSON.stringify(payload);
  return receive(body, signedWebhookHeaders(topic, body, { shop }));
}

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake(intakeDependencies());
  expect((await send("orders/create", camille)).status).toBe(200);
  expect((await send("fulfillments/create", fixture("two-box-order.fulfillment-a.create"))).status).toBe(200);
  expect((await send("orders/create", jonas)).status).toBe(200);
  // The other shop's own order for the same customer details: order ids are global.
  expect((await send("orders/create", { ...camille, id: 5801234560001 }, OTHER_SHOP)).status).toBe(200);
});

afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

describe(`GDPR compliance webhooks on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("records customers/data_request with who it is about, contact data only as hashes, and keeps it pending", async () => {
    const payload = { shop_id: 1, shop_domain: SHOP, orders_requested: [camille.id], customer: { id: 7410852963001, email: "Camille.Tremblay@Example.com", phone: "+1 514 555 0142" }, data_request: { id: 99 } };
    expect((await send("customers/data_request", payload)).status).toBe(200);
    const request = await db.prisma.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } });
    expect(request).toMatchObject({ customerId: "7410852963001", requestId: "99", completedAt: null, exportedAt: null, lastError: null });
    expect(JSON.parse(request.subject)).toEqual({ orderIds: [camilleId], emailHash: hashEmail("camille.tremblay@example.com"), phoneHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(JSON.stringify(request)).not.toMatch(/tremblay|514/i);
  });

  it("accepts Shopify's own example bodies, and refuses one signed for another topic before doing anything", async () => {
    for (const topic of ["customers/data_request", "customers/redact", "app/uninstalled", "app/scopes_update"]) {
      const example = shopifyExample("2026-07", topic, OTHER_SHOP);
      expect((await send(topic, example, OTHER_SHOP)).status, topic).toBe(200);
    }
    const before = await db.prisma.complianceRequest.count();
    const redact = await send("shop/redact", shopifyExample("2026-07", "customers/redact", SHOP));
    expect(redact).toMatchObject({ status: 400, body: expect.stringMatching(/shop\/redact body has customer, which customers\/data_request and customers\/redact bodies have/) });
    const request = await send("customers/redact", shopifyExample("2026-07", "customers/data_request", SHOP));
    expect(request).toMatchObject({ status: 400, body: expect.stringMatching(/orders_requested/) });
    expect((await send("customers/redact", shopifyExample("2026-07", "customers/redact", OTHER_SHOP))).status).toBe(400);
    expect(await db.prisma.complianceRequest.count()).toBe(before);
    expect(await db.prisma.order.count({ where: { shop: SHOP } })).toBeGreaterThan(0);
  });

  it("the log never held the customer's name, address or email in clear", async () => {
    for (const needle of ["Tremblay", "Saint-Paul", "camille.tremblay", "Berg", "Storgatan"]) expect(await findTextEverywhere(db, needle), needle).toEqual([]);
  });

  it("customers/redact erases that customer's lookup keys, raw payloads and order status link, and nobody else's", async () => {
    const CAMILLE_ID = "7410852963001";
    // What the log keeps of her until then: her customer id in the stripped raw bodies and the events, her order status link.
    const inShop = async (shop: string, needle: string) => ({
      raw: await db.prisma.event.count({ where: { shop, raw: { contains: needle } } }),
      data: await db.prisma.event.count({ where: { shop, data: { contains: needle } } }),
      documents: await db.prisma.order.count({ where: { shop, document: { contains: needle } } }),
    });
    expect(await inShop(SHOP, CAMILLE_ID)).toEqual({ raw: 1, data: 1, documents: 0 });
    // The raw copy never held the status link (decision 018); the event and the status document do.
    expect(await inShop(SHOP, CAMILLE_STATUS_KEY)).toEqual({ raw: 0, data: 1, documents: 1 });
    const otherShopBefore = await inShop(OTHER_SHOP, CAMILLE_STATUS_KEY);

    const payload = { shop_id: 1, shop_domain: SHOP, customer: { id: 7410852963001, email: "camille.tremblay@example.com", phone: "+15145550142" }, orders_to_redact: [camille.id] };
    expect((await send("customers/redact", payload)).status).toBe(200);

    expect(await inShop(SHOP, CAMILLE_ID)).toEqual({ raw: 0, data: 0, documents: 0 });
    // The order status link is a bearer link to the customer's order page.
    expect(await inShop(SHOP, CAMILLE_STATUS_KEY)).toEqual({ raw: 0, data: 0, documents: 0 });
    const order = await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: camilleId } } });
    expect(order).toMatchObject({ emailHash: null, phoneHash: null, customerId: null });
    expect(JSON.parse(order.document)).toMatchObject({ status: "partially_shipped", statusPageUrl: null });
    expect(await db.prisma.event.count({ where: { shop: SHOP, orderId: camilleId, raw: { not: JSON.stringify({ redacted: true }) } } })).toBe(0);
    const request = await db.prisma.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/redact" } });
    expect(request).toMatchObject({ attempts: 1, lastError: null, completedAt: expect.any(Date), customerId: null, subject: "{}" });

    // Jonas, and the other shop's copy of Camille's order (that merchant's data, erased only by its own request), stay.
    expect(await inShop(SHOP, JONAS_STATUS_KEY)).toEqual({ raw: 0, data: 1, documents: 1 });
    expect((await db.prisma.order.findFirstOrThrow({ where: { shop: SHOP, name: "#1006" } })).customerId).toBe("7410852969999");
    expect(await inShop(OTHER_SHOP, CAMILLE_STATUS_KEY)).toEqual(otherShopBefore);
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

  it("completes each customers/redact only by its own run: a failed one stays pending until its redelivery succeeds", async () => {
    const ana = customerOrder(5801234567101, 7410852960101, "ana.silva@example.net");
    const ben = customerOrder(5801234567102, 7410852960102, "ben.okafor@example.net");
    for (const order of [ana, ben]) expect((await send("orders/create", order)).status).toBe(200);
    let failNext = false;
    const flakyWriter: SqlWriterConnection = {
      dialect: writer.dialect,
      close: () => writer.close(),
      transaction(work) {
        if (!failNext) return writer.transaction(work);
        failNext = false;
        return Promise.reject(new Error("could not write the erasure of ana.silva@example.net"));
      },
    };
    const flakyReceive = createWebhookIntake({ ...intakeDependencies(), writer: () => flakyWriter });
    const redactionOf = (order: typeof ana, webhookId: string) => {
      const body = JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: order.customer.id, email: order.email, phone: null }, orders_to_redact: [order.id] });
      return () => flakyReceive(body, signedWebhookHeaders("customers/redact", body, { webhookId }));
    };
    const requestA = redactionOf(ana, "redact-ana");
    const requestB = redactionOf(ben, "redact-ben");
    const state = (webhookId: string) => db.prisma.complianceRequest.findUniqueOrThrow({ where: { webhookId } });
    const lookupKeys = (order: typeof ana) => db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: String(order.id) } }, select: { emailHash: true, customerId: true } });

    failNext = true;
    await expect(requestA()).rejects.toThrow();
    expect(await state("redact-ana")).toMatchObject({ completedAt: null, attempts: 1, lastError: "erasing the customer's orders failed (Error)" });
    expect((await lookupKeys(ana)).customerId).toBe(String(ana.customer.id));

    expect(await requestB()).toMatchObject({ status: 200, body: "ok" });
    expect(await state("redact-ben")).toMatchObject({ completedAt: expect.any(Date), attempts: 1 });
    expect(await lookupKeys(ben)).toEqual({ emailHash: null, customerId: null });
    // Ben's success completes Ben's request only.
    expect(await state("redact-ana")).toMatchObject({ completedAt: null, attempts: 1 });
    expect((await lookupKeys(ana)).customerId).toBe(String(ana.customer.id));

    // Shopify redelivers the failed delivery with the same webhook id.
    expect(await requestA()).toMatchObject({ status: 200, body: "ok" });
    expect(await state("redact-ana")).toMatchObject({ completedAt: expect.any(Date), attempts: 2, lastError: null });
    expect(await lookupKeys(ana)).toEqual({ emailHash: null, customerId: null });
    expect(await db.prisma.event.count({ where: { shop: SHOP, raw: { contains: "ana.silva" } } })).toBe(0);
    expect(await requestA()).toMatchObject({ status: 200, body: "duplicate" });
  });

  it("a webhook id of one request cannot complete another", async () => {
    const body = JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 1, email: null, phone: null }, orders_to_redact: [] });
    const dataRequest = await db.prisma.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "customers/data_request" } });
    expect(await receive(body, signedWebhookHeaders("customers/redact", body, { webhookId: dataRequest.webhookId }))).toMatchObject({ status: 400 });
    expect((await db.prisma.complianceRequest.findUniqueOrThrow({ where: { id: dataRequest.id } })).completedAt).toBeNull();
  });

  it("shop/redact while the app is installed is recorded and shown, and erases nothing", async () => {
    await db.prisma.session.upsert({
      where: { id: `offline_${SHOP}` },
      create: { id: `offline_${SHOP}`, shop: SHOP, state: "", isOnline: false, accessToken: "unused", scope: "read_orders" },
      update: {},
    });
    const ordersBefore = await db.prisma.order.count({ where: { shop: SHOP } });
    const body = JSON.stringify(shopifyExample("2026-07", "shop/redact", SHOP));
    const answer = await receive(body, signedWebhookHeaders("shop/redact", body, { shop: SHOP, webhookId: "held-shop-redact" }));
    expect(answer).toMatchObject({ status: 200, body: expect.stringMatching(/not carried out/) });
    expect(await db.prisma.order.count({ where: { shop: SHOP } })).toBe(ordersBefore);
    expect(await db.prisma.complianceRequest.findUniqueOrThrow({ where: { webhookId: "held-shop-redact" } })).toMatchObject({
      completedAt: null,
      lastError: SHOP_REDACT_WHILE_INSTALLED,
    });
    // What app/uninstalled does; the erasure below then runs as Shopify's own shop/redact would.
    await db.prisma.session.deleteMany({ where: { shop: SHOP } });
    await db.prisma.complianceRequest.delete({ where: { webhookId: "held-shop-redact" } });
  });

  it("shop/redact erases everything of the shop, keeps the record of the requests and completes only itself", async () => {
    const pendingBefore = await db.prisma.complianceRequest.findMany({ where: { shop: SHOP, completedAt: null }, select: { id: true } });
    expect(pendingBefore.length).toBeGreaterThan(0);
    expect((await send("shop/redact", shopifyExample("2026-07", "shop/redact", SHOP))).status).toBe(200);
    expect(SHOP_SCOPED_MODELS).toEqual(expect.arrayContaining(["Event", "Order", "Session", "ApiKey"]));
    for (const model of SHOP_SCOPED_MODELS) {
      const delegate = (db.prisma as unknown as Record<string, { count(args: object): Promise<number> }>)[model.charAt(0).toLowerCase() + model.slice(1)];
      expect(await delegate.count({ where: { shop: SHOP } }), model).toBe(0);
    }
    expect(await db.prisma.shop.count({ where: { domain: SHOP } })).toBe(0);
    expect(await db.prisma.order.count({ where: { shop: OTHER_SHOP } })).toBe(1);
    expect(await db.prisma.complianceRequest.findFirstOrThrow({ where: { shop: SHOP, topic: "shop/redact" } })).toMatchObject({ completedAt: expect.any(Date), attempts: 1 });
    const pendingAfter = await db.prisma.complianceRequest.findMany({ where: { shop: SHOP, completedAt: null }, select: { id: true } });
    expect(pendingAfter).toEqual(pendingBefore);
  });
});
