/**
 * The install backfill against the fake Admin API's scripted bulk operations, through the app's real
 * Admin client, on the database TEST_DATABASE names: every bulk status, retries minutes apart through
 * the scheduler, resuming from the saved position, and what the Overview's loader shows of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { registerJob } from "../../app/jobs/registry.server";
import { runDueJobs } from "../../app/jobs/scheduler.server";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import { BACKFILL_JOB } from "../../app/sources/shopify-reconciliation/backfill-schedule.server";
import {
  BACKFILL_DONE_RECHECK_MS,
  backfillRecentOrders,
  runBackfillJob,
  type BackfillOptions,
  type BackfillState,
} from "../../app/sources/shopify-reconciliation/backfill.server";
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";
import { RECONCILIATION_JOB, type ReconcileDeps, type WatermarkState } from "../../app/sources/shopify-reconciliation/reconcile.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { appAgainstFakeAdmin, graphqlOrderFromRest, startFakeAdminApi, type FakeAdminApi } from "../support/fake-admin-api";

const SHOP = "backfill-shop.myshopify.com";
const T0 = new Date("2026-03-06T00:00:00.000Z");
const SINCE = "2026-01-05T00:00:00.000Z";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let db: TestDatabase;
let writer: SqlWriterConnection;
let fake: FakeAdminApi;
let graphql: GraphqlCall;
let deps: ReconcileDeps;
let startedBefore = 0;

// The Overview's loader runs as the signed-in shop, on the test database.
vi.mock(import("../../app/admin.server"), () => ({ requireAdmin: async () => ({ shop: SHOP, demo: false, graphql: null }) }));
vi.mock(import("../../app/db.server"), async (original) => ({ ...(await original()), getPrisma: () => db.prisma }));

/** n single-parcel orders, each with a fulfillment and an in-transit scan, updated a minute apart on 5 March. */
function parcels(n: number): GqlOrder[] {
  const order = fixture("single-parcel.create");
  const fulfillment = fixture("single-parcel.fulfillment.create");
  const scan = fixture("single-parcel.event-in-transit");
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.UTC(2026, 2, 5, 12, i)).toISOString();
    const id = 7_100_000 + i;
    return graphqlOrderFromRest(
      { ...order, id, name: `#${3000 + i}`, updated_at: at, line_items: (order.line_items as object[]).map((l) => ({ ...l, id: 8_100_000 + i })) },
      [{ ...fulfillment, id: 9_100_000 + i, order_id: id, tracking_number: `BF${i}`, tracking_numbers: [`BF${i}`], line_items: [{ ...(fulfillment.line_items as object[])[0], id: 8_100_000 + i }] }],
      [{ ...scan, id: 9_600_000 + i, fulfillment_id: 9_100_000 + i, order_id: id }],
    );
  });
}

const OPTIONS: BackfillOptions = { pollIntervalMs: 0, chunkSize: 4, clock: () => T0 };

/** A job context whose state lives in a plain object, as JobRun.state would; `saved` keeps every save. */
function context(initial: BackfillState = {}) {
  const box = { state: initial, saved: [] as BackfillState[] };
  return {
    box,
    ctx: {
      shop: SHOP,
      now: T0,
      get state() {
        return box.state;
      },
      saveState: async (s: BackfillState) => {
        box.state = s;
        box.saved.push(s);
      },
    },
  };
}

