import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_HEALTH_SETTINGS, healthSettingsFromForm, parseHealthSettings } from "./discrepancies-settings";
import {
  DEFAULT_CADENCE,
  LAG_BIN_COUNT,
  lagBin,
  lagBinBounds,
  lagIncrements,
  lastDailyDeadline,
  percentileFromBins,
  silentAlert,
  windowStart,
  type SourceState,
} from "./sync-lag";

const HOUR = 3_600_000;
const NOW = new Date("2026-05-04T10:30:00.000Z");

describe("lag histogram", () => {
  it("puts every lag in the bin whose bounds hold it, bins rising with the lag", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 3e10, noNaN: true }), fc.double({ min: 0, max: 3e10, noNaN: true }), (a, b) => {
        const [lower, upper] = lagBinBounds(lagBin(a));
        expect(a).toBeGreaterThanOrEqual(lower * (1 - 1e-12));
        expect(a).toBeLessThan(upper * (1 + 1e-12));
        if (a <= b) expect(lagBin(a)).toBeLessThanOrEqual(lagBin(b));
        expect(lagBin(a)).toBeLessThan(LAG_BIN_COUNT);
      }),
    );
    expect(lagBin(-5_000)).toBe(0);
    expect(lagBin(Number.NaN)).toBe(0);
  });

  it("reads any percentile back within 19% of the exact one, never above the maximum", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1_000, max: 10 * 86_400_000 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (lags, p) => {
        const sorted = [...lags].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
        const bins = new Map<number, number>();
        for (const l of lags) bins.set(lagBin(l), (bins.get(lagBin(l)) ?? 0) + 1);
        const max = sorted.at(-1)!;
        const estimate = percentileFromBins([...bins].map(([bin, count]) => ({ bin, count })), p, max)!;
        expect(estimate).toBeLessThanOrEqual(max);
        expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.19);
      }),
      { numRuns: 300 },
    );
    expect(percentileFromBins([], 50, null)).toBeNull();
  });

  it("aggregates a batch per shop, source and period of arrival, in hours and days", () => {
    const at = (h: number) => new Date(Date.parse("2026-05-04T00:00:00.000Z") + h * HOUR);
    const { bins, periods, sources } = lagIncrements([
      { shop: "a", source: "shopify", occurredAt: at(1), receivedAt: at(1.001), createsShipment: false },
      { shop: "a", source: "shopify", occurredAt: at(1.2), receivedAt: at(1.5), createsShipment: true },
      { shop: "a", source: "3pl", occurredAt: at(-20), receivedAt: at(2), createsShipment: true },
      { shop: "b", source: "shopify", occurredAt: at(1), receivedAt: at(0.9), createsShipment: false },
    ]);
    const hourA = periods.find((p) => p.shop === "a" && p.source === "shopify" && p.span === "hour")!;
    expect(hourA).toMatchObject({ count: 2, maxLagMs: 0.3 * HOUR, shipments: 1 });
    expect(periods.filter((p) => p.span === "day")).toHaveLength(3);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(8);
    expect(periods.find((p) => p.shop === "b")!.maxLagMs).toBe(0);
    expect(sources.find((s) => s.shop === "a" && s.source === "shopify")).toMatchObject({ count: 2, firstReceivedAt: at(1.001), lastReceivedAt: at(1.5), lastOccurredAt: at(1.2) });
  });

  it("starts each window on whole periods", () => {
    expect(windowStart("hour", NOW)).toEqual({ span: "hour", from: new Date("2026-05-04T09:00:00.000Z") });
    expect(windowStart("day", NOW)).toEqual({ span: "hour", from: new Date("2026-05-03T10:00:00.000Z") });
    expect(windowStart("week", NOW)).toEqual({ span: "day", from: new Date("2026-04-27T00:00:00.000Z") });
  });
});

