/**
 * Sync lag and silent sources, as pure functions over small aggregates.
 *
 * Lag = receivedAt - occurredAt. The writer keeps, per shop, source and hour, a count per log-scale lag
 * bin (four bins per doubling, so any percentile read back is within 19% of the true value) and the
 * exact maximum. Percentiles over an hour, a day or a week are then sums of a few hundred small rows,
 * never a scan of the event log.
 */
import type { Source } from "./events";

const HOUR = 3_600_000;
const BINS_PER_DOUBLING = 4;
/** bin 0 is "under a second"; the last bin holds everything from about 194 days up */
export const LAG_BIN_COUNT = 1 + BINS_PER_DOUBLING * 24;

/** The histogram bin of a lag in ms. Negative lags (clock skew between systems) count as no lag. */
export function lagBin(lagMs: number): number {
  if (!(lagMs >= 1000)) return 0;
  const bin = 1 + Math.floor(Math.log2(lagMs / 1000) * BINS_PER_DOUBLING);
  return Math.min(bin, LAG_BIN_COUNT - 1);
}

/** [lower, upper) bounds of a bin in ms. */
export function lagBinBounds(bin: number): [number, number] {
  if (bin <= 0) return [0, 1000];
  const lower = 1000 * 2 ** ((bin - 1) / BINS_PER_DOUBLING);
  const upper = bin >= LAG_BIN_COUNT - 1 ? Number.POSITIVE_INFINITY : 1000 * 2 ** (bin / BINS_PER_DOUBLING);
  return [lower, upper];
}

export type BinCount = { bin: number; count: number };

/**
 * The p-th percentile (0..100) of a binned distribution: the geometric middle of the bin holding it,
 * never above the exact maximum. null when there is nothing.
 */
export function percentileFromBins(bins: readonly BinCount[], p: number, maxMs: number | null): number | null {
  const merged = new Map<number, number>();
  let total = 0;
  for (const { bin, count } of bins) {
    if (count <= 0) continue;
    merged.set(bin, (merged.get(bin) ?? 0) + count);
    total += count;
  }
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const bin of [...merged.keys()].sort((a, b) => a - b)) {
    seen += merged.get(bin)!;
    if (seen >= rank) {
      const [lower, upper] = lagBinBounds(bin);
      const middle = bin === 0 ? 500 : Number.isFinite(upper) ? Math.sqrt(lower * upper) : lower;
      return maxMs === null ? middle : Math.min(middle, maxMs);
    }
  }
  return maxMs;
}

export const LAG_SPANS = { hour: HOUR, day: 24 * HOUR } as const;
export type LagSpan = keyof typeof LAG_SPANS;

/** The start of the UTC hour (or day) holding `date`. */
export function periodStart(date: Date, span: LagSpan = "hour"): Date {
  const size = LAG_SPANS[span];
  return new Date(Math.floor(date.getTime() / size) * size);
}

export type LagSample = { shop: string; source: string; occurredAt: Date; receivedAt: Date; createsShipment: boolean };

export type LagBinRow = { shop: string; source: string; span: LagSpan; period: Date; bin: number; count: number };
export type LagPeriodRow = { shop: string; source: string; span: LagSpan; period: Date; count: number; maxLagMs: number; shipments: number };
export type SourceHealthRow = { shop: string; source: string; count: number; firstReceivedAt: Date; lastReceivedAt: Date; lastOccurredAt: Date };

/** The increments one batch of newly stored events makes to the lag aggregates (by period of arrival). */
export function lagIncrements(samples: readonly LagSample[]): { bins: LagBinRow[]; periods: LagPeriodRow[]; sources: SourceHealthRow[] } {
  const bins = new Map<string, LagBinRow>();
  const periods = new Map<string, LagPeriodRow>();
  const sources = new Map<string, SourceHealthRow>();
  for (const s of samples) {
    const lag = Math.max(0, s.receivedAt.getTime() - s.occurredAt.getTime());
    const bin = lagBin(lag);
    for (const span of Object.keys(LAG_SPANS) as LagSpan[]) {
      const period = periodStart(s.receivedAt, span);
      const pKey = `${s.shop}\u0000${s.source}\u0000${span}\u0000${period.getTime()}`;
      const bKey = `${pKey}\u0000${bin}`;
      const b = bins.get(bKey);
      if (b) b.count += 1;
      else bins.set(bKey, { shop: s.shop, source: s.source, span, period, bin, count: 1 });
      const p = periods.get(pKey);
      if (p) {
        p.count += 1;
        p.maxLagMs = Math.max(p.maxLagMs, lag);
        p.shipments += s.createsShipment ? 1 : 0;
      } else periods.set(pKey, { shop: s.shop, source: s.source, span, period, count: 1, maxLagMs: lag, shipments: s.createsShipment ? 1 : 0 });
    }
    const sKey = `${s.shop}\u0000${s.source}`;
    const src = sources.get(sKey);
    if (src) {
      src.count += 1;
      if (s.receivedAt < src.firstReceivedAt) src.firstReceivedAt = s.receivedAt;
      if (s.receivedAt > src.lastReceivedAt) src.lastReceivedAt = s.receivedAt;
      if (s.occurredAt > src.lastOccurredAt) src.lastOccurredAt = s.occurredAt;
    } else {
      sources.set(sKey, { shop: s.shop, source: s.source, count: 1, firstReceivedAt: s.receivedAt, lastReceivedAt: s.receivedAt, lastOccurredAt: s.occurredAt });
    }
  }
  return { bins: [...bins.values()], periods: [...periods.values()], sources: [...sources.values()] };
}

