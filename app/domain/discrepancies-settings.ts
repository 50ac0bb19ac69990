/**
 * The shop's sync-health settings (the `health` part of Shop.settings): discrepancy grace periods and
 * each source's expected cadence. Anything missing or out of range falls back to the default, so a
 * hand-edited or older settings document never breaks the detector.
 */
import { DEFAULT_DISCREPANCY_THRESHOLDS, type DiscrepancyThresholds } from "./discrepancies";
import { DEFAULT_CADENCE, type SourceCadence } from "./sync-lag";

export type HealthSettings = { thresholds: DiscrepancyThresholds; cadence: SourceCadence };

export const DEFAULT_HEALTH_SETTINGS: Readonly<HealthSettings> = Object.freeze({
  thresholds: DEFAULT_DISCREPANCY_THRESHOLDS,
  cadence: DEFAULT_CADENCE,
});

/** Allowed range per setting, in hours; the Settings form and the parser share it. */
export const THRESHOLD_LIMITS: Readonly<Record<keyof DiscrepancyThresholds, { min: number; max: number; label: string; help: string }>> = {
  trackingGraceHours: { min: 0, max: 168, label: "Tracking number missing after", help: "Hours after a Shopify fulfillment before a missing tracking number is raised." },
  shopifyGraceHours: { min: 0, max: 168, label: "Warehouse shipment missing in Shopify after", help: "Hours after the 3PL ships before Shopify must show the fulfillment." },
  threePlGraceHours: { min: 1, max: 336, label: "Shopify shipment missing in the 3PL file after", help: "Hours after a Shopify fulfillment before the 3PL file must confirm it (the file usually lands next morning)." },
  carrierAheadGraceHours: { min: 0, max: 72, label: "Carrier ahead of Shopify after", help: "Hours the carrier may be ahead of Shopify's tracking before it is raised." },
  stalledAfterHours: { min: 1, max: 336, label: "Stalled when no carrier scan for", help: "Hours after a label is created with no carrier scan." },
  deliveryGraceHours: { min: 0, max: 336, label: "Late after the estimated delivery by", help: "Hours past the carrier's estimated delivery before the parcel counts as late." },
};

export const CADENCE_LIMITS = {
  shopifySilentAfterHours: { min: 1, max: 168 },
  carrierWithinHours: { min: 1, max: 336 },
} as const;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

function hours(value: unknown, limits: { min: number; max: number }, fallback: number): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= limits.min && n <= limits.max ? n : fallback;
}

export function parseHealthSettings(value: unknown): HealthSettings {
  const root = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const t = root.thresholds && typeof root.thresholds === "object" ? (root.thresholds as Record<string, unknown>) : {};
  const c = root.cadence && typeof root.cadence === "object" ? (root.cadence as Record<string, unknown>) : {};
  const thresholds = Object.fromEntries(
    (Object.keys(THRESHOLD_LIMITS) as Array<keyof DiscrepancyThresholds>).map((key) => [key, hours(t[key], THRESHOLD_LIMITS[key], DEFAULT_DISCREPANCY_THRESHOLDS[key])]),
  ) as DiscrepancyThresholds;
  return {
    thresholds,
    cadence: {
      shopifySilentAfterHours: hours(c.shopifySilentAfterHours, CADENCE_LIMITS.shopifySilentAfterHours, DEFAULT_CADENCE.shopifySilentAfterHours),
      threePlDailyBy: typeof c.threePlDailyBy === "string" && HHMM.test(c.threePlDailyBy) ? c.threePlDailyBy : DEFAULT_CADENCE.threePlDailyBy,
      carrierWithinHours: hours(c.carrierWithinHours, CADENCE_LIMITS.carrierWithinHours, DEFAULT_CADENCE.carrierWithinHours),
    },
  };
}

export type HealthSettingsErrors = Partial<Record<keyof DiscrepancyThresholds | keyof SourceCadence, string>>;

/** Validates a submitted form: every field must be present and in range (no silent fallback for people). */
export function healthSettingsFromForm(form: { get(name: string): unknown }): { settings: HealthSettings | null; errors: HealthSettingsErrors } {
  const errors: HealthSettingsErrors = {};
  const number = (name: keyof HealthSettingsErrors, limits: { min: number; max: number }) => {
    const raw = String(form.get(name) ?? "").trim();
    const n = Number(raw);
    if (raw === "" || !Number.isFinite(n) || n < limits.min || n > limits.max) {
      errors[name] = `Enter a number of hours from ${limits.min} to ${limits.max}.`;
      return 0;
    }
    return n;
  };
  const thresholds = Object.fromEntries(
    (Object.keys(THRESHOLD_LIMITS) as Array<keyof DiscrepancyThresholds>).map((key) => [key, number(key, THRESHOLD_LIMITS[key])]),
  ) as DiscrepancyThresholds;
  const shopifySilentAfterHours = number("shopifySilentAfterHours", CADENCE_LIMITS.shopifySilentAfterHours);
  const carrierWithinHours = number("carrierWithinHours", CADENCE_LIMITS.carrierWithinHours);
  const threePlDailyBy = String(form.get("threePlDailyBy") ?? "").trim();
  if (!HHMM.test(threePlDailyBy)) errors.threePlDailyBy = "Enter a time of day as HH:MM (UTC).";
  if (Object.keys(errors).length > 0) return { settings: null, errors };
  return { settings: { thresholds, cadence: { shopifySilentAfterHours, threePlDailyBy, carrierWithinHours } }, errors };
}
