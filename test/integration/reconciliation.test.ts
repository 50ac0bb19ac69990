/**
 * Reconciliation with Shopify through the app's real Admin client (unauthenticated.admin with the
 * shop's stored, encrypted offline session) against a local fake Admin API
 * (test/support/fake-admin-api.ts), on the database TEST_DATABASE names.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverOnce, fixture } from "../../app/domain/fixtures/load";
import { registerJob } from "../../app/jobs/registry.server";
import { runDueJobs } from "../../app/jobs/scheduler.server";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import { scheduleBackfill, BACKFILL_JOB } from "../../app/sources/shopify-reconciliation/backfill-schedule.server";
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";
import { backfillRecentOrders, type BackfillState } from "../../app/sources/shopify-reconciliation/backfill.server";
import {
  recheckOrders,
  reconcileUpdatedOrders,
  type ReconcileDeps,
  type WatermarkState,
} from "../../app/sources/shopify-reconciliation/reconcile.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { replayAll } from "../../app/store/replay.server";
import type { TestDatabase } from "../support/database";
import { graphqlOrderFromRest, type FakeAdminApi } from "../support/fake-admin-api";
import { shopAgainstFakeAdmin, type ShopAgainstFakeAdmin } from "../support/shop-against-fake-admin";

const SHOP = "test-shop.myshopify.com";
const TWO_BOX = "5801234567001";
let db: TestDatabase;
let writer: SqlWriterConnection;
let fake: FakeAdminApi;
let graphql: GraphqlCall;
let sleeps: number[];
let deps: ReconcileDeps;

/** n single-parcel orders #2000.., each with a fulfillment and an in-transit scan, updated a minute apart. */
function parcels(n: number, from = 0): GqlOrder[] {
  const order = fixture("single-parcel.create");
  const fulfillment = fixture("single-parcel.fulfillment.create");
  const scan = fixture("single-parcel.event-in-transit");
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const at = new Date(Date.UTC(2026, 2, 5, 12, i)).toISOString();
    const id = 7_000_000 + i;
    return graphqlOrderFromRest(
      { ...order, id, name: `#${2000 + i}`, updated_at: at, line_items: (order.line_items as object[]).map((l) => ({ ...l, id: 8_000_000 + i })) },
      [{ ...fulfillment, id: 9_000_000 + i, order_id: id, tracking_number: `PAR${i}`, tracking_numbers: [`PAR${i}`], line_items: [{ ...(fulfillment.line_items as object[])[0], id: 8_000_000 + i }] }],
      [{ ...scan, id: 9_500_000 + i, fulfillment_id: 9_000_000 + i, order_id: id }],
    );
  });
}

const twoBoxAsAdminShowsIt = () =>
  graphqlOrderFromRest(
    fixture("two-box-order.create"),
    [fixture("two-box-order.fulfillment-a.create"), fixture("two-box-order.fulfillment-b.create")],
    [fixture("two-box-order.fulfillment-a.event-in-transit"), fixture("two-box-order.fulfillment-a.event-delivered")],
  );

async function webhooks(...deliveries: Array<[string, string]>) {
  const events = deliveries.flatMap(([topic, name]) => deliverOnce(topic, name)).map((e) => ({ ...e, raw: "{}" }));
  await recordSubmissions(writer, [{ shop: SHOP, events, receivedAt: new Date("2026-03-06T00:00:00Z") }]);
}

/** A job context whose state lives in a plain object, as JobRun.state would. */
function context<S extends object>(initial: S = {} as S) {
  const box = { state: initial };
  return {
    box,
    ctx: { shop: SHOP, now: new Date("2026-03-06T12:00:00Z"), get state() { return box.state; }, saveState: async (s: S) => void (box.state = s) },
  };
}

