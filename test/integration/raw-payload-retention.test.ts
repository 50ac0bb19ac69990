import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CarrierTrackingData } from "../../app/domain/events";
import { fixture } from "../../app/domain/fixtures/load";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { PRUNED_RAW, pruneRawPayloads, type RetentionLimits } from "../../app/jobs/raw-payload-retention.server";
import type { JobOutcome } from "../../app/jobs/registry.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { savePrivacySettings } from "../../app/store/privacy.server";
import { replayAll } from "../../app/store/replay.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const NOW = new Date("2026-12-06T12:00:00.000Z");
const DAY = 86_400_000;
const daysAgo = (days: number, from = NOW) => new Date(from.getTime() - days * DAY);

let db: TestDatabase;
let writer: SqlWriterConnection;
let committer: GroupCommitter;
let receive: ReturnType<typeof createWebhookIntake>;

/** OTHER_SHOP's copy of a fixture under ids of its own: Shopify's order ids are global. */
const OTHER_ORDER_ID = 5801234560001;
const asOtherShops = (payload: Record<string, unknown>) =>
  "order_id" in payload ? { ...payload, id: Number(payload.id) + 1, order_id: OTHER_ORDER_ID } : { ...payload, id: OTHER_ORDER_ID };

async function send(topic: string, name: string, receivedAt: Date, shop = SHOP) {
  const body = JSON.stringify(shop === SHOP ? fixture(name) : asOtherShops(fixture(name)));
  const headers = signedWebhookHeaders(topic, body, { shop });
  headers.set("x-test-received-at", receivedAt.toISOString());
  expect((await receive(body, headers)).status).toBe(200);
}

/** A carrier scan, so more than one source is swept. */
async function carrierScan(receivedAt: Date, dedupeKey: string) {
  const happenedAt = daysAgo(1, receivedAt).toISOString();
  const data: CarrierTrackingData = { trackingNumber: "7023210039414604", carrier: "Canada Post", status: "in_transit", happenedAt, estimatedDeliveryAt: null, message: null, location: null };
  await committer.submit({
    shop: SHOP,
    receivedAt,
    events: [{ source: "carrier", kind: "carrier_tracking", orderId: "5801234567001", occurredAt: happenedAt, dedupeKey, data, raw: JSON.stringify({ scan: dedupeKey }) }],
  });
}

/** Runs the job for a shop until it stops asking to run again, as the scheduler would. */
async function sweep(shop: string, now: Date, state: Record<string, unknown>, limits?: RetentionLimits) {
  let runs = 0;
  let outcome: JobOutcome;
  do {
    runs += 1;
    outcome = await pruneRawPayloads({ db: db.prisma, shop, now, state, saveState: async (s) => void (state = s) }, limits);
  } while (outcome?.runAgainInMs !== undefined && runs < 100);
  return { runs, state };
}

const rawByAge = async (shop: string) =>
  (await db.prisma.event.findMany({ where: { shop }, orderBy: { receivedAt: "asc" }, select: { receivedAt: true, raw: true, source: true } })).map((e) => ({
    days: Math.round((NOW.getTime() - e.receivedAt.getTime()) / DAY),
    source: e.source,
    pruned: e.raw === PRUNED_RAW,
  }));

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake({
    db: () => db.prisma,
    writer: () => writer,
    record: (s) => committer.submit(s),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "k", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
    // As Shopify answers for a shop that uninstalled: its token is refused.
    stillInstalled: async () => false,
    receivedAt: (headers) => new Date(headers.get("x-test-received-at")!),
  });
  await send("orders/create", "two-box-order.create", daysAgo(100));
  await send("fulfillments/create", "two-box-order.fulfillment-a.create", daysAgo(45));
  await carrierScan(daysAgo(44), "scan-1");
  await carrierScan(daysAgo(43), "scan-2");
  await send("fulfillment_events/create", "two-box-order.fulfillment-a.event-in-transit", daysAgo(10));
  await carrierScan(daysAgo(5), "scan-3");
  await send("orders/create", "two-box-order.create", daysAgo(100), OTHER_SHOP);
  await send("fulfillments/create", "two-box-order.fulfillment-a.create", daysAgo(45), OTHER_SHOP);
  await savePrivacySettings(db.prisma, SHOP, { rawPayloadRetentionDays: 30 });
});

afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

describe(`raw payload retention on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("prunes the raw copy of events older than each shop's retention, in batches, and leaves the normalised events alone", async () => {
    const dataBefore = await db.prisma.event.findMany({ orderBy: { id: "asc" }, select: { id: true, data: true } });
    const documentsBefore = await db.prisma.order.findMany({ orderBy: [{ shop: "asc" }, { orderId: "asc" }], select: { document: true } });

    const { runs, state } = await sweep(SHOP, NOW, {}, { batchSize: 1, batchesPerRun: 2 });
    expect(runs).toBeGreaterThan(2);
    expect(state).toEqual({ sweptBefore: daysAgo(30).toISOString() });
    expect(await rawByAge(SHOP)).toEqual([
      { days: 100, source: "shopify", pruned: true },
      { days: 45, source: "shopify", pruned: true },
      { days: 44, source: "carrier", pruned: true },
      { days: 43, source: "carrier", pruned: true },
      { days: 10, source: "shopify", pruned: false },
      { days: 5, source: "carrier", pruned: false },
    ]);
    // The other shop keeps the default 90 days, and its own run decides.
    expect((await rawByAge(OTHER_SHOP)).every((e) => !e.pruned)).toBe(true);
    await sweep(OTHER_SHOP, NOW, {});
    expect(await rawByAge(OTHER_SHOP)).toEqual([
      { days: 100, source: "shopify", pruned: true },
      { days: 45, source: "shopify", pruned: false },
    ]);

    expect(await db.prisma.event.findMany({ orderBy: { id: "asc" }, select: { id: true, data: true } })).toEqual(dataBefore);
    expect(await db.prisma.order.findMany({ orderBy: [{ shop: "asc" }, { orderId: "asc" }], select: { document: true } })).toEqual(documentsBefore);
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("the next sweep goes on from where the last ended, and still finds an event recorded late with an earlier arrival", async () => {
    const { state } = await sweep(SHOP, NOW, {});
    // A feed row that waited for its order is recorded with the time it first arrived.
    await carrierScan(daysAgo(35), "scan-late");
    const later = new Date(NOW.getTime() + 6 * DAY);
    const next = await sweep(SHOP, later, state);
    expect(next.state).toEqual({ sweptBefore: daysAgo(30, later).toISOString() });
    expect((await rawByAge(SHOP)).map((e) => [e.days, e.pruned])).toEqual([
      [100, true],
      [45, true],
      [44, true],
      [43, true],
      [35, true],
      [10, false],
      [5, false],
    ]);
  });

  it("a shorter retention takes effect at the next run", async () => {
    await savePrivacySettings(db.prisma, SHOP, { rawPayloadRetentionDays: 7 });
    await sweep(SHOP, NOW, {});
    expect((await rawByAge(SHOP)).map((e) => [e.days, e.pruned])).toEqual([
      [100, true],
      [45, true],
      [44, true],
      [43, true],
      [35, true],
      [10, true],
      [5, false],
    ]);
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });
});
