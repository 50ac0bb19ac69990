// Reconciliation against the fake Admin API where Shopify's limits bite: one search stops paginating
// at a cap, search trails writes, an order holds more than a first page of anything, holds change
// without a webhook, and an offline token expires mid-run. The fake executes every document against
// the 2026-07 schema and refuses any whose requested cost exceeds 1,000 (decision 026).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OrderEvent } from "../../app/domain/events";
import { fixture } from "../../app/domain/fixtures/load";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";
import { recheckOrders, reconcileUpdatedOrders, type ReconcileDeps, type WatermarkState } from "../../app/sources/shopify-reconciliation/reconcile.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { replayAll } from "../../app/store/replay.server";
import type { TestDatabase } from "../support/database";
import { graphqlOrderFromRest, type appAgainstFakeAdmin, type FakeAdminApi } from "../support/fake-admin-api";
import { shopAgainstFakeAdmin, type ShopAgainstFakeAdmin } from "../support/shop-against-fake-admin";

const SHOP = "limits-shop.myshopify.com";
const SHOPIFY_QUERY_LIMIT = 1000;
let db: TestDatabase;
let writer: SqlWriterConnection;
let fake: FakeAdminApi;
let app: Awaited<ReturnType<typeof appAgainstFakeAdmin>>;
let graphql: GraphqlCall;
let deps: ReconcileDeps;

const BASE = Date.UTC(2026, 2, 5, 12, 0, 0);

/** Unshipped orders #3000.., the i-th updated `secondOf(i)` seconds after BASE. */
function orders(n: number, secondOf: (i: number) => number = (i) => i): GqlOrder[] {
  const order = fixture("single-parcel.create");
  return Array.from({ length: n }, (_, i) =>
    graphqlOrderFromRest({
      ...order,
      id: 7_100_000 + i,
      name: `#${3000 + i}`,
      updated_at: new Date(BASE + secondOf(i) * 1000).toISOString(),
      line_items: (order.line_items as object[]).map((l) => ({ ...l, id: 8_100_000 + i })),
    }),
  );
}

function context(initial: WatermarkState = {}) {
  const box = { state: initial };
  return { box, ctx: { shop: SHOP, now: new Date("2026-03-06T12:00:00Z"), get state() { return box.state; }, saveState: async (s: WatermarkState) => void (box.state = s) } };
}

const ordersCompared = async () => new Set((await db.prisma.event.findMany({ where: { shop: SHOP, kind: "order_snapshot" }, select: { orderId: true } })).map((r) => r.orderId));