const run = (ctx: ReturnType<typeof context>["ctx"], options: BackfillOptions = {}) => backfillRecentOrders(deps, ctx, { ...OPTIONS, ...options });
/** Operations this test started. */
const started = () => fake.bulkOperations.started().slice(startedBefore);
/** Order gids the fake was asked about, whatever the query (the bulk query's own string aside). */
const ordersAsked = () =>
  fake.requests.filter((r) => typeof r.variables.query !== "string" || !r.variables.query.startsWith("{")).flatMap((r) => JSON.stringify(r.variables).match(/gid:\/\/shopify\/Order\/\d+/g) ?? []);

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  fake = await startFakeAdminApi({ accessToken: "shpat_backfill_test" });
  const app = await appAgainstFakeAdmin(db.url, fake);
  await app.storeOfflineSession(SHOP, "shpat_backfill_test");
  graphql = await app.adminGraphqlForShop(SHOP);
}, 60_000);
afterAll(async () => {
  await writer?.close();
  await fake?.stop();
  await db?.drop();
});
beforeEach(async () => {
  const p = db.prisma;
  for (const model of [p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.jobRun]) await (model as { deleteMany(): Promise<unknown> }).deleteMany();
  fake.orders = parcels(10);
  fake.requests = [];
  fake.bulkPollsUntilDone = 1;
  startedBefore = fake.bulkOperations.started().length;
  deps = { db: db.prisma, record: (s) => recordSubmissions(writer, s), graphql, sleep: async () => undefined };
});

