/** The shop's sync health in one answer: what GET /api/v1/health returns and the Overview starts from. */
import type { Db } from "../db.server";
import type { LagFigures, LagWindow } from "../domain/sync-lag";
import { getHealthSettings, openCountsByCode, openOverTime, orderCountsByStatus } from "./discrepancies.server";
import { lagByDay, readSourceHealth, type SourceHealthView } from "./sync-lag.server";

export async function readHealth(db: Db, shop: string, now: Date): Promise<{ sources: SourceHealthView[]; openByCode: Record<string, number> }> {
  const settings = await getHealthSettings(db, shop);
  const [sources, openByCode] = await Promise.all([readSourceHealth(db, shop, now, settings.cadence), openCountsByCode(db, shop)]);
  return { sources, openByCode };
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);

function lagInSeconds(figures: LagFigures) {
  return { events: figures.events, p50Seconds: seconds(figures.p50Ms), p95Seconds: seconds(figures.p95Ms), maxSeconds: seconds(figures.maxMs) };
}

/** The public shape: seconds rather than ms, ISO times, alerts also listed on their own. */
export async function healthReport(db: Db, shop: string, now: Date) {
  const { sources, openByCode } = await readHealth(db, shop, now);
  return {
    generatedAt: now.toISOString(),
    sources: sources.map((s) => ({
      source: s.source,
      status: s.status,
      events: s.eventCount,
      lastReceivedAt: s.lastReceivedAt,
      lastOccurredAt: s.lastOccurredAt,
      freshnessSeconds: seconds(s.freshnessMs),
      lag: Object.fromEntries((Object.keys(s.lag) as LagWindow[]).map((w) => [w, lagInSeconds(s.lag[w])])),
      alert: s.alert,
    })),
    alerts: sources.flatMap((s) => (s.alert ? [s.alert] : [])),
    discrepancies: { open: Object.values(openByCode).reduce((a, b) => a + b, 0), byCode: openByCode },
  };
}

/** Everything the Overview shows, read from aggregates only (no scan of orders, events or discrepancies). */
export async function overviewData(db: Db, shop: string, now: Date) {
  const [health, byStatus, lagSeries, openSeries] = await Promise.all([
    readHealth(db, shop, now),
    orderCountsByStatus(db, shop),
    lagByDay(db, shop, now, 14),
    openOverTime(db, shop, now, 30),
  ]);
  return { ...health, byStatus, lagSeries, openSeries, now: now.toISOString() };
}