let shop: ShopAgainstFakeAdmin;
beforeAll(async () => {
  shop = await shopAgainstFakeAdmin(SHOP, "shpat_offline_test");
  ({ db, writer, fake, graphql } = shop);
}, 60_000);
afterAll(async () => shop?.stop());
beforeEach(async () => {
  const p = db.prisma;
  for (const model of [p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.jobRun]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
  fake.orders = [];
  fake.requests = [];
  fake.bulkPollsUntilDone = 1;
  fake.bucket.maximumAvailable = 2000;
  fake.bucket.available = 2000;
  fake.bucket.restoreRate = 100_000;
  sleeps = [];
  deps = { db: db.prisma, record: (s) => recordSubmissions(writer, s), graphql, sleep: async (ms) => void sleeps.push(ms) };
});

async function order(orderId: string) {
  const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId } } });
  return row && JSON.parse(row.document);
}

describe(`reconciliation on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("repairs a missed webhook, visibly, and records nothing when nothing was missed", async () => {
    await webhooks(["orders/create", "two-box-order.create"], ["fulfillments/create", "two-box-order.fulfillment-a.create"], ["fulfillment_events/create", "two-box-order.fulfillment-a.event-in-transit"]);
    fake.orders = [twoBoxAsAdminShowsIt()];
    const { box, ctx } = context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" });
    const report = await reconcileUpdatedOrders(deps, ctx);
    expect(report).toMatchObject({ checked: 1, repaired: 1, missed: ["#1001: fulfillment #1001.2", "#1001: tracking event delivered"] });
    const doc = await order(TWO_BOX);
    expect(doc.status).toBe("partially_delivered");
    const claim = await db.prisma.sourceClaim.findUnique({ where: { shop_orderId_source: { shop: SHOP, orderId: TWO_BOX, source: "reconciliation" } } });
    expect(claim?.claim).toMatch(/delivered/);
    expect(await db.prisma.event.count({ where: { source: "reconciliation" } })).toBe(2);
    // The order Shopify answered with is kept as the raw copy, but not its customer's contact data.
    // It is kept once per order and read; the other events of that read name the one that holds it.
    const raws = (await db.prisma.event.findMany({ where: { source: "reconciliation" }, select: { raw: true, dedupeKey: true }, orderBy: { id: "asc" } })).map((e) => e.raw);
    expect(raws.filter((raw) => raw.includes('"displayFulfillmentStatus"'))).toHaveLength(1);
    expect(raws.filter((raw) => raw.includes('"readWith"'))).toHaveLength(raws.length - 1);
    for (const raw of raws) {
      expect(raw.toLowerCase()).not.toContain("camille.tremblay@example.com");
      expect(raw).not.toContain("555-0142");
    }
    expect(box.state).toEqual({ watermark: "2026-03-02T14:15:13Z" });
    // Shopify's search trails writes: each run starts five minutes before the watermark.
    expect(fake.requests[0]!.variables.query).toBe("updated_at:>='2026-02-28T23:55:00Z'");

    const again = await reconcileUpdatedOrders(deps, ctx);
    expect(again).toMatchObject({ checked: 1, repaired: 0, events: 0 });
    expect(fake.requests.filter((r) => r.operation === "ReconcileUpdatedOrders")[1]!.variables.query).toBe("updated_at:>='2026-03-02T14:10:13Z'");
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("pages with cursors and resumes after a failure mid-run from the saved position", async () => {
    fake.orders = parcels(25);
    const { box, ctx } = context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" });
    const failingGraphql: GraphqlCall = async (query, variables) => {
      if (variables.after) fake.failNext(100, 500);
      return graphql(query, variables);
    };
    await expect(reconcileUpdatedOrders({ ...deps, graphql: failingGraphql }, ctx)).rejects.toThrow();
    // The watermark moved with the first page (to the earliest of its last three orders); the search resumes at its cursor.
    expect(box.state).toMatchObject({ watermark: "2026-03-05T12:07:00Z", search: { since: "2026-02-28T23:55:00Z", cursor: expect.any(String), listed: 10 } });
    expect(await db.prisma.order.count()).toBe(10);
    expect(sleeps.length).toBeGreaterThan(0);

    fake.failNext(0, 500);
    fake.requests = [];
    const savedCursor = (box.state as WatermarkState).search?.cursor;
    const report = await reconcileUpdatedOrders(deps, ctx);
    expect(fake.requests[0]!.variables).toMatchObject({ after: savedCursor, query: "updated_at:>='2026-02-28T23:55:00Z'" });
    expect(report.checked).toBe(15);
    expect(await db.prisma.order.count()).toBe(25);
    expect(box.state).toEqual({ watermark: "2026-03-05T12:24:00Z" });
    expect((await order("7000024")).status).toBe("in_transit");
  });

  it("waits out THROTTLED answers by the refill they need, and paces calls to the bucket", async () => {
    fake.orders = parcels(3);
    fake.bucket.restoreRate = 50;
    fake.throttleNext(2, 40);
    // Waiting refills the fake's bucket as the time would.
    deps.sleep = async (ms) => {
      sleeps.push(ms);
      fake.bucket.available = Math.min(fake.bucket.maximumAvailable, fake.bucket.available + (ms / 1000) * fake.bucket.restoreRate);
    };
    const { ctx } = context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" });
    const report = await reconcileUpdatedOrders(deps, ctx);
    expect(report.checked).toBe(3);
    // A page's requested cost, 40 points available, 50 restored per second: (cost - 40) / 50 s.
    const wait = Math.ceil(((fake.requests[0]!.requestedQueryCost! - 40) / 50) * 1000);
    expect(sleeps.slice(0, 2)).toEqual([wait, wait]);
    expect(fake.requests.filter((r) => r.operation === "ReconcileUpdatedOrders")).toHaveLength(3);

    // A bucket that held the first page but not another like it: the next call waits for the refill.
    sleeps = [];
    fake.requests = [];
    fake.bucket.available = 740;
    await reconcileUpdatedOrders(deps, context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" }).ctx);
    const first = fake.requests[0]!;
    const left = 740 - first.actualQueryCost!;
    // The bucket also refills (50 a second) while the page is answered, so the wait is at most this.
    expect(sleeps[0]).toBeGreaterThan(0);
    expect(sleeps[0]).toBeLessThanOrEqual(Math.ceil(((first.requestedQueryCost! - left) / 50) * 1000));
  });

  it("asks less of a shop whose bucket is smaller than a page, and again smaller when Shopify prices a page above the limit", async () => {
    fake.orders = parcels(7);
    // A shop's bucket depends on its plan; a page of 10 orders (732 points) never fits one of 300.
    fake.bucket.maximumAvailable = 300;
    fake.bucket.available = 300;
    const report = await reconcileUpdatedOrders(deps, context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" }).ctx);
    expect(report.checked).toBe(7);
    const pages = () => fake.requests.filter((r) => r.operation === "ReconcileUpdatedOrders");
    // Refused twice, then never more than the largest page that ran.
    expect(pages().map((r) => r.variables.first)).toEqual([10, 5, 2, 2, 2, 2]);
    expect(pages().slice(2).every((r) => r.requestedQueryCost! <= 300)).toBe(true);

    // Shopify may price a field above the documented defaults our estimate uses: it refuses, we halve.
    fake.requests = [];
    fake.bucket.maximumAvailable = 2000;
    fake.bucket.available = 2000;
    const pricedHigher: GraphqlCall = async (query, variables) =>
      Number(variables.first) > 4
        ? { errors: [{ message: "Query cost is 1464, which exceeds the single query max cost limit (1000).", extensions: { code: "MAX_COST_EXCEEDED" } }] }
        : graphql(query, variables);
    await db.prisma.event.deleteMany();
    const again = await reconcileUpdatedOrders({ ...deps, graphql: pricedHigher }, context<WatermarkState>({ watermark: "2026-03-01T00:00:00.000Z" }).ctx);
    expect(again.checked).toBe(7);
    expect(pages().map((r) => r.variables.first)).toEqual([2, 2, 2, 2]);
  });

  it("fails a run on a refused token and records the error on the job, without the token", async () => {
    const { adminGraphqlForShop } = await import("../../app/sources/shopify-reconciliation/shopify-admin.server");
    const { sessionStorage } = await import("../../app/shopify.server");
    const { Session } = await import("@shopify/shopify-api");
    const OTHER = "revoked-shop.myshopify.com";
    await sessionStorage.storeSession(new Session({ id: `offline_${OTHER}`, shop: OTHER, state: "", isOnline: false, accessToken: "shpat_revoked", scope: "read_orders" }));
    const revoked = await adminGraphqlForShop(OTHER);
    const job = registerJob("reconcile-test", 15 * 60_000, (c) => reconcileUpdatedOrders({ ...deps, graphql: revoked }, { ...c, state: c.state as WatermarkState, saveState: c.saveState }).then(() => undefined), {
      shops: async () => [OTHER],
    });
    const [run] = await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "t" });
    expect(run).toMatchObject({ ok: false, error: expect.stringMatching(/AdminApiError: Admin API answered HTTP 401/) });
    const row = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: "reconcile-test", shop: OTHER } } });
    expect(row.lastError).not.toContain("shpat_");
  });

  it("backfills recent orders with a bulk operation, resuming the same operation after a restart", async () => {
    fake.orders = parcels(30);
    fake.bulkPollsUntilDone = 100;
    const { box, ctx } = context<BackfillState>();
    const first = await backfillRecentOrders(deps, { ...ctx, now: new Date("2026-03-06T00:00:00Z") }, { pollIntervalMs: 0 });
    expect(first.finished).toBe(false);
    expect(box.state).toMatchObject({ operationId: "gid://shopify/BulkOperation/900", since: "2026-01-05T00:00:00.000Z", processed: 0 });
    const started = fake.requests.find((r) => r.operation === "StartOrderBackfill");
    expect(started?.variables.query).toBe(`{ orders(query: "updated_at:>='2026-01-05T00:00:00.000Z'") { edges { node { id updatedAt } } } }`);

    fake.bulkPollsUntilDone = 0;
    const second = await backfillRecentOrders(deps, { ...ctx, now: new Date("2026-03-06T00:00:00Z") }, { pollIntervalMs: 0 });
    expect(second).toMatchObject({ finished: true, report: { checked: 30, repaired: 30 } });
    expect(fake.requests.filter((r) => r.operation === "StartOrderBackfill")).toHaveLength(1);
    expect(await db.prisma.order.count()).toBe(30);
    expect(box.state).toMatchObject({ done: true, processed: 30 });
    expect((await backfillRecentOrders(deps, ctx)).finished).toBe(true);
    expect(fake.requests.filter((r) => r.operation === "StartOrderBackfill")).toHaveLength(1);
  });

  it("schedules a backfill on install, keeps it on token renewal, and renews it on reinstall", async () => {
    const now = new Date("2026-03-06T00:00:00Z");
    await scheduleBackfill(db.prisma, SHOP, now);
    await db.prisma.jobRun.update({ where: { job_shop: { job: BACKFILL_JOB, shop: SHOP } }, data: { state: '{"done":true}', nextRunAt: new Date("2026-04-06T00:00:00Z") } });
    await scheduleBackfill(db.prisma, SHOP, now);
    expect((await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: BACKFILL_JOB, shop: SHOP } } })).state).toBe('{"done":true}');
    await db.prisma.shop.upsert({ where: { domain: SHOP }, create: { domain: SHOP, uninstalledAt: now }, update: { uninstalledAt: now } });
    await scheduleBackfill(db.prisma, SHOP, now);
    const row = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: BACKFILL_JOB, shop: SHOP } } });
    expect(row).toMatchObject({ state: "{}", nextRunAt: now });
    await db.prisma.shop.deleteMany();
  });

  it("rechecks given orders on demand and names the ids Shopify does not show", async () => {
    await webhooks(["orders/create", "two-box-order.create"]);
    fake.orders = [twoBoxAsAdminShowsIt()];
    const report = await recheckOrders(deps, SHOP, [TWO_BOX, "999", TWO_BOX]);
    expect(report).toMatchObject({ checked: 1, repaired: 1, notShown: ["999"] });
    expect(fake.requests[0]!.variables.ids).toEqual([`gid://shopify/Order/${TWO_BOX}`, "gid://shopify/Order/999"]);
    expect((await order(TWO_BOX)).status).toBe("partially_delivered");
    expect(await recheckOrders(deps, SHOP, [TWO_BOX])).toMatchObject({ checked: 1, repaired: 0 });
  });
});