// ---------------------------------------------------------------------------------------------------
// Windows and silent-source alerts
// ---------------------------------------------------------------------------------------------------

export const LAG_WINDOWS = { hour: HOUR, day: 24 * HOUR, week: 7 * 24 * HOUR } as const;
export type LagWindow = keyof typeof LAG_WINDOWS;

export type LagFigures = { events: number; p50Ms: number | null; p95Ms: number | null; maxMs: number | null };

/**
 * Where a window starts, in whole periods of the span that serves it: the last hour is the current
 * clock hour and the one before, the last day the 25 clock hours up to now, the week 8 calendar days.
 * That is the aggregates' resolution, said once here.
 */
export function windowStart(window: LagWindow, now: Date): { span: LagSpan; from: Date } {
  const span: LagSpan = window === "week" ? "day" : "hour";
  return { span, from: periodStart(new Date(now.getTime() - LAG_WINDOWS[window]), span) };
}

export function lagFigures(bins: readonly BinCount[], events: number, maxMs: number | null): LagFigures {
  return { events, p50Ms: percentileFromBins(bins, 50, maxMs), p95Ms: percentileFromBins(bins, 95, maxMs), maxMs };
}

/** Per-shop expected cadence of each source. */
export type SourceCadence = {
  /** Shopify webhooks: alert when none came for this long while the shop's usual rate says several should have */
  shopifySilentAfterHours: number;
  /** the 3PL file is due every day by this UTC time ("HH:MM") */
  threePlDailyBy: string;
  /** carrier updates are expected within this many hours of a shipment */
  carrierWithinHours: number;
};

export const DEFAULT_CADENCE: Readonly<SourceCadence> = Object.freeze({
  shopifySilentAfterHours: 6,
  threePlDailyBy: "09:00",
  carrierWithinHours: 24,
});

export type SourceState = {
  source: Source;
  firstReceivedAt: Date | null;
  lastReceivedAt: Date | null;
  /** events in the week before now */
  weekEvents: number;
};

export type SilentAlert = { source: Source; since: string; message: string };

/** The most recent daily deadline at "HH:MM" UTC not after now. */
export function lastDailyDeadline(now: Date, hhmm: string): Date {
  const [h, m] = hhmm.split(":").map(Number);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), h ?? 0, m ?? 0);
  return new Date(today <= now.getTime() ? today : today - 24 * HOUR);
}

/**
 * Whether a source is late against its cadence. `shipmentAfterLastUpdate` is the earliest shipment
 * (Shopify fulfillment or 3PL row) after the carrier's last update: carrier silence only matters when
 * a parcel is out there to be scanned.
 */
export function silentAlert(state: SourceState, cadence: SourceCadence, now: Date, shipmentAfterLastUpdate: Date | null = null): SilentAlert | null {
  const nowMs = now.getTime();
  const last = state.lastReceivedAt?.getTime() ?? null;
  switch (state.source) {
    case "shopify": {
      if (last === null) return null;
      const silentMs = nowMs - last;
      const thresholdMs = cadence.shopifySilentAfterHours * HOUR;
      // "While orders flow": at the shop's rate over the past week, at least three webhooks were due.
      const expected = (state.weekEvents / (7 * 24 * HOUR)) * silentMs;
      if (silentMs < thresholdMs || expected < 3) return null;
      return { source: "shopify", since: new Date(last + thresholdMs).toISOString(), message: `No Shopify webhook for ${Math.floor(silentMs / HOUR)} h; about ${Math.round(expected)} were expected at this shop's usual rate.` };
    }
    case "3pl": {
      if (state.firstReceivedAt === null) return null;
      const deadline = lastDailyDeadline(now, cadence.threePlDailyBy);
      if (state.firstReceivedAt.getTime() > deadline.getTime() - 24 * HOUR) return null;
      if (last !== null && last >= deadline.getTime() - 24 * HOUR) return null;
      return { source: "3pl", since: deadline.toISOString(), message: `The warehouse file due by ${cadence.threePlDailyBy} UTC has not arrived.` };
    }
    case "carrier": {
      if (state.firstReceivedAt === null || shipmentAfterLastUpdate === null) return null;
      const due = shipmentAfterLastUpdate.getTime() + cadence.carrierWithinHours * HOUR;
      if (nowMs < due) return null;
      return { source: "carrier", since: new Date(due).toISOString(), message: `No carrier update for shipments made ${Math.floor((nowMs - shipmentAfterLastUpdate.getTime()) / HOUR)} h ago (expected within ${cadence.carrierWithinHours} h).` };
    }
    default:
      return null;
  }
}
