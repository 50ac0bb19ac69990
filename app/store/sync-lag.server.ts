/**
 * Sync lag aggregates: written by the event-log writer in the intake's transaction (a few upserts per
 * batch), read by the dashboard and the health API with GROUP BYs over small rows.
 */
import type { Db } from "../db.server";
import { SOURCES, type EventKind, type Source } from "../domain/events";
import {
  LAG_WINDOWS,
  lagFigures,
  lagIncrements,
  percentileFromBins,
  periodStart,
  silentAlert,
  windowStart,
  type LagFigures,
  type LagSample,
  type LagWindow,
  type SilentAlert,
  type SourceCadence,
} from "../domain/sync-lag";
import { chunks, compareKeys, sqlDate, valuesList, type SqlSession, type SqlValue } from "./event-log/sql-session.server";

const SHIPMENT_KINDS: ReadonlySet<string> = new Set<EventKind>(["fulfillment_snapshot", "3pl_shipment"]);

export type StoredEventFacts = { shop: string; source: string; kind: string; occurredAt: Date; receivedAt: Date };

/** Adds newly stored events to the lag aggregates; the caller's transaction makes it atomic with them. */
export async function recordSyncLagWithin(sql: SqlSession, events: readonly StoredEventFacts[]): Promise<void> {
  if (events.length === 0) return;
  const samples: LagSample[] = events.map((e) => ({ ...e, createsShipment: SHIPMENT_KINDS.has(e.kind) }));
  const { bins, periods, sources } = lagIncrements(samples);
  bins.sort((a, b) => compareKeys([a.shop, a.span, a.period.getTime(), a.source, a.bin], [b.shop, b.span, b.period.getTime(), b.source, b.bin]));
  periods.sort((a, b) => compareKeys([a.shop, a.span, a.period.getTime(), a.source], [b.shop, b.span, b.period.getTime(), b.source]));
  sources.sort((a, b) => compareKeys([a.shop, a.source], [b.shop, b.source]));
  const d = (date: Date) => sqlDate(date, sql.dialect);
  const greatest = sql.dialect === "sqlite" ? "MAX" : "GREATEST";
  const least = sql.dialect === "sqlite" ? "MIN" : "LEAST";
  for (const part of chunks(bins, 80)) {
    sql.runLast(
      `INSERT INTO "SyncLagBin" ("shop", "source", "span", "period", "bin", "count") VALUES ${valuesList(part.length, 6)}
       ON CONFLICT ("shop", "span", "period", "source", "bin") DO UPDATE SET "count" = "SyncLagBin"."count" + excluded."count"`,
      part.flatMap((b): SqlValue[] => [b.shop, b.source, b.span, d(b.period), b.bin, b.count]),
    );
  }
  for (const part of chunks(periods, 60)) {
    sql.runLast(
      `INSERT INTO "SyncLagPeriod" ("shop", "source", "span", "period", "count", "maxLagMs", "shipments") VALUES ${valuesList(part.length, 7)}
       ON CONFLICT ("shop", "span", "period", "source") DO UPDATE SET
         "count" = "SyncLagPeriod"."count" + excluded."count",
         "maxLagMs" = ${greatest}("SyncLagPeriod"."maxLagMs", excluded."maxLagMs"),
         "shipments" = "SyncLagPeriod"."shipments" + excluded."shipments"`,
      part.flatMap((p): SqlValue[] => [p.shop, p.source, p.span, d(p.period), p.count, p.maxLagMs, p.shipments]),
    );
  }
  for (const part of chunks(sources, 60)) {
    sql.runLast(
      `INSERT INTO "SourceHealth" ("shop", "source", "eventCount", "firstReceivedAt", "lastReceivedAt", "lastOccurredAt") VALUES ${valuesList(part.length, 6)}
       ON CONFLICT ("shop", "source") DO UPDATE SET
         "eventCount" = "SourceHealth"."eventCount" + excluded."eventCount",
         "firstReceivedAt" = ${least}("SourceHealth"."firstReceivedAt", excluded."firstReceivedAt"),
         "lastReceivedAt" = ${greatest}("SourceHealth"."lastReceivedAt", excluded."lastReceivedAt"),
         "lastOccurredAt" = ${greatest}("SourceHealth"."lastOccurredAt", excluded."lastOccurredAt")`,
      part.flatMap((s): SqlValue[] => [s.shop, s.source, s.count, d(s.firstReceivedAt), d(s.lastReceivedAt), d(s.lastOccurredAt)]),
    );
  }
}

