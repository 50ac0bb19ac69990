/**
 * The sync-health store on a real database (TEST_DATABASE=sqlite|postgresql): discrepancies written by
 * the event-log writer in the intake's transaction, opened by the scheduled re-check, cleared by later
 * events; sync lag aggregates; the tallies the Overview reads, checked against counting the rows.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FulfillmentData, OrderEvent } from "../../app/domain/events";
import { registeredJobs } from "../../app/jobs/registry.server";
import { runDueJobs } from "../../app/jobs/scheduler.server";
import { RECHECK_JOB, recheckDueOrders, registerDiscrepancyRecheckJob } from "../../app/store/discrepancies-recheck.server";
import {
  getHealthSettings,
  listDiscrepancies,
  openCountsByCode,
  openDiscrepanciesForContract,
  openOverTime,
  orderCountsByStatus,
  orderDiscrepancies,
  saveHealthSettings,
} from "../../app/store/discrepancies.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import type { IncomingEvent } from "../../app/store/order-store.server";
import { lagByDay, readSourceHealth } from "../../app/store/sync-lag.server";
import { DEFAULT_CADENCE } from "../../app/domain/sync-lag";
import { parse } from "csv-parse/sync";
import { discrepanciesCsv } from "../../app/store/discrepancies-export.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

const SHOP = "health-shop.myshopify.com";
const OTHER = "other-shop.myshopify.com";
const T0 = Date.parse("2026-05-04T08:00:00.000Z");
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR);

let db: TestDatabase;
let writer: SqlWriterConnection;

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
});
afterAll(async () => {
  await writer?.close();
  await db?.drop();
});
beforeEach(async () => {
  const p = db.prisma;
  for (const model of [p.jobRun, p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.discrepancy, p.discrepancyCheck, p.discrepancyTally, p.orderStatusTally, p.sourceHealth, p.syncLagPeriod, p.syncLagBin, p.shop] as Array<{ deleteMany(): Promise<unknown> }>) {
    await model.deleteMany();
  }
});

let seq = 0;
function incoming(event: Omit<OrderEvent, "dedupeKey">): IncomingEvent {
  return { ...event, dedupeKey: `k-${++seq}`, raw: "{}" } as IncomingEvent;
}

function orderSnapshot(orderId: string, hours: number, options: { name?: string; cancelledAt?: Date; fulfillments?: FulfillmentData[] } = {}) {
  return incoming({
    source: "shopify",
    kind: "order_snapshot",
    orderId,
    occurredAt: at(hours).toISOString(),
    data: {
      name: options.name ?? `#${orderId.slice(-4)}`,
      createdAt: at(0).toISOString(),
      updatedAt: at(hours).toISOString(),
      cancelledAt: options.cancelledAt?.toISOString() ?? null,
      orderStatusUrl: null,
      customer: { customerId: null, emailHash: null, phoneHash: null },
      lineItems: [{ id: "1", title: "Mug", sku: "MUG", quantity: 1, currentQuantity: 1, requiresShipping: true }],
      fulfillments: options.fulfillments ?? [],
    },
  } as Omit<OrderEvent, "dedupeKey">);
}

function fulfillment(orderId: string, hours: number, trackingNumbers: string[], shipmentStatus: string | null = null): FulfillmentData {
  return {
    id: `f-${orderId}`,
    name: `#${orderId.slice(-4)}.1`,
    status: "success",
    shipmentStatus,
    trackingCompany: trackingNumbers.length ? "UPS" : null,
    trackingNumbers,
    trackingUrls: [],
    lineItems: [{ lineItemId: "1", title: "Mug", sku: "MUG", quantity: 1, requiresShipping: true }],
    estimatedDeliveryAt: null,
    createdAt: at(hours).toISOString(),
    updatedAt: at(hours).toISOString(),
    localPickup: false,
  };
}

function fulfillmentSnapshot(orderId: string, hours: number, data: FulfillmentData, source: "shopify" | "reconciliation" = "shopify") {
  return incoming({ source, kind: "fulfillment_snapshot", orderId, occurredAt: at(hours).toISOString(), data } as Omit<OrderEvent, "dedupeKey">);
}

async function record(shop: string, receivedHours: number, events: IncomingEvent[]) {
  await recordSubmissions(writer, [{ shop, events, receivedAt: at(receivedHours) }]);
}

async function countOpenRows(shop: string) {
  const groups = await db.prisma.discrepancy.groupBy({ by: ["code"], where: { shop, state: "open" }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.code, g._count._all]));
}

describe(`sync-health store on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("opens fulfilled_without_tracking in the intake transaction, with evidence, and clears it when tracking arrives", async () => {
    await record(SHOP, 0.1, [orderSnapshot("5000000001", 0)]);
    await record(SHOP, 1.1, [fulfillmentSnapshot("5000000001", 1, fulfillment("5000000001", 1, []))]);
    expect(await db.prisma.discrepancy.count()).toBe(0);
    // Still judged as of its latest arrival, inside the grace: the re-check is due when the grace ends.
    expect((await db.prisma.discrepancyCheck.findFirstOrThrow()).dueAt.toISOString()).toBe(at(3).toISOString());

    expect(await recheckDueOrders(writer, SHOP, at(2.5))).toBe(0);
    expect(await recheckDueOrders(writer, SHOP, at(3.5))).toBe(1);
    const [open] = await orderDiscrepancies(db.prisma, SHOP, "5000000001");
    expect(open).toMatchObject({ code: "fulfilled_without_tracking", state: "open", source: "shopify", since: at(1).toISOString(), clearedAt: null, orderName: "#0001" });
    expect(open!.evidence).toEqual([{ source: "shopify", said: "#0001.1 fulfilled, 1 unit, no tracking", at: at(1).toISOString(), receivedAt: at(1.1).toISOString() }]);
    expect(await openCountsByCode(db.prisma, SHOP)).toEqual({ fulfilled_without_tracking: 1 });
    expect(await openDiscrepanciesForContract(db.prisma, SHOP, "5000000001")).toEqual([
      { code: "fulfilled_without_tracking", since: at(1).toISOString(), detail: "#0001.1 is fulfilled in Shopify with no tracking number." },
    ]);

    const withTracking = { ...fulfillment("5000000001", 1, ["1Z1"], "in_transit"), updatedAt: at(5).toISOString() };
    await record(SHOP, 5.2, [fulfillmentSnapshot("5000000001", 5, withTracking)]);
    const [cleared] = await orderDiscrepancies(db.prisma, SHOP, "5000000001");
    expect(cleared).toMatchObject({ state: "cleared", clearedAt: at(5.2).toISOString() });
    expect(await openCountsByCode(db.prisma, SHOP)).toEqual({});
    expect(await countOpenRows(SHOP)).toEqual({});
  });

  it("lets the scheduled re-check open stalled labels and late parcels, and keeps one row per episode", async () => {
    const label = fulfillment("5000000002", 1, ["1Z2"], "label_purchased");
    await record(SHOP, 1.1, [orderSnapshot("5000000002", 1, { fulfillments: [label] })]);
    expect(await recheckDueOrders(writer, SHOP, at(48))).toBe(0);
    expect(await recheckDueOrders(writer, SHOP, at(50))).toBe(1);
    expect(await countOpenRows(SHOP)).toEqual({ stalled_no_carrier_scan: 1 });
    // Re-checking again changes nothing: no duplicate episode, no double count.
    await recheckDueOrders(writer, SHOP, at(60));
    expect(await db.prisma.discrepancy.count()).toBe(1);
    expect(await openCountsByCode(db.prisma, SHOP)).toEqual({ stalled_no_carrier_scan: 1 });

    const scanned = { ...label, shipmentStatus: "in_transit", updatedAt: at(61).toISOString(), estimatedDeliveryAt: at(70).toISOString() };
    await record(SHOP, 61, [fulfillmentSnapshot("5000000002", 61, scanned, "reconciliation")]);
    expect(await countOpenRows(SHOP)).toEqual({});
    expect(await recheckDueOrders(writer, SHOP, at(82.5))).toBe(1);
    expect(await countOpenRows(SHOP)).toEqual({ past_estimated_delivery: 1 });
    const episodes = await orderDiscrepancies(db.prisma, SHOP, "5000000002");
    expect(episodes.map((e) => [e.code, e.state])).toEqual([
      ["past_estimated_delivery", "open"],
      ["stalled_no_carrier_scan", "cleared"],
    ]);
    expect(await openCountsByCode(db.prisma, SHOP)).toEqual(await countOpenRows(SHOP));
  });

  it("runs as a job of the shared scheduler, once per shop that has events", async () => {
    const label = fulfillment("5000000009", 1, ["1Z9"], "label_purchased");
    await record(SHOP, 1.1, [orderSnapshot("5000000009", 1, { fulfillments: [label] })]);
    registerDiscrepancyRecheckJob();
    const previousUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const reports = await runDueJobs({ db: db.prisma, jobs: () => registeredJobs().filter((j) => j.name === RECHECK_JOB), owner: "test-process", clock: () => at(50) });
      expect(reports).toEqual([{ job: RECHECK_JOB, shop: SHOP, ok: true }]);
    } finally {
      process.env.DATABASE_URL = previousUrl;
    }
    expect(await countOpenRows(SHOP)).toEqual({ stalled_no_carrier_scan: 1 });
  });

  it("raises cancelled_but_shipped, and uses the shop's own thresholds", async () => {
    await saveHealthSettings(db.prisma, SHOP, { thresholds: { ...(await getHealthSettings(db.prisma, SHOP)).thresholds, trackingGraceHours: 10 }, cadence: DEFAULT_CADENCE });
    const shipped = fulfillment("5000000003", 2, []);
    await record(SHOP, 2.1, [orderSnapshot("5000000003", 2, { fulfillments: [shipped] })]);
    expect(await recheckDueOrders(writer, SHOP, at(5))).toBe(0);
    await record(SHOP, 6, [orderSnapshot("5000000003", 6, { cancelledAt: at(6), fulfillments: [shipped] })]);
    expect(await countOpenRows(SHOP)).toEqual({ cancelled_but_shipped: 1 });
    expect((await getHealthSettings(db.prisma, SHOP)).thresholds.trackingGraceHours).toBe(10);
  });

  it("exports every page of the filtered list as CSV, with formula-like cells neutralised", async () => {
    const hostile = ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2", "@SUM(A1)", "\tTAB", "#1, \"quoted\"\nline"];
    const count = 57; // more than one page of DISCREPANCY_PAGE_SIZE
    for (let i = 0; i < count; i++) {
      const orderId = String(5100000000 + i);
      const shipped = { ...fulfillment(orderId, 2, ["1Z"]), id: `f-${orderId}` };
      await record(SHOP, 2.1, [orderSnapshot(orderId, 2, { name: hostile[i % hostile.length], fulfillments: [shipped] })]);
      await record(SHOP, 3, [orderSnapshot(orderId, 3, { name: hostile[i % hostile.length], cancelledAt: at(3), fulfillments: [shipped] })]);
    }
    await record(OTHER, 3, [orderSnapshot("5200000000", 3, { cancelledAt: at(3), fulfillments: [fulfillment("5200000000", 2, ["1Z"])] })]);

    const csv = await new Response(discrepanciesCsv(db.prisma, SHOP, { state: "open", sort: "oldest" }, at(4))).text();
    const [header, ...rows] = parse(csv) as string[][];
    expect(header).toEqual(["order", "order_id", "code", "source", "since", "cleared_at", "detail"]);
    expect(rows).toHaveLength(count);
    expect(new Set(rows.map((r) => r[1])).size).toBe(count);
    expect(rows.every((r) => r[2] === "cancelled_but_shipped")).toBe(true);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(["'=HYPERLINK(\"http://evil.example\")", "'+1+1", "'-2", "'@SUM(A1)", "'\tTAB", "#1, \"quoted\"\nline"]));
    expect(rows.some((r) => r[1] === "5200000000")).toBe(false);
  });

  it("lists with filters, sorting and keyset pagination, and keeps shops apart", async () => {
    for (let i = 0; i < 55; i++) {
      const id = String(5100000000 + i);
      await record(SHOP, i + 0.1, [orderSnapshot(id, i, { fulfillments: [fulfillment(id, i, [])] })]);
    }
    // Its own order: an id recorded under SHOP is refused under another shop (decision 025).
    await record(OTHER, 0.1, [orderSnapshot("5300000000", 0, { fulfillments: [fulfillment("5300000000", 0, [])] })]);
    await recheckDueOrders(writer, SHOP, at(200));
    await recheckDueOrders(writer, OTHER, at(200));
    const now = at(200);
    const first = await listDiscrepancies(db.prisma, SHOP, { state: "open", sort: "newest" }, now);
    expect(first.items).toHaveLength(50);
    expect(first.items[0]!.since).toBe(at(54).toISOString());
    const second = await listDiscrepancies(db.prisma, SHOP, { state: "open", sort: "newest", after: { since: new Date(first.next!.since), id: first.next!.id } }, now);
    expect(second.items).toHaveLength(5);
    expect(second.next).toBeNull();
    expect(new Set([...first.items, ...second.items].map((i) => i.orderId)).size).toBe(55);
    const oldest = await listDiscrepancies(db.prisma, SHOP, { state: "open", sort: "oldest", olderThanHours: 190 }, now);
    expect(oldest.items.map((i) => i.since)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((h) => at(h).toISOString()));
    expect((await listDiscrepancies(db.prisma, SHOP, { state: "open", sort: "newest", code: "cancelled_but_shipped" }, now)).items).toEqual([]);
    expect((await listDiscrepancies(db.prisma, SHOP, { state: "open", sort: "newest", source: "carrier" }, now)).items).toEqual([]);
    expect((await listDiscrepancies(db.prisma, SHOP, { state: "cleared", sort: "newest" }, now)).items).toEqual([]);
    expect((await listDiscrepancies(db.prisma, OTHER, { state: "open", sort: "newest" }, now)).items).toHaveLength(1);
    expect(await openCountsByCode(db.prisma, OTHER)).toEqual({ fulfilled_without_tracking: 1 });

    const series = await openOverTime(db.prisma, SHOP, now, 10);
    expect(series).toHaveLength(10);
    expect(series.at(-1)!.open).toBe(55);
  });

  it("keeps order counts per status equal to counting the Order table", async () => {
    await record(SHOP, 1, [orderSnapshot("5200000001", 1), orderSnapshot("5200000002", 1)]);
    await record(SHOP, 2, [fulfillmentSnapshot("5200000001", 2, fulfillment("5200000001", 2, ["1Z9"], "delivered"))]);
    await record(SHOP, 3, [orderSnapshot("5200000002", 3, { cancelledAt: at(3) })]);
    await record(OTHER, 3, [orderSnapshot("5200000003", 3)]);
    const counted = await db.prisma.order.groupBy({ by: ["status"], where: { shop: SHOP }, _count: { _all: true } });
    expect(await orderCountsByStatus(db.prisma, SHOP)).toEqual(Object.fromEntries(counted.map((g) => [g.status, g._count._all])));
    expect(await orderCountsByStatus(db.prisma, SHOP)).toEqual({ delivered: 1, cancelled: 1 });
    expect(await orderCountsByStatus(db.prisma, OTHER)).toEqual({ unfulfilled: 1 });
  });

  it("aggregates sync lag per source: percentiles, maximum, freshness, and silent-source alerts", async () => {
    const now = at(30.5);
    // 20 Shopify events, 19 arriving 2 s after they happened and one 40 minutes late.
    for (let i = 0; i < 20; i++) {
      const occurred = 29 + i * 0.05;
      const lagHours = i === 7 ? 40 / 60 : 2 / 3600;
      await record(SHOP, occurred + lagHours, [orderSnapshot(String(5300000000 + i), occurred)]);
    }
    // The 3PL file came once, two days ago: today's 09:00 deadline passed without one.
    const threePl = incoming({ source: "3pl", kind: "3pl_shipment", orderId: "5300000000", occurredAt: at(-20).toISOString(), data: { reference: "r1", trackingNumber: "1ZX", carrier: "UPS", lines: [{ sku: "MUG", quantity: 1 }], shippedAt: at(-20).toISOString() } } as Omit<OrderEvent, "dedupeKey">);
    await record(SHOP, -14, [threePl]);

    const health = await readSourceHealth(db.prisma, SHOP, now, DEFAULT_CADENCE);
    expect(health.map((h) => h.source)).toEqual(["shopify", "3pl"]);
    const shopify = health[0]!;
    expect(shopify.eventCount).toBe(20);
    expect(shopify.lag.day.events).toBe(20);
    expect(shopify.lag.day.p50Ms).toBeGreaterThan(1_600);
    expect(shopify.lag.day.p50Ms).toBeLessThan(2_400);
    expect(shopify.lag.day.maxMs).toBe(40 * 60_000);
    expect(shopify.lag.day.p95Ms).toBeLessThan(3_000);
    // The late one arrived last.
    expect(shopify.lastReceivedAt).toBe(at(29 + 7 * 0.05 + 40 / 60).toISOString());
    expect(shopify.freshnessMs).toBe(now.getTime() - Date.parse(shopify.lastReceivedAt!));
    expect(shopify.alert).toBeNull();
    expect(shopify.status).toBe("healthy");
    const pl = health[1]!;
    expect(pl.lag.week).toMatchObject({ events: 1, maxMs: 6 * HOUR });
    expect(pl.lag.hour.events).toBe(0);
    expect(pl.status).toBe("silent");
    expect(pl.alert?.message).toContain("09:00");

    expect(await readSourceHealth(db.prisma, OTHER, now, DEFAULT_CADENCE)).toEqual([
      expect.objectContaining({ source: "shopify", eventCount: 0, lastReceivedAt: null, alert: null }),
    ]);
    const chart = await lagByDay(db.prisma, SHOP, now, 3);
    expect(chart.map((p) => p.day)).toEqual(["2026-05-03", "2026-05-04", "2026-05-05"]);
    expect(chart[2]!.shopify).toBeGreaterThan(0);
    expect(chart[0]!["3pl"]).toBeGreaterThan(4 * HOUR);
    expect(chart[1]!["3pl"]).toBeUndefined();
  });
});
