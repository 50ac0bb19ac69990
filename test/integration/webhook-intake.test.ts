import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { replayAll } from "../../app/store/replay.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { shopifyExample } from "../support/shopify-examples";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
let db: TestDatabase;
let receive: ReturnType<typeof createWebhookIntake>;
let writer: SqlWriterConnection;
let committer: GroupCommitter;
/** What Shopify answers to the shop's offline token: it refuses it once the app is uninstalled. */
let shopifyTakesTheToken = false;

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake({
    db: () => db.prisma,
    writer: () => writer,
    record: (submission) => committer.submit(submission),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "test-key", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
    stillInstalled: async () => shopifyTakesTheToken,
  });
});
afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

beforeEach(async () => {
  const p = db.prisma;
  await p.event.deleteMany();
  await p.order.deleteMany();
  await p.shipment.deleteMany();
  await p.trackingNumber.deleteMany();
  await p.sourceClaim.deleteMany();
  await p.session.deleteMany();
  await p.shop.deleteMany();
  await p.complianceRequest.deleteMany();
});

async function send(topic: string, payload: unknown, options: Parameters<typeof signedWebhookHeaders>[2] = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return receive(body, signedWebhookHeaders(topic, body, options));
}

async function storedCounts() {
  const p = db.prisma;
  return { events: await p.event.count(), orders: await p.order.count(), shipments: await p.shipment.count() };
}

async function orderStatus(orderId: string) {
  const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId } } });
  return row && JSON.parse(row.document);
}

const TWO_BOX_ID = String(fixture("two-box-order.create").id);