/** When this shop's 3PL feed started, per shop (the detector only expects 3PL confirmations after it). */
export async function threePlActiveSinceWithin(sql: SqlSession, shops: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (shops.length === 0) return out;
  const rows = await sql.all<{ shop: string; firstReceivedAt: unknown }>(
    `SELECT "shop", "firstReceivedAt" FROM "SourceHealth" WHERE "source" = '3pl' AND "shop" IN (${shops.map(() => "?").join(", ")})`,
    shops,
  );
  for (const row of rows) out.set(row.shop, toDate(row.firstReceivedAt).toISOString());
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------

export type SourceStatus = "healthy" | "slow" | "silent";

export type SourceHealthView = {
  source: Source;
  status: SourceStatus;
  eventCount: number;
  lastReceivedAt: string | null;
  lastOccurredAt: string | null;
  /** now - last arrival */
  freshnessMs: number | null;
  lag: Record<LagWindow, LagFigures>;
  alert: SilentAlert | null;
};

/** A day's p95 at or above this makes a source "slow" (an hour behind is what merchants notice). */
export const SLOW_P95_MS = 3_600_000;

export async function readSourceHealth(db: Db, shop: string, now: Date, cadence: SourceCadence): Promise<SourceHealthView[]> {
  const windows = Object.keys(LAG_WINDOWS) as LagWindow[];
  const [rows, ...perWindow] = await Promise.all([
    db.sourceHealth.findMany({ where: { shop } }),
    ...windows.map(async (window) => {
      const { span, from } = windowStart(window, now);
      const where = { shop, span, period: { gte: from, lte: now } };
      const [bins, periods] = await Promise.all([
        db.syncLagBin.groupBy({ by: ["source", "bin"], where, _sum: { count: true } }),
        db.syncLagPeriod.groupBy({ by: ["source"], where, _sum: { count: true }, _max: { maxLagMs: true } }),
      ]);
      return { window, bins, periods };
    }),
  ]);
  const byWindow = new Map(perWindow.map((w) => [w.window, w]));
  const known = new Map(rows.map((r) => [r.source, r]));
  const listed = SOURCES.filter((s) => s === "shopify" || known.has(s));

  const carrier = known.get("carrier");
  const shipmentAfterCarrier = carrier
    ? await db.syncLagPeriod.findFirst({
        where: { shop, span: "hour", shipments: { gt: 0 }, period: { gt: periodStart(carrier.lastReceivedAt, "hour") }, source: { not: "carrier" } },
        orderBy: { period: "asc" },
        select: { period: true },
      })
    : null;

  return listed.map((source) => {
    const row = known.get(source);
    const lag = Object.fromEntries(
      windows.map((window) => {
        const w = byWindow.get(window)!;
        const bins = w.bins.filter((b) => b.source === source).map((b) => ({ bin: b.bin, count: b._sum.count ?? 0 }));
        const period = w.periods.find((p) => p.source === source);
        return [window, lagFigures(bins, period?._sum.count ?? 0, period?._max.maxLagMs ?? null)];
      }),
    ) as Record<LagWindow, LagFigures>;
    const alert = silentAlert(
      { source, firstReceivedAt: row?.firstReceivedAt ?? null, lastReceivedAt: row?.lastReceivedAt ?? null, weekEvents: lag.week.events },
      cadence,
      now,
      source === "carrier" ? (shipmentAfterCarrier?.period ?? null) : null,
    );
    const status: SourceStatus = alert ? "silent" : (lag.day.p95Ms ?? 0) >= SLOW_P95_MS ? "slow" : "healthy";
    return {
      source,
      status,
      eventCount: row?.eventCount ?? 0,
      lastReceivedAt: row?.lastReceivedAt.toISOString() ?? null,
      lastOccurredAt: row?.lastOccurredAt.toISOString() ?? null,
      freshnessMs: row ? now.getTime() - row.lastReceivedAt.getTime() : null,
      lag,
      alert,
    };
  });
}

export type LagPoint = { day: string } & Partial<Record<Source, number | null>>;

/** p95 lag per source per UTC day, the last `days` days, from the daily histograms. */
export async function lagByDay(db: Db, shop: string, now: Date, days = 14): Promise<LagPoint[]> {
  const from = periodStart(new Date(now.getTime() - (days - 1) * LAG_WINDOWS.day), "day");
  const [bins, periods] = await Promise.all([
    db.syncLagBin.findMany({ where: { shop, span: "day", period: { gte: from } }, select: { source: true, period: true, bin: true, count: true } }),
    db.syncLagPeriod.findMany({ where: { shop, span: "day", period: { gte: from } }, select: { source: true, period: true, maxLagMs: true } }),
  ]);
  const points: LagPoint[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(from.getTime() + i * LAG_WINDOWS.day);
    const point: LagPoint = { day: day.toISOString().slice(0, 10) };
    for (const p of periods.filter((x) => x.period.getTime() === day.getTime())) {
      const dayBins = bins.filter((b) => b.source === p.source && b.period.getTime() === day.getTime());
      point[p.source as Source] = percentileFromBins(dayBins, 95, p.maxLagMs);
    }
    points.push(point);
  }
  return points;
}

/** A DateTime column read back through a raw driver (text from SQLite, Date from pg). */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}