describe(`install backfill on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("keeps waiting while Shopify builds the list, showing its running object count", async () => {
    fake.bulkOperations.script({ runningPolls: 40 });
    const { box, ctx } = context();
    const first = await run(ctx);
    expect(first).toMatchObject({ finished: false, runAgainInMs: 30_000 });
    expect(first).not.toHaveProperty("failure");
    expect(box.state).toMatchObject({ since: SINCE, startedAt: T0.toISOString(), operationId: started()[0]!.id, operationStatus: "RUNNING", processed: 0 });
    // 30 of 41 reads: a running count of 10 orders, grown at every few reads and saved as it grew.
    expect(box.state.objectCount).toBe(7);
    expect(new Set(box.saved.map((s) => s.objectCount)).size).toBeGreaterThan(3);

    const second = await run(ctx);
    expect(second).toMatchObject({ finished: true, report: { checked: 10, repaired: 10 } });
    expect(started()).toHaveLength(1);
    expect(box.state).toEqual({ done: true, since: SINCE, startedAt: T0.toISOString(), completedAt: T0.toISOString(), objectCount: 10, processed: 10 });
    expect(await db.prisma.order.count()).toBe(10);
  });

  it("waits for a cancellation to end, then starts a new operation after the backoff", async () => {
    fake.bulkOperations.script({ runningPolls: 1, end: { status: "CANCELED", cancelingPolls: 40 } });
    const { box, ctx } = context();
    expect(await run(ctx)).toMatchObject({ finished: false, runAgainInMs: 30_000 });
    expect(box.state).toMatchObject({ operationStatus: "CANCELING", attempts: 0 });

    const canceled = await run(ctx);
    expect(canceled).toMatchObject({ finished: false, runAgainInMs: MINUTE, failure: expect.objectContaining({ message: "Shopify's bulk operation canceled" }) });
    expect(box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 1 });

    expect(await run(ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started().map((s) => s.query)).toEqual([started()[0]!.query, started()[0]!.query]);
  });

  it("compares what a failed operation's partial data lists, then lists the whole window again", async () => {
    fake.bulkOperations.script({ end: { status: "FAILED", errorCode: "TIMEOUT", partialIds: 6 } });
    const { box, ctx } = context();
    const failed = await run(ctx);
    expect(failed).toMatchObject({ finished: false, runAgainInMs: MINUTE, report: { checked: 6, repaired: 6 } });
    expect(String((failed as { failure: Error }).failure.message)).toBe("Shopify's bulk operation failed (TIMEOUT)");
    expect(await db.prisma.order.count()).toBe(6);
    expect(box.saved).toContainEqual(expect.objectContaining({ file: "partial", processed: 6 }));
    expect(box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 1 });

    const again = await run(ctx);
    // The same window; the six already compared are compared again and add nothing.
    expect(again).toMatchObject({ finished: true, report: { checked: 10, repaired: 4 } });
    expect(started()).toHaveLength(2);
    expect(started()[1]!.query).toBe(started()[0]!.query);
    expect(await db.prisma.order.count()).toBe(10);
    expect(await db.prisma.event.groupBy({ by: ["dedupeKey"], _count: { _all: true }, having: { dedupeKey: { _count: { gt: 1 } } } })).toEqual([]);
  });

  it("starts over after a failure without partial data, an operation Shopify no longer knows, or a refused start", async () => {
    fake.bulkOperations.script({ end: { status: "FAILED", errorCode: "ACCESS_DENIED" } });
    const { box, ctx } = context();
    expect(await run(ctx)).toMatchObject({ finished: false, runAgainInMs: MINUTE, failure: expect.objectContaining({ message: "Shopify's bulk operation failed (ACCESS_DENIED)" }) });
    expect(box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 1 });

    fake.bulkPollsUntilDone = 40;
    expect(await run(ctx)).toMatchObject({ finished: false, runAgainInMs: 30_000 });
    fake.bulkOperations.forget(box.state.operationId!);
    expect(await run(ctx)).toMatchObject({ finished: false, runAgainInMs: 2 * MINUTE, failure: expect.objectContaining({ message: `Shopify no longer knows the bulk operation ${started()[1]!.id}` }) });
    expect(box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 2 });

    fake.bulkPollsUntilDone = 1;
    fake.bulkOperations.refuseStart("LIMIT_REACHED");
    const refused = await run(ctx);
    expect(refused).toMatchObject({ finished: false, runAgainInMs: 4 * MINUTE, failure: expect.objectContaining({ message: "Shopify did not start the bulk operation: Bulk operations limit reached. Please try again later." }) });
    expect(started()).toHaveLength(2);
    expect(box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 3 });

    expect(await run(ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started()).toHaveLength(3);
  });

  it("keeps the operation when an Admin API call fails, and reads the same one on the next try", async () => {
    const { box, ctx } = context();
    const failingStatus: GraphqlCall = async (query, variables) =>
      query.includes("BackfillStatus") ? { errors: [{ message: "Internal error. Looks like something went wrong on our end.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] } : graphql(query, variables);
    const failed = await backfillRecentOrders({ ...deps, graphql: failingStatus }, ctx, OPTIONS);
    expect(failed).toMatchObject({ finished: false, runAgainInMs: MINUTE, failure: expect.objectContaining({ name: "AdminApiError" }) });
    expect(box.state).toMatchObject({ operationId: started()[0]!.id, attempts: 1 });
    expect(await run(ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started()).toHaveLength(1);
  });

  it("backs off from the start after an operation completes, and keeps backing off while comparing fails", async () => {
    fake.bulkOperations.script({ end: { status: "FAILED", errorCode: "TIMEOUT" } }, { end: { status: "FAILED", errorCode: "TIMEOUT" } });
    const { box, ctx } = context();
    await run(ctx);
    expect(await run(ctx)).toMatchObject({ runAgainInMs: 2 * MINUTE });
    // Every read of an order's details fails; the bulk operation's own calls go through.
    const ordersRefused: GraphqlCall = async (query, variables) =>
      /BackfillStatus|StartOrderBackfill/.test(query) ? graphql(query, variables) : { errors: [{ message: "Internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] };
    const comparing = () => backfillRecentOrders({ ...deps, graphql: ordersRefused }, ctx, OPTIONS);
    expect(await comparing()).toMatchObject({ finished: false, runAgainInMs: MINUTE, failure: expect.objectContaining({ name: "AdminApiError" }) });
    expect(box.state).toMatchObject({ operationStatus: "COMPLETED", attempts: 1, processed: 0 });
    expect(await comparing()).toMatchObject({ runAgainInMs: 2 * MINUTE });
    expect(await comparing()).toMatchObject({ runAgainInMs: 4 * MINUTE });
    expect(await run(ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started()).toHaveLength(3);
  });

  it("resumes after a crash mid-compare without comparing the finished chunks again", async () => {
    const { box, ctx } = context();
    expect(await run(ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    const ids = fake.orders.map((o) => o.id);
    // The process died while comparing the second chunk: the last save it made is what JobRun holds.
    const afterFirstChunk = box.saved.find((s) => s.processed === 4)!;
    expect(afterFirstChunk).toMatchObject({ operationId: started()[0]!.id, operationStatus: "COMPLETED", objectCount: 10, file: "result" });
    fake.requests = [];
    const resumed = context(afterFirstChunk);
    expect(await run(resumed.ctx)).toMatchObject({ finished: true, report: { checked: 6 } });
    expect(new Set(ordersAsked())).toEqual(new Set(ids.slice(4)));
    expect(started()).toHaveLength(1);
    expect(resumed.box.saved.map((s) => s.processed)).toEqual([8, 10, 10]);
  });

  it("starts a new operation when the result has expired: status EXPIRED, or the download refused", async () => {
    const { box, ctx } = context();
    await run(ctx);
    const afterFirstChunk = box.saved.find((s) => s.processed === 4)!;

    fake.bulkOperations.expire(started()[0]!.id);
    const expired = context(afterFirstChunk);
    expect(await run(expired.ctx)).toMatchObject({ finished: false, runAgainInMs: MINUTE, failure: expect.objectContaining({ message: "Shopify's bulk operation expired" }) });
    expect(expired.box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 1 });
    expect(await run(expired.ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started()).toHaveLength(2);

    // Read just before the URL expired, downloaded just after: Shopify's storage refuses the file.
    fake.bulkOperations.expire(started()[1]!.id, { readsCompleted: true });
    const refused = context({ ...expired.box.saved.find((s) => s.operationId === started()[1]!.id && s.processed === 4)!, attempts: 2 });
    const outcome = await run(refused.ctx);
    expect(outcome).toMatchObject({ finished: false, runAgainInMs: 4 * MINUTE, failure: expect.objectContaining({ message: "downloading the list of orders failed (HTTP 403)" }) });
    expect(refused.box.state).toEqual({ since: SINCE, startedAt: T0.toISOString(), attempts: 3 });
    expect(await run(refused.ctx)).toMatchObject({ finished: true, report: { checked: 10 } });
    expect(started()).toHaveLength(3);
  });

  it("retries through the scheduler minutes apart, 1, 2, 4 … at most 60, then completes the whole window", async () => {
    let now = T0;
    const clock = () => now;
    const job = registerJob(BACKFILL_JOB, BACKFILL_DONE_RECHECK_MS, (c) => runBackfillJob(deps, c, { ...OPTIONS, clock }), { shops: async () => [SHOP] });
    const tick = () => runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test", clock });
    const row = () => db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: BACKFILL_JOB, shop: SHOP } } });

    const failures = 8;
    fake.bulkOperations.script(...Array.from({ length: failures }, () => ({ end: { status: "FAILED" as const, errorCode: "INTERNAL_SERVER_ERROR" as const } })));
    const waits: number[] = [];
    for (let i = 0; i < failures; i += 1) {
      const [report] = await tick();
      expect(report).toMatchObject({ ok: false, error: "BackfillFailure: Shopify's bulk operation failed (INTERNAL_SERVER_ERROR)" });
      const { nextRunAt } = await row();
      waits.push((nextRunAt.getTime() - now.getTime()) / MINUTE);
      // Not due a second early.
      now = new Date(nextRunAt.getTime() - 1000);
      expect(await tick()).toEqual([]);
      now = nextRunAt;
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
    expect(JSON.parse((await row()).state)).toMatchObject({ since: SINCE, attempts: failures });

    expect(await tick()).toEqual([{ job: BACKFILL_JOB, shop: SHOP, ok: true }]);
    const done = await row();
    expect(done).toMatchObject({ lastError: null, nextRunAt: new Date(now.getTime() + BACKFILL_DONE_RECHECK_MS) });
    expect(JSON.parse(done.state)).toMatchObject({ done: true, since: SINCE, objectCount: 10, processed: 10 });
    expect(await db.prisma.order.count()).toBe(10);
    expect(started()).toHaveLength(failures + 1);
  });

  it("shows on the Overview when it started, how far it got, its last error and next try, and when it was done", async () => {
    const { loader } = await import("../../app/routes/app._index");
    const overview = async () => {
      const response = (await loader({ request: new Request("https://app.example.com/app"), params: {}, context: {} })) as Response;
      return ((await response.json()) as { backfill: unknown }).backfill;
    };
    expect(await overview()).toBeNull();

    const state: BackfillState = { since: SINCE, startedAt: T0.toISOString(), operationId: "gid://shopify/BulkOperation/1", operationStatus: "COMPLETED", objectCount: 10, file: "result", processed: 4, attempts: 2 };
    const lastFinishedAt = new Date(T0.getTime() + 5 * MINUTE);
    const nextRunAt = new Date(lastFinishedAt.getTime() + 2 * MINUTE);
    await db.prisma.jobRun.create({
      data: { job: BACKFILL_JOB, shop: SHOP, state: JSON.stringify(state), lastError: "AdminApiError: Admin API errors: Internal error", lastFinishedAt, nextRunAt },
    });
    expect(await overview()).toEqual({
      phase: "comparing",
      since: SINCE,
      startedAt: T0.toISOString(),
      listed: 10,
      compared: 4,
      completedAt: null,
      failure: { error: "Admin API errors: Internal error", at: lastFinishedAt.toISOString(), attempts: 2, nextTryAt: nextRunAt.toISOString() },
    });

    const completedAt = new Date(T0.getTime() + HOUR).toISOString();
    await db.prisma.jobRun.update({
      where: { job_shop: { job: BACKFILL_JOB, shop: SHOP } },
      data: { state: JSON.stringify({ done: true, since: SINCE, startedAt: T0.toISOString(), completedAt, objectCount: 10, processed: 10 }), lastError: null },
    });
    expect(await overview()).toMatchObject({ phase: "done", listed: 10, compared: 10, completedAt, failure: null });
  });

  it("shows the scheduled reconciliation beside it: how far it compared, a backlog it works through, and why its last run failed", async () => {
    const { loader } = await import("../../app/routes/app._index");
    const overview = async () => {
      const response = (await loader({ request: new Request("https://app.example.com/app"), params: {}, context: {} })) as Response;
      return ((await response.json()) as { reconciliation: unknown }).reconciliation;
    };
    expect(await overview()).toBeNull();
    const lastFinishedAt = new Date(T0.getTime() + 15 * MINUTE);
    const nextRunAt = new Date(lastFinishedAt.getTime() + 15 * MINUTE);
    const state: WatermarkState = { watermark: "2026-03-05T12:07:00Z", search: { since: "2026-03-05T11:00:00Z", cursor: "c", listed: 40 } };
    await db.prisma.jobRun.create({ data: { job: RECONCILIATION_JOB, shop: SHOP, state: JSON.stringify(state), lastFinishedAt, nextRunAt, lastError: "AdminApiError: Admin API answered HTTP 401" } });
    expect(await overview()).toEqual({
      comparedUpTo: "2026-03-05T12:07:00Z",
      catchingUp: true,
      lastRunAt: lastFinishedAt.toISOString(),
      nextRunAt: nextRunAt.toISOString(),
      error: "Admin API answered HTTP 401",
    });
    await db.prisma.jobRun.update({ where: { job_shop: { job: RECONCILIATION_JOB, shop: SHOP } }, data: { state: JSON.stringify({ watermark: "2026-03-05T12:30:00Z" }), lastError: null } });
    expect(await overview()).toMatchObject({ comparedUpTo: "2026-03-05T12:30:00Z", catchingUp: false, error: null });
  });
});