describe(`webhook intake on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("accepts a signed orders/create without any stored session and makes the status readable at once", async () => {
    const answer = await send("orders/create", fixture("two-box-order.create"));
    expect(answer.status).toBe(200);
    const status = await orderStatus(TWO_BOX_ID);
    expect(status).toMatchObject({ orderId: TWO_BOX_ID, name: "#1001", status: "unfulfilled" });
    const event = await db.prisma.event.findFirstOrThrow();
    expect(event).toMatchObject({ shop: SHOP, source: "shopify", kind: "order_snapshot" });
    expect(event.raw).toContain('"name":"#1001"');
    expect(event.sourceEventId).toBeTruthy();
  });

  it("refuses a forged HMAC with 401 and stores nothing", async () => {
    const body = JSON.stringify(fixture("two-box-order.create"));
    const headers = signedWebhookHeaders("orders/create", body, { secret: "not-the-secret" });
    const answer = await receive(body, headers);
    expect(answer.status).toBe(401);
    expect(await storedCounts()).toEqual({ events: 0, orders: 0, shipments: 0 });
  });

  it("refuses a body altered after signing", async () => {
    const body = JSON.stringify(fixture("two-box-order.create"));
    const headers = signedWebhookHeaders("orders/create", body);
    const answer = await receive(body.replace("#1001", "#9999"), headers);
    expect(answer.status).toBe(401);
    expect(await storedCounts()).toEqual({ events: 0, orders: 0, shipments: 0 });
  });

  it("answers 400 to missing headers and to signed garbage, storing nothing", async () => {
    const body = JSON.stringify(fixture("two-box-order.create"));
    const headers = signedWebhookHeaders("orders/create", body);
    headers.delete("x-shopify-webhook-id");
    expect((await receive(body, headers)).status).toBe(400);
    expect((await send("orders/create", "{not json")).status).toBe(400);
    expect((await send("orders/create", { id: "abc", line_items: "nope" })).status).toBe(400);
    expect((await send("products/create", { id: 1 })).status).toBe(400);
    // The shop header is not signed: anything but a shop's myshopify.com name keys nothing.
    for (const shop of ["not a shop at all", "evil.example.com", "test-shop.myshopify.com.evil.example"]) {
      expect((await send("orders/create", fixture("two-box-order.create"), { shop })).status, shop).toBe(400);
    }
    expect(await storedCounts()).toEqual({ events: 0, orders: 0, shipments: 0 });
  });

  it("believes the topic and shop headers only as far as the signed body agrees", async () => {
    const order = fixture("two-box-order.create");
    expect((await send("orders/create", order)).status).toBe(200);
    const before = await storedCounts();
    // The same signed body, sent again under another topic with a new webhook id.
    const asDelete = await send("orders/delete", order, { webhookId: "replayed-as-delete" });
    expect(asDelete).toMatchObject({ status: 400, body: expect.stringMatching(/orders\/delete carries only the order id/) });
    const asFulfillment = await send("fulfillments/create", fixture("two-box-order.fulfillment-a.create"), { webhookId: "as-itself" });
    expect(asFulfillment.status).toBe(200);
    const fulfillmentAsRefund = await send("refunds/create", fixture("two-box-order.fulfillment-a.create"), { webhookId: "replayed-as-refund" });
    expect(fulfillmentAsRefund).toMatchObject({ status: 400, body: expect.stringMatching(/is a Fulfillment/) });
    // A body whose order status link is on another shop's myshopify.com domain was that shop's.
    const othersOrder = { ...fixture("single-parcel.create"), order_status_url: "https://other-shop.myshopify.com/1/orders/ab/authenticate?key=k" };
    expect(await send("orders/create", othersOrder)).toMatchObject({ status: 400, body: expect.stringMatching(/other-shop\.myshopify\.com/) });
    // Bodies that name no shop (a fulfillment, an order on the shop's own domain) are bound by their
    // order: Shopify's ids are global, and this one is recorded under SHOP already.
    const elsewhere = "elsewhere.myshopify.com";
    for (const [topic, body] of [["fulfillments/create", fixture("two-box-order.fulfillment-b.create")], ["orders/updated", order]] as const) {
      expect(await send(topic, body, { shop: elsewhere })).toMatchObject({ status: 400, body: `order ${TWO_BOX_ID} belongs to another shop` });
    }
    expect(await db.prisma.event.count({ where: { shop: elsewhere } })).toBe(0);
    expect(await storedCounts()).toMatchObject({ orders: before.orders, events: before.events + 1 });
    expect(await orderStatus(TWO_BOX_ID)).toMatchObject({ status: "partially_shipped" });
  });

  it("keys a shop by one spelling of its name, whatever case the header uses", async () => {
    expect((await send("orders/create", fixture("two-box-order.create"), { shop: "Test-Shop.MyShopify.com" })).status).toBe(200);
    expect(await db.prisma.event.findMany({ select: { shop: true } })).toEqual([{ shop: SHOP }]);
  });

  it("acknowledges a duplicate delivery with 200 and changes nothing", async () => {
    const first = await send("orders/create", fixture("two-box-order.create"), { webhookId: "dup-1" });
    const before = await storedCounts();
    const document = await db.prisma.order.findFirstOrThrow();
    const again = await send("orders/create", fixture("two-box-order.create"), { webhookId: "dup-1" });
    expect(first.status).toBe(200);
    expect(again).toMatchObject({ status: 200, body: "duplicate" });
    expect(await storedCounts()).toEqual(before);
    expect(await db.prisma.order.findFirstOrThrow()).toEqual(document);
  });

  it("calls a two-box order shipped only when both boxes have left, whatever the arrival order", async () => {
    const deliveries: Array<[string, string]> = [
      ["fulfillments/create", "two-box-order.fulfillment-b.create"],
      ["orders/create", "two-box-order.create"],
      ["fulfillments/create", "two-box-order.fulfillment-a.create"],
    ];
    await send(...withPayload(deliveries[1]));
    await send(...withPayload(deliveries[2]));
    expect((await orderStatus(TWO_BOX_ID)).status).toBe("partially_shipped");
    await send(...withPayload(deliveries[0]));
    const inOrder = await orderStatus(TWO_BOX_ID);
    expect(inOrder.shipments).toHaveLength(2);
    expect(inOrder.items.shipped).toBe(inOrder.items.total);

    await db.prisma.event.deleteMany();
    await db.prisma.order.deleteMany();
    for (const d of deliveries) await send(...withPayload(d));
    expect(await orderStatus(TWO_BOX_ID)).toEqual(inOrder);
    expect(await db.prisma.trackingNumber.count()).toBeGreaterThanOrEqual(2);
  });

  it("stores rollups that equal a replay of the log", async () => {
    for (const name of ["two-box-order.create", "two-box-order.fulfillment-a.create", "two-box-order.fulfillment-a.event-in-transit"]) {
      const topic = name.endsWith(".create") && name.includes("fulfillment") ? "fulfillments/create" : name.includes("event") ? "fulfillment_events/create" : "orders/create";
      expect((await send(topic, fixture(name))).status).toBe(200);
    }
    const report = await replayAll(db.prisma);
    expect(report.orders).toBe(1);
    expect(report.differences).toEqual([]);
  });

  it("app/uninstalled removes the shop's sessions and marks it uninstalled", async () => {
    await db.prisma.session.create({ data: { id: "offline_test-shop.myshopify.com", shop: SHOP, state: "x", accessToken: "enc:v1:abc" } });
    // A fulfillment body has an id and a name too: it is not a shop, and uninstalls nothing.
    expect(await send("app/uninstalled", fixture("two-box-order.fulfillment-a.create"))).toMatchObject({ status: 400, body: expect.stringMatching(/plan_name/) });
    expect(await db.prisma.session.count({ where: { shop: SHOP } })).toBe(1);
    const uninstall = shopifyExample("2026-07", "app/uninstalled", SHOP);
    // A captured uninstall sent again while the app is installed: Shopify still takes the token.
    shopifyTakesTheToken = true;
    expect(await send("app/uninstalled", uninstall)).toMatchObject({ status: 200, body: expect.stringMatching(/^ignored/) });
    expect(await db.prisma.session.count({ where: { shop: SHOP } })).toBe(1);
    expect(await db.prisma.shop.findUnique({ where: { domain: SHOP } })).toBeNull();
    shopifyTakesTheToken = false;
    const answer = await send("app/uninstalled", uninstall);
    expect(answer.status).toBe(200);
    expect(await db.prisma.session.count({ where: { shop: SHOP } })).toBe(0);
    expect((await db.prisma.shop.findUniqueOrThrow({ where: { domain: SHOP } })).uninstalledAt).toBeInstanceOf(Date);
  });
});

function withPayload([topic, name]: [string, string]): [string, unknown] {
  return [topic, fixture(name)];
}