let shop: ShopAgainstFakeAdmin;
beforeAll(async () => {
  shop = await shopAgainstFakeAdmin(SHOP, "shpat_limits");
  ({ db, writer, fake, graphql, app } = shop);
}, 60_000);
afterAll(async () => shop?.stop());
beforeEach(async () => {
  const p = db.prisma;
  for (const model of [p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.fulfillmentOrderLink]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
  fake.orders = [];
  fake.requests = [];
  fake.searchCap = 25_000;
  fake.searchLagMs = 0;
  fake.now = Date.now;
  fake.bucket.available = fake.bucket.maximumAvailable;
  deps = { db: db.prisma, record: (s) => recordSubmissions(writer, s), graphql, sleep: async () => undefined };
});

describe(`reconciliation within Shopify's limits on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("finishes a backlog larger than one search can page through, a page at a time", async () => {
    // 60,000 orders against a 25,000 cap, scaled down: 300 orders, a cap of 120, a new search every 100.
    fake.orders = orders(300);
    fake.searchCap = 120;
    const { box, ctx } = context({ watermark: "2026-03-05T11:00:00Z" });

    // Paging one search to its end stops at the cap, as Shopify does: the run cannot finish that way.
    await expect(reconcileUpdatedOrders(deps, ctx, { ordersPerSearch: 10_000 })).rejects.toThrow(/paging is limited to the first 120 results/);
    // Saved with every page: the earliest of the last three orders the search had reached.
    expect(box.state.watermark).toBe(new Date(BASE + 117_000).toISOString().replace(".000Z", "Z"));

    await db.prisma.event.deleteMany();
    const fresh = context({ watermark: "2026-03-05T11:00:00Z" });
    const report = await reconcileUpdatedOrders(deps, fresh.ctx, { ordersPerSearch: 100 });
    expect(report.checked).toBeGreaterThanOrEqual(300);
    expect((await ordersCompared()).size).toBe(300);
    expect(fresh.box.state).toEqual({ watermark: new Date(BASE + 299_000).toISOString().replace(".000Z", "Z") });
    const searches = new Set(fake.requests.filter((r) => r.operation === "ReconcileUpdatedOrders").map((r) => r.variables.query));
    expect(searches.size).toBeGreaterThanOrEqual(3);
    expect(fake.requests.every((r) => (r.requestedQueryCost ?? 0) <= SHOPIFY_QUERY_LIMIT)).toBe(true);
  });

  it("continues a stopped run from the page it reached, and compares orders that share a second across a new search", async () => {
    // 40 orders saved in the same second straddle the point where a new search starts.
    fake.orders = orders(90, (i) => (i >= 30 && i < 70 ? 30 : i));
    const { box, ctx } = context({ watermark: "2026-03-05T11:00:00Z" });
    let pages = 0;
    const stopsAfterFourPages: GraphqlCall = async (query, variables) => {
      if (/query ReconcileUpdatedOrders/.test(query) && ++pages > 4) throw new Error("process stopped");
      return graphql(query, variables);
    };
    await expect(reconcileUpdatedOrders({ ...deps, graphql: stopsAfterFourPages }, ctx, { ordersPerSearch: 25 })).rejects.toThrow("process stopped");
    const stoppedAt = box.state;
    expect(stoppedAt.watermark).toBeDefined();
    expect(stoppedAt.search).toBeDefined();

    fake.requests = [];
    await reconcileUpdatedOrders(deps, ctx, { ordersPerSearch: 25 });
    expect((await ordersCompared()).size).toBe(90);
    // The resumed run went on from the saved search, not from the start of the backlog.
    expect(fake.requests[0]!.variables).toMatchObject({ after: stoppedAt.search!.cursor, query: `updated_at:>='${stoppedAt.search!.since}'` });
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("does not let an order changed while search lags carry a new search past orders not listed yet", async () => {
    fake.orders = orders(300);
    // Shopify sorts by the time its index holds but answers the order as it is now: #3038 was changed
    // during the run, so it sits among the old ones with a new update time, last on a page after which a new search starts.
    const changedDuringRun: GraphqlCall = async (query, variables) => {
      const body = await graphql(query, variables);
      const nodes = (body.data as { orders?: { nodes: Array<{ name: string; updatedAt: string }> } } | null)?.orders?.nodes ?? [];
      for (const node of nodes) if (node.name === "#3038") node.updatedAt = "2026-03-06T11:59:00Z";
      return body;
    };
    const { box, ctx } = context({ watermark: "2026-03-05T11:00:00Z" });
    await reconcileUpdatedOrders({ ...deps, graphql: changedDuringRun }, ctx, { ordersPerSearch: 25 });
    expect((await ordersCompared()).size).toBe(300);
    expect(box.state).toEqual({ watermark: "2026-03-06T11:59:00Z" });
  });

  it("compares nothing of an order Shopify answered only in part, compares the others, and reads it whole later", async () => {
    fake.orders = orders(3).map((o, i) => (i === 1 ? graphqlOrderFromRest({ ...fixture("single-parcel.create"), id: 7_100_001, name: "#3001", updated_at: o.updatedAt }, [{ ...fixture("single-parcel.fulfillment.create"), id: 9_300_001, order_id: 7_100_001 }]) : o));
    let refuse = true;
    // One fulfillment's details come back as null (a node Shopify would not show), then a field error.
    const partly: GraphqlCall = async (query, variables) => {
      const body = await graphql(query, variables);
      if (refuse && /query ReconcileFulfillmentDetails/.test(query)) {
        if ((variables.ids as string[]).length > 1) return { errors: [{ message: "Internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }], extensions: body.extensions };
        return { ...body, data: { nodes: [null] } };
      }
      return body;
    };
    const first = await recheckOrders({ ...deps, graphql: partly }, SHOP, ["7100000", "7100001", "7100002"]);
    expect(first).toMatchObject({ checked: 2, unreadable: ["#3001"] });
    expect([...(await ordersCompared())].sort()).toEqual(["7100000", "7100002"]);

    refuse = false;
    expect(await recheckOrders(deps, SHOP, ["7100001"])).toMatchObject({ checked: 1, repaired: 1, unreadable: [] });
    const snapshot = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, orderId: "7100001", kind: "order_snapshot" } });
    expect(JSON.parse(snapshot.data).fulfillments[0].lineItems).toHaveLength(1);
  });

  it("leaves a fulfillment order's holds alone when the log heard of them after Shopify was read", async () => {
    fake.orders = orders(1);
    await recheckOrders(deps, SHOP, ["7100000"]);
    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/6200", { orderId: fake.orders[0]!.id, status: "OPEN", updatedAt: "2026-03-05T12:30:00Z", fulfillmentHolds: [] });
    // The hold webhook lands while the order is being read.
    const holdArrivesDuringRead: GraphqlCall = async (query, variables) => {
      const body = await graphql(query, variables);
      if (/query ReconcileOrdersById/.test(query)) {
        const event: OrderEvent = {
          source: "shopify",
          kind: "fulfillment_hold_added",
          orderId: "7100000",
          occurredAt: "2026-03-05T12:31:00.000Z",
          dedupeKey: "wh-hold-during-read",
          data: { fulfillmentOrderId: "6200", holdId: "61", reason: "incorrect_address" },
        };
        await recordSubmissions(writer, [{ shop: SHOP, events: [{ ...event, raw: "{}" }], receivedAt: new Date(Date.now() + 1000) }]);
      }
      return body;
    };
    const report = await recheckOrders({ ...deps, graphql: holdArrivesDuringRead }, SHOP, ["7100000"]);
    expect(report.missed).toEqual([]);
    const status = JSON.parse((await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: "7100000" } } })).document).status;
    expect(status).toBe("on_hold");
  });

  it("stops a long run at its time limit and goes on from there, and starts again when Shopify refuses a saved cursor", async () => {
    fake.orders = orders(40);
    let now = 0;
    const clock = () => now;
    const pagesTakeAMinute: GraphqlCall = async (query, variables) => {
      if (/query ReconcileUpdatedOrders/.test(query)) now += 60_000;
      return graphql(query, variables);
    };
    const { box, ctx } = context({ watermark: "2026-03-05T11:00:00Z" });
    const first = await reconcileUpdatedOrders({ ...deps, graphql: pagesTakeAMinute }, ctx, { timeLimitMs: 120_000, clock });
    expect(first).toMatchObject({ more: true, checked: 20 });
    const second = await reconcileUpdatedOrders({ ...deps, graphql: pagesTakeAMinute }, ctx, { timeLimitMs: 120_000, clock });
    expect(second).toMatchObject({ more: false, checked: 20 });
    expect((await ordersCompared()).size).toBe(40);

    // A cursor saved by an earlier version of the search: Shopify refuses it, the run starts over from the watermark.
    box.state = { watermark: "2026-03-05T12:00:20Z", search: { since: "2026-03-05T11:55:20Z", cursor: "not-a-cursor-shopify-issued", listed: 10 } };
    const restarted = await reconcileUpdatedOrders(deps, ctx);
    expect(restarted.checked).toBe(40);
    expect(box.state).toEqual({ watermark: "2026-03-05T12:00:39Z" });
  });

  it("reads an order saved just before the watermark that Shopify's search listed only later", async () => {
    fake.searchLagMs = 60_000;
    // The fake's clock (search index, bucket refill) starts at the real time and runs only when told.
    let clock = Date.now();
    fake.now = () => clock;
    // Waiting for the bucket lets the fake's clock run.
    deps.sleep = async (ms) => void (clock += ms);
    const [early, late] = orders(2, (i) => (i === 0 ? 60 : 120));
    fake.putOrder(late!);
    clock += 120_000;
    // Saved at 12:01 but indexed a minute after it was put, which is after the run below began.
    fake.putOrder(early!);
    const { box, ctx } = context({ watermark: "2026-03-05T11:00:00Z" });
    await reconcileUpdatedOrders(deps, ctx);
    expect([...(await ordersCompared())]).toEqual(["7100001"]);
    expect(box.state.watermark).toBe("2026-03-05T12:02:00Z");

    clock += 120_000;
    await reconcileUpdatedOrders(deps, ctx);
    expect([...(await ordersCompared())].sort()).toEqual(["7100000", "7100001"]);
  });

  it("reads every line item, fulfillment, tracking event and refund line of a large order, each query within the limit", async () => {
    const order = fixture("single-parcel.create");
    const lineItems = Array.from({ length: 45 }, (_, i) => ({ ...(order.line_items as object[])[0], id: 8_200_000 + i, sku: `SKU-${i}`, quantity: 1 }));
    const fulfillments = Array.from({ length: 8 }, (_, f) => ({
      ...fixture("single-parcel.fulfillment.create"),
      id: 9_200_000 + f,
      order_id: 7_200_000,
      name: `#4000.${f + 1}`,
      tracking_number: `BIG${f}`,
      tracking_numbers: [`BIG${f}`],
      // The first box carries 30 lines, the rest one each of the remaining 15.
      line_items: (f === 0 ? lineItems.slice(0, 30) : lineItems.slice(30 + (f - 1) * 2, 30 + f * 2)).map((l) => ({ ...l })),
    }));
    const scan = fixture("single-parcel.event-in-transit");
    const events = Array.from({ length: 60 }, (_, e) => ({
      ...scan,
      id: 9_600_000 + e,
      fulfillment_id: 9_200_000,
      order_id: 7_200_000,
      status: e === 59 ? "out_for_delivery" : "in_transit",
      happened_at: new Date(Date.UTC(2026, 2, 3, 0, e)).toISOString(),
    }));
    const refunds = Array.from({ length: 7 }, (_, r) => ({
      id: 9_800_000 + r,
      created_at: "2026-03-04T10:00:00Z",
      refund_line_items: lineItems.slice(0, 25).map((l) => ({ line_item_id: l.id, quantity: 0, restock_type: "no_restock" })),
    }));
    fake.orders = [graphqlOrderFromRest({ ...order, id: 7_200_000, name: "#4000", updated_at: "2026-03-05T12:00:00Z", line_items: lineItems }, fulfillments, events, refunds)];

    const report = await recheckOrders(deps, SHOP, ["7200000"]);
    expect(report).toMatchObject({ checked: 1, repaired: 1, incomplete: [], notShown: [] });
    const stored = await db.prisma.event.findMany({ where: { shop: SHOP, orderId: "7200000" }, select: { kind: true, data: true } });
    const snapshot = JSON.parse(stored.find((e) => e.kind === "order_snapshot")!.data);
    expect(snapshot.lineItems).toHaveLength(45);
    expect(snapshot.fulfillments).toHaveLength(8);
    expect(snapshot.fulfillments.find((f: { id: string }) => f.id === "9200000").lineItems).toHaveLength(30);
    expect(stored.filter((e) => e.kind === "fulfillment_event")).toHaveLength(60);
    const storedRefunds = stored.filter((e) => e.kind === "refund").map((e) => JSON.parse(e.data));
    expect(storedRefunds).toHaveLength(7);
    expect(storedRefunds.every((r: { lines: unknown[] }) => r.lines.length === 25)).toBe(true);

    const operations = new Set(fake.requests.map((r) => r.operation));
    for (const followUp of ["ReconcileOrderLineItems", "ReconcileOrderFulfillmentsAndRefunds", "ReconcileFulfillmentDetails", "ReconcileFulfillmentLineItems", "ReconcileFulfillmentEvents", "ReconcileRefundDetails", "ReconcileRefundLineItems"]) {
      expect(operations).toContain(followUp);
    }
    expect(fake.requests.every((r) => (r.requestedQueryCost ?? 0) <= SHOPIFY_QUERY_LIMIT)).toBe(true);
    const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId: "7200000" } } });
    // The newest of 60 scans decides the first parcel's state.
    expect(JSON.parse(row!.document).shipments.find((s: { trackingNumbers: string[] }) => s.trackingNumbers.includes("BIG0")).status).toBe("out_for_delivery");
  });

  it("heals a missed hold release and a missed hold from the fulfillment orders Shopify shows", async () => {
    fake.orders = orders(1);
    const orderGid = fake.orders[0]!.id;
    const hold = (kind: "fulfillment_hold_added", fulfillmentOrderId: string, holdId: string): OrderEvent => ({
      source: "shopify",
      kind,
      orderId: "7100000",
      occurredAt: "2026-03-05T11:00:00.000Z",
      dedupeKey: `wh-hold-${holdId}`,
      data: { fulfillmentOrderId, holdId, reason: "incorrect_address" },
    });
    const placed = await recheckOrders(deps, SHOP, ["7100000"]);
    expect(placed.repaired).toBe(1);
    await recordSubmissions(writer, [{ shop: SHOP, events: [{ ...hold("fulfillment_hold_added", "6100", "51"), raw: "{}" }], receivedAt: new Date() }]);
    const status = async () => JSON.parse((await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId: "7100000" } } }))!.document).status;
    expect(await status()).toBe("on_hold");

    // Shopify released it (the webhook never came) and placed another fulfillment order on hold.
    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/6100", { orderId: orderGid, status: "OPEN", updatedAt: "2026-03-05T12:30:00Z", fulfillmentHolds: [] });
    const report = await recheckOrders(deps, SHOP, ["7100000"]);
    expect(report.missed).toEqual(["#3000: release of fulfillment order 6100"]);
    expect(await status()).toBe("unfulfilled");

    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/6101", {
      orderId: orderGid,
      status: "ON_HOLD",
      updatedAt: "2026-03-05T12:40:00Z",
      fulfillmentHolds: [{ id: "gid://shopify/FulfillmentHold/52", reason: "AWAITING_PAYMENT" }],
    });
    expect((await recheckOrders(deps, SHOP, ["7100000"])).missed).toEqual(["#3000: hold on fulfillment order 6101"]);
    expect(await status()).toBe("on_hold");
    expect((await recheckOrders(deps, SHOP, ["7100000"])).repaired).toBe(0);
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("refreshes an expired offline token mid-run and retries the refused call once", async () => {
    const EXPIRING = "expiring-shop.myshopify.com";
    fake.orders = orders(25);
    fake.refreshToken = "shprt_first";
    fake.rotateAccessToken("shpat_first_hour");
    await app.storeOfflineSession(EXPIRING, "shpat_first_hour", "read_orders,read_fulfillments", { expires: new Date(Date.now() + 3_600_000), refreshToken: "shprt_first" });
    const call = await app.adminGraphqlForShop(EXPIRING);
    let pages = 0;
    const hourPassesAfterFirstPage: GraphqlCall = async (query, variables) => {
      if (/query ReconcileUpdatedOrders/.test(query) && ++pages === 2) {
        // An hour later: Shopify no longer takes the token, and the stored session says it expired.
        fake.rotateAccessToken("shpat_not_yet_issued");
        await db.prisma.session.update({ where: { id: `offline_${EXPIRING}` }, data: { expires: new Date(Date.now() - 1000) } });
      }
      return call(query, variables);
    };
    const report = await reconcileUpdatedOrders({ ...deps, graphql: hourPassesAfterFirstPage }, context({ watermark: "2026-03-05T11:00:00Z" }).ctx);
    expect(report.checked).toBe(25);
    expect(fake.refreshedTokens).toEqual(["shpat_refreshed_1"]);
    // The refreshed session was stored: a job started now uses the new token without refreshing again.
    const later = await app.adminGraphqlForShop(EXPIRING);
    expect((await later("query StillInstalled { shop { id } }", {})).data).toMatchObject({ shop: { id: expect.any(String) } });
    expect(fake.refreshedTokens).toHaveLength(1);
    fake.rotateAccessToken("shpat_limits");
    fake.refreshToken = null;
  });
});