describe("silent sources", () => {
  const state = (source: SourceState["source"], last: number | null, first: number | null = -500, weekEvents = 1_000): SourceState => ({
    source,
    firstReceivedAt: first === null ? null : new Date(NOW.getTime() + first * HOUR),
    lastReceivedAt: last === null ? null : new Date(NOW.getTime() + last * HOUR),
    weekEvents,
  });

  it("flags Shopify silent after the threshold only while orders usually flow", () => {
    expect(silentAlert(state("shopify", -5), DEFAULT_CADENCE, NOW)).toBeNull();
    expect(silentAlert(state("shopify", -7), DEFAULT_CADENCE, NOW)).toMatchObject({ source: "shopify", since: new Date(NOW.getTime() - HOUR).toISOString() });
    // Two webhooks a week: seven quiet hours mean nothing.
    expect(silentAlert(state("shopify", -7, -500, 2), DEFAULT_CADENCE, NOW)).toBeNull();
    expect(silentAlert(state("shopify", null), DEFAULT_CADENCE, NOW)).toBeNull();
  });

  it("expects the 3PL file every day by its time, once the feed has started", () => {
    expect(lastDailyDeadline(NOW, "09:00").toISOString()).toBe("2026-05-04T09:00:00.000Z");
    expect(lastDailyDeadline(NOW, "11:00").toISOString()).toBe("2026-05-03T11:00:00.000Z");
    // Today's file came at 03:00: fine.
    expect(silentAlert(state("3pl", -7.5), DEFAULT_CADENCE, NOW)).toBeNull();
    // The last one came yesterday at 08:00: today's 09:00 deadline passed without one.
    expect(silentAlert(state("3pl", -26.5), DEFAULT_CADENCE, NOW)).toMatchObject({ source: "3pl", since: "2026-05-04T09:00:00.000Z" });
    expect(silentAlert(state("3pl", -26.5), { ...DEFAULT_CADENCE, threePlDailyBy: "11:00" }, NOW)).toBeNull();
    // A feed that started after yesterday's deadline is not late yet.
    expect(silentAlert(state("3pl", -2, -2), DEFAULT_CADENCE, NOW)).toBeNull();
  });

  it("expects carrier updates within N hours of a shipment made after the last one", () => {
    const shipped = (h: number) => new Date(NOW.getTime() + h * HOUR);
    expect(silentAlert(state("carrier", -30), DEFAULT_CADENCE, NOW, null)).toBeNull();
    expect(silentAlert(state("carrier", -30), DEFAULT_CADENCE, NOW, shipped(-20))).toBeNull();
    expect(silentAlert(state("carrier", -30), DEFAULT_CADENCE, NOW, shipped(-25))).toMatchObject({ source: "carrier", since: shipped(-1).toISOString() });
    expect(silentAlert(state("carrier", -30, null), DEFAULT_CADENCE, NOW, shipped(-25))).toBeNull();
    expect(silentAlert(state("reconciliation", -300), DEFAULT_CADENCE, NOW)).toBeNull();
  });
});

describe("health settings", () => {
  it("falls back to defaults for anything missing, malformed or out of range", () => {
    expect(parseHealthSettings(undefined)).toEqual(DEFAULT_HEALTH_SETTINGS);
    expect(parseHealthSettings({ thresholds: { stalledAfterHours: 72, trackingGraceHours: -1, deliveryGraceHours: "6" }, cadence: { threePlDailyBy: "25:00", carrierWithinHours: 12 } })).toEqual({
      thresholds: { ...DEFAULT_HEALTH_SETTINGS.thresholds, stalledAfterHours: 72, deliveryGraceHours: 6 },
      cadence: { ...DEFAULT_HEALTH_SETTINGS.cadence, carrierWithinHours: 12 },
    });
  });

  it("validates a submitted form field by field instead of falling back", () => {
    const form = new Map<string, string>([
      ...Object.entries(DEFAULT_HEALTH_SETTINGS.thresholds).map(([k, v]): [string, string] => [k, String(v)]),
      ["shopifySilentAfterHours", "6"],
      ["threePlDailyBy", "07:30"],
      ["carrierWithinHours", "24"],
    ]);
    expect(healthSettingsFromForm(form).settings?.cadence.threePlDailyBy).toBe("07:30");
    form.set("stalledAfterHours", "0");
    form.set("threePlDailyBy", "7.30");
    const { settings, errors } = healthSettingsFromForm(form);
    expect(settings).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(["stalledAfterHours", "threePlDailyBy"]);
  });
});
