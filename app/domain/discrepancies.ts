/**
 * The discrepancy detector: compares what each source last said about one order and lists the open
 * disagreements (the contract's discrepancy codes), each with when it began and the evidence.
 *
 * Pure and order-independent like the rollup: the events are put in the rollup's canonical order first,
 * and every output list is sorted by fixed keys, so any permutation or re-delivery of the same events
 * gives the same answer. The clock enters only as `now`, which decides whether a grace period has run
 * out; `nextCheckAt` says when the answer could change by time alone, so a scheduler re-evaluates the
 * order then and at no other time.
 *
 * Shopify's side is what Shopify told us by webhook or what reconciliation read from Shopify; the 3PL
 * and the carrier are compared against it. Shopify says a parcel left only with a success fulfillment;
 * a pending or open one is still being prepared by a fulfillment service. New sources plug in by
 * producing the same event kinds.
 */
import {
  mapShopifyShipmentStatus,
  normalizeTrackingNumber,
  threePlTrackingNumbers,
  toUtcIso,
  type FulfillmentData,
  type OrderEvent,
  type OrderSnapshotEvent,
  type ShipmentStatus,
  type Source,
} from "./events";
import { canonicalEvents, fulfillmentBeingPrepared, fulfillmentShipped, type RollupResult, type ShipmentView } from "./rollup";

export const DISCREPANCY_CODES = [
  "fulfilled_without_tracking",
  "3pl_shipped_missing_in_shopify",
  "shopify_shipped_missing_in_3pl",
  "carrier_ahead_of_shopify",
  "cancelled_but_shipped",
  "quantity_mismatch",
  "tracking_number_mismatch",
  "stalled_no_carrier_scan",
  "past_estimated_delivery",
] as const;
export type DiscrepancyCode = (typeof DISCREPANCY_CODES)[number];

export function isDiscrepancyCode(value: unknown): value is DiscrepancyCode {
  return typeof value === "string" && (DISCREPANCY_CODES as readonly string[]).includes(value);
}

/** Per-shop grace periods, in hours. A disagreement younger than its grace is normal propagation, not news. */
export type DiscrepancyThresholds = {
  /** Shopify fulfillment created, tracking number still missing */
  trackingGraceHours: number;
  /** 3PL reported a shipment; Shopify should show it by then */
  shopifyGraceHours: number;
  /** Shopify fulfillment created; the 3PL's (usually nightly) file should confirm it by then */
  threePlGraceHours: number;
  /** the carrier is further along than Shopify's own tracking for this long */
  carrierAheadGraceHours: number;
  /** label created, no carrier scan for this long */
  stalledAfterHours: number;
  /** still not delivered this long after the estimated delivery */
  deliveryGraceHours: number;
};

export const DEFAULT_DISCREPANCY_THRESHOLDS: Readonly<DiscrepancyThresholds> = Object.freeze({
  trackingGraceHours: 2,
  shopifyGraceHours: 6,
  threePlGraceHours: 36,
  carrierAheadGraceHours: 2,
  stalledAfterHours: 48,
  deliveryGraceHours: 12,
});

export type Evidence = { source: Source; said: string; at: string; receivedAt: string | null };

export type Discrepancy = {
  /** the code plus what it is about (a fulfillment, a tracking number): the same disagreement across re-evaluations */
  key: string;
  code: DiscrepancyCode;
  /** the source whose claim is in question, for filtering */
  source: Source;
  /** when the disagreement began (for clock-driven codes: when the time ran out) */
  since: string;
  detail: string;
  evidence: Evidence[];
};

export type Detection = {
  open: Discrepancy[];
  /** the earliest time after `now` at which the answer changes with no new event, or null */
  nextCheckAt: string | null;
};

export type DetectorInput = {
  events: ReadonlyArray<{ event: OrderEvent; receivedAt: string | Date }>;
  rollup: RollupResult;
  now: Date;
  thresholds?: Partial<DiscrepancyThresholds>;
  /** when this shop's 3PL feed started; null when the shop has no 3PL, so nothing is "missing in 3PL" */
  threePlActiveSince?: string | null;
};

const HOUR = 3_600_000;

/** How far along a parcel is, for "is the carrier ahead?" (a problem at the door is not ahead of the road). */
const PROGRESS: Readonly<Record<ShipmentStatus, number>> = {
  cancelled: -1,
  label_created: 0,
  confirmed: 1,
  in_transit: 2,
  exception: 2,
  attempted_delivery: 3,
  out_for_delivery: 3,
  ready_for_pickup: 4,
  delivered: 5,
};

const WORDS = (status: ShipmentStatus) => status.replace(/_/g, " ");

function ms(iso: string | null | undefined): number {
  if (!iso) return Number.NaN;
  return Date.parse(iso);
}

function iso(value: number): string {
  return new Date(value).toISOString();
}

/** The earlier of two times, ignoring an unknown one. */
function earliest(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}

/** The later of two times, ignoring an unknown one. */
function latest(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Fulfillment = {
  data: FulfillmentData;
  at: number;
  seq: number;
  firstSeenAt: number;
  source: Source;
  key: string;
};

type ThreePlReport = {
  key: string;
  /** the parcels' numbers as one text, for the words of a discrepancy */
  trackingNumber: string | null;
  trackingNumbers: string[];
  isPackage: boolean;
  carrier: string | null;
  lines: Map<string, number>;
  shippedAt: string;
  dedupeKey: string;
};

type CarrierScan = { tracking: string; status: ShipmentStatus; at: number; happenedAt: string; dedupeKey: string };

type Pending = { code: DiscrepancyCode; due: number };

export function detectDiscrepancies(input: DetectorInput): Detection {
  const thresholds = { ...DEFAULT_DISCREPANCY_THRESHOLDS, ...input.thresholds };
  const nowMs = input.now.getTime();
  const receivedAt = new Map<string, number>();
  for (const { event, receivedAt: at } of input.events) {
    // A re-delivered event keeps its first arrival.
    const t = at instanceof Date ? at.getTime() : Date.parse(at);
    const known = receivedAt.get(event.dedupeKey);
    if (known === undefined || t < known) receivedAt.set(event.dedupeKey, t);
  }
  const received = (dedupeKey: string) => {
    const t = receivedAt.get(dedupeKey);
    return t === undefined || Number.isNaN(t) ? null : iso(t);
  };
  const log = canonicalEvents(input.events.map((e) => e.event));

  // --- fold what each source says -----------------------------------------------------------------
  let snapshot: OrderSnapshotEvent | null = null;
  let deletion: OrderEvent | null = null;
  let cancelling: OrderSnapshotEvent | null = null;
  const fulfillments = new Map<string, Fulfillment>();
  const cancelledFulfillments = new Set<string>();
  const preparedFulfillments = new Set<string>();
  const firstShippedAt = new Map<string, number>();
  const shopifyScans = new Map<string, { fulfillmentId: string; status: ShipmentStatus; at: number; key: string }>();
  const withdrawnScans = new Set<string>();
  const threePl = new Map<string, ThreePlReport>();
  const carrierScans: CarrierScan[] = [];

  const offer = (data: FulfillmentData, event: OrderEvent, seq: number) => {
    if (data.status === "cancelled") cancelledFulfillments.add(data.id);
    const at = ms(data.updatedAt ?? event.occurredAt);
    if (fulfillmentBeingPrepared(data.status)) preparedFulfillments.add(data.id);
    if (fulfillmentShipped(data.status)) firstShippedAt.set(data.id, earliest(firstShippedAt.get(data.id) ?? Number.NaN, at));
    const current = fulfillments.get(data.id);
    const created = ms(data.createdAt);
    const seen = Number.isNaN(created) ? ms(event.occurredAt) : created;
    const firstSeenAt = earliest(current?.firstSeenAt ?? Number.NaN, seen);
    if (!current || at > current.at || (at === current.at && seq > current.seq) || (Number.isNaN(current.at) && !Number.isNaN(at))) {
      fulfillments.set(data.id, { data, at, seq, firstSeenAt, source: event.source, key: event.dedupeKey });
    } else {
      current.firstSeenAt = firstSeenAt;
    }
  };

  for (const [seq, event] of log.entries()) {
    switch (event.kind) {
      case "order_snapshot":
        snapshot = event;
        if (event.data.cancelledAt && !cancelling) cancelling = event;
        for (const f of event.data.fulfillments) offer(f, event, seq);
        break;
      case "order_deleted":
        deletion ??= event;
        break;
      case "fulfillment_snapshot":
        offer(event.data, event, seq);
        break;
      case "fulfillment_event": {
        const mapped = mapShopifyShipmentStatus(event.data.status);
        if (mapped) {
          shopifyScans.set(event.data.id, { fulfillmentId: event.data.fulfillmentId, status: mapped.status, at: ms(event.data.happenedAt), key: event.dedupeKey });
        }
        break;
      }
      case "fulfillment_event_deleted":
        withdrawnScans.add(event.data.id);
        break;
      case "3pl_shipment": {
        const d = event.data;
        const numbers = threePlTrackingNumbers(d);
        const tracking = numbers[0] ?? null;
        const key = tracking ?? (d.reference ? `ref:${d.reference}` : `key:${event.dedupeKey}`);
        const lines = new Map<string, number>();
        for (const l of d.lines) if (l.quantity > 0) lines.set(l.sku, (lines.get(l.sku) ?? 0) + l.quantity);
        threePl.set(key, {
          key,
          trackingNumber: numbers.length > 0 ? numbers.join(", ") : null,
          trackingNumbers: numbers,
          isPackage: d.coversUnshipped === true,
          carrier: d.carrier,
          lines,
          shippedAt: d.shippedAt,
          dedupeKey: event.dedupeKey,
        });
        break;
      }
      case "carrier_tracking":
        carrierScans.push({
          tracking: normalizeTrackingNumber(event.data.trackingNumber),
          status: event.data.status,
          at: ms(event.data.happenedAt),
          happenedAt: event.data.happenedAt,
          dedupeKey: event.dedupeKey,
        });
        break;
      default:
        break;
    }
  }

  const lineRequiresShipping = new Map<string, boolean>();
  const lineSku = new Map<string, string | null>();
  for (const l of snapshot?.data.lineItems ?? []) {
    lineRequiresShipping.set(l.id, l.requiresShipping);
    lineSku.set(l.id, l.sku);
  }

  // Shopify's live fulfillments carrying something that ships: parcels (success) and those still being prepared.
  const live = [...fulfillments.values()]
    .filter((f) => !cancelledFulfillments.has(f.data.id) && (fulfillmentShipped(f.data.status) || fulfillmentBeingPrepared(f.data.status)))
    .map((f) => {
      const skus = new Map<string, number>();
      let physical = 0;
      for (const l of f.data.lineItems) {
        const ships = l.lineItemId && lineRequiresShipping.has(l.lineItemId) ? lineRequiresShipping.get(l.lineItemId)! : l.requiresShipping;
        if (!ships || l.quantity <= 0) continue;
        physical += l.quantity;
        const sku = l.sku ?? (l.lineItemId ? lineSku.get(l.lineItemId) : null) ?? `title:${l.title}`;
        skus.set(sku, (skus.get(sku) ?? 0) + l.quantity);
      }
      const tracking = [...new Set(f.data.trackingNumbers.map(normalizeTrackingNumber).filter((t) => t.length > 0))].sort(compare);
      // Graces run from when the parcel left: for one a fulfillment service held first, that is when
      // Shopify first said success, not when the request was created.
      const since = preparedFulfillments.has(f.data.id) ? latest(f.firstSeenAt, firstShippedAt.get(f.data.id) ?? Number.NaN) : f.firstSeenAt;
      return { f, skus, physical, tracking, since };
    })
    .filter((p) => p.physical > 0 || p.f.data.lineItems.length === 0)
    .sort((a, b) => compare(a.f.data.id, b.f.data.id));
  const parcels = live.filter((p) => fulfillmentShipped(p.f.data.status));
  const beingPrepared = live.filter((p) => fulfillmentBeingPrepared(p.f.data.status));

  const open: Discrepancy[] = [];
  const pending: Pending[] = [];
  const raise = (code: DiscrepancyCode, start: number, grace: number, make: () => Omit<Discrepancy, "code" | "since">) => {
    if (Number.isNaN(start)) return;
    const due = start + grace * HOUR;
    if (nowMs >= due) open.push({ code, since: iso(start), ...make() });
    else pending.push({ code, due });
  };
  const evidence = (source: Source, said: string, at: string | number, dedupeKey: string): Evidence => ({
    source,
    said,
    at: typeof at === "number" ? iso(at) : (toUtcIso(at) ?? at),
    receivedAt: received(dedupeKey),
  });
  const parcelLabel = (p: (typeof parcels)[number]) => p.f.data.name ?? `fulfillment ${p.f.data.id}`;
  const parcelEvidence = (p: (typeof parcels)[number], said: string) => evidence(p.f.source, said, p.since, p.f.key);

  // Cancelled exactly when the rollup says so, so the dashboard never contradicts the status.
  const cancelled = input.rollup.status.status === "cancelled";
  const cancelledAt = ms(input.rollup.status.cancelledAt);

  // --- cancelled but shipped --------------------------------------------------------------------
  if (cancelled) {
    const shipped: Array<{ at: number; ev: Evidence }> = [];
    for (const p of parcels) {
      if (p.physical === 0) continue;
      shipped.push({ at: p.since, ev: parcelEvidence(p, `${parcelLabel(p)} shipped ${p.physical} unit${p.physical === 1 ? "" : "s"}`) });
    }
    for (const r of [...threePl.values()].sort((a, b) => compare(a.key, b.key))) {
      shipped.push({ at: ms(r.shippedAt), ev: evidence("3pl", `shipped ${r.trackingNumber ?? r.key}`, r.shippedAt, r.dedupeKey) });
    }
    for (const scan of carrierScans) {
      if (PROGRESS[scan.status] < PROGRESS.confirmed) continue;
      shipped.push({ at: scan.at, ev: evidence("carrier", `${scan.tracking} ${WORDS(scan.status)}`, scan.happenedAt, scan.dedupeKey) });
    }
    const usable = shipped.filter((s) => !Number.isNaN(s.at)).sort((a, b) => a.at - b.at || compare(a.ev.said, b.ev.said));
    if (usable.length > 0) {
      const cancelEvent = cancelling ?? deletion!;
      const start = Math.max(Number.isNaN(cancelledAt) ? usable[0]!.at : cancelledAt, usable[0]!.at);
      const first = usable[0]!;
      raise("cancelled_but_shipped", start, 0, () => ({
        key: "cancelled_but_shipped",
        source: first.ev.source,
        detail: `Cancelled, but ${first.ev.source === "carrier" ? "the carrier scanned a parcel" : first.ev.source === "3pl" ? "the warehouse shipped it" : "a fulfillment went out"}.`,
        evidence: [
          evidence(cancelEvent.source, cancelEvent.kind === "order_deleted" ? "order deleted" : "order cancelled", Number.isNaN(cancelledAt) ? cancelEvent.occurredAt : cancelledAt, cancelEvent.dedupeKey),
          ...usable.slice(0, 3).map((s) => s.ev),
        ],
      }));
    }
  }

  // --- Shopify fulfillments without tracking --------------------------------------------------
  if (!cancelled) {
    for (const p of parcels) {
      if (p.f.data.localPickup || p.physical === 0 || p.tracking.length > 0) continue;
      raise("fulfilled_without_tracking", p.since, thresholds.trackingGraceHours, () => ({
        key: `fulfilled_without_tracking:${p.f.data.id}`,
        source: "shopify",
        detail: `${parcelLabel(p)} is fulfilled in Shopify with no tracking number.`,
        evidence: [parcelEvidence(p, `${parcelLabel(p)} fulfilled, ${p.physical} unit${p.physical === 1 ? "" : "s"}, no tracking`)],
      }));
    }
  }

  // --- 3PL reports against Shopify fulfillments ---------------------------------------------------
  const byTracking = new Map<string, (typeof parcels)[number]>();
  for (const p of parcels) for (const t of p.tracking) if (!byTracking.has(t)) byTracking.set(t, p);
  const paired = new Set<string>();
  const sameItems = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a].every(([sku, qty]) => b.get(sku) === qty);
  const sameSkus = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a.keys()].every((sku) => b.has(sku));
  const describeLines = (lines: Map<string, number>) =>
    [...lines]
      .sort(([a], [b]) => compare(a, b))
      .map(([sku, qty]) => `${qty} × ${sku}`)
      .join(", ") || "no lines";
  const describeReport = (r: ThreePlReport): string => (r.isPackage ? "a package" : describeLines(r.lines));
  const firstOf = <T,>(numbers: readonly string[], index: Map<string, T>) => numbers.map((t) => index.get(t)).find((p): p is T => p !== undefined);
  const reports = [...threePl.values()].sort((a, b) => compare(a.key, b.key));
  const unmatched: ThreePlReport[] = [];
  for (const r of reports) {
    const p = firstOf(r.trackingNumbers, byTracking);
    if (p) {
      paired.add(p.f.data.id);
      if (!cancelled && r.lines.size > 0 && !sameItems(r.lines, p.skus)) {
        raise("quantity_mismatch", Math.max(ms(r.shippedAt), p.since), 0, () => ({
          key: `quantity_mismatch:${r.key}`,
          source: "3pl",
          detail: `The warehouse shipped ${describeReport(r)} as ${r.trackingNumber}; Shopify's ${parcelLabel(p)} has ${describeLines(p.skus)}.`,
          evidence: [evidence("3pl", `shipped ${describeReport(r)}`, r.shippedAt, r.dedupeKey), parcelEvidence(p, `${parcelLabel(p)}: ${describeLines(p.skus)}`)],
        }));
      }
    } else {
      unmatched.push(r);
    }
  }
  const preparingByTracking = new Map<string, (typeof beingPrepared)[number]>();
  for (const p of beingPrepared) for (const t of p.tracking) if (!preparingByTracking.has(t)) preparingByTracking.set(t, p);
  for (const r of unmatched) {
    // The warehouse sent what Shopify still shows as being prepared: Shopify has not caught up.
    const preparing = firstOf(r.trackingNumbers, preparingByTracking);
    if (preparing) {
      if (cancelled) continue;
      raise("3pl_shipped_missing_in_shopify", ms(r.shippedAt), thresholds.shopifyGraceHours, () => ({
        key: `3pl_shipped_missing_in_shopify:${r.key}`,
        source: "3pl",
        detail: `The warehouse shipped ${describeReport(r)} as ${r.trackingNumber}; Shopify still shows ${parcelLabel(preparing)} as being prepared.`,
        evidence: [
          evidence("3pl", `shipped ${describeReport(r)} (${r.carrier ? `${r.carrier} ` : ""}${r.trackingNumber})`, r.shippedAt, r.dedupeKey),
          parcelEvidence(preparing, `${parcelLabel(preparing)} being prepared (${preparing.f.data.status})`),
        ],
      }));
      continue;
    }
    // Same items under another number: the parcel is known, its number is not.
    const twin = parcels.find((p) => !paired.has(p.f.data.id) && p.tracking.length > 0 && r.lines.size > 0 && sameSkus(r.lines, p.skus));
    if (twin) {
      paired.add(twin.f.data.id);
      if (cancelled || !r.trackingNumber) continue;
      raise("tracking_number_mismatch", Math.max(ms(r.shippedAt), twin.since), 0, () => ({
        key: `tracking_number_mismatch:${twin.f.data.id}`,
        source: "3pl",
        detail: `The warehouse gives ${r.trackingNumber} for ${describeReport(r)}; Shopify's ${parcelLabel(twin)} has ${twin.tracking.join(", ")}.`,
        evidence: [evidence("3pl", `shipped as ${r.trackingNumber}`, r.shippedAt, r.dedupeKey), parcelEvidence(twin, `${parcelLabel(twin)} tracking ${twin.tracking.join(", ")}`)],
      }));
      continue;
    }
    const untracked = parcels.find((p) => !paired.has(p.f.data.id) && p.tracking.length === 0 && r.lines.size > 0 && sameSkus(r.lines, p.skus));
    if (untracked) {
      // fulfilled_without_tracking already says it; the 3PL's number is the fix, not a second problem.
      paired.add(untracked.f.data.id);
      continue;
    }
    if (cancelled) continue;
    raise("3pl_shipped_missing_in_shopify", ms(r.shippedAt), thresholds.shopifyGraceHours, () => ({
      key: `3pl_shipped_missing_in_shopify:${r.key}`,
      source: "3pl",
      detail: `The warehouse shipped ${describeReport(r)}${r.trackingNumber ? ` as ${r.trackingNumber}` : ""}; Shopify shows no such fulfillment.`,
      evidence: [evidence("3pl", `shipped ${describeReport(r)}${r.trackingNumber ? ` (${r.carrier ? `${r.carrier} ` : ""}${r.trackingNumber})` : ""}`, r.shippedAt, r.dedupeKey)],
    }));
  }
  const threePlSince = ms(input.threePlActiveSince ?? null);
  if (!cancelled && !Number.isNaN(threePlSince)) {
    for (const p of parcels) {
      if (paired.has(p.f.data.id) || p.f.data.localPickup || p.physical === 0 || !(p.since >= threePlSince)) continue;
      raise("shopify_shipped_missing_in_3pl", p.since, thresholds.threePlGraceHours, () => ({
        key: `shopify_shipped_missing_in_3pl:${p.f.data.id}`,
        source: "3pl",
        detail: `${parcelLabel(p)} is fulfilled in Shopify, but no warehouse file has reported it.`,
        evidence: [parcelEvidence(p, `${parcelLabel(p)} fulfilled${p.tracking.length ? ` (${p.tracking.join(", ")})` : ""}`)],
      }));
    }
  }

  // --- carrier ahead of Shopify -------------------------------------------------------------------
  if (!cancelled) {
    const liveScans = [...shopifyScans.entries()].filter(([id]) => !withdrawnScans.has(id)).map(([, s]) => s);
    for (const p of [...parcels, ...beingPrepared]) {
      if (p.tracking.length === 0) continue;
      const shipped = fulfillmentShipped(p.f.data.status);
      const own = shipped
        ? liveScans
            .filter((s) => s.fulfillmentId === p.f.data.id)
            .sort((a, b) => a.at - b.at || PROGRESS[a.status] - PROGRESS[b.status] || compare(a.key, b.key))
            .at(-1)
        : undefined;
      // Being prepared is behind any scan past a label: the parcel moves while Shopify says it has not left.
      const baseline: ShipmentStatus = shipped
        ? (mapShopifyShipmentStatus(p.f.data.shipmentStatus, { localPickup: p.f.data.localPickup })?.status ?? "label_created")
        : "label_created";
      const shopifyStatus = own ? (PROGRESS[own.status] >= PROGRESS[baseline] ? own.status : baseline) : baseline;
      const shopifyWords = shipped ? WORDS(shopifyStatus) : "being prepared";
      const tracking = new Set(p.tracking);
      const ahead = carrierScans
        .filter((s) => tracking.has(s.tracking) && PROGRESS[s.status] > PROGRESS[shopifyStatus] && !Number.isNaN(s.at))
        .sort((a, b) => a.at - b.at || PROGRESS[a.status] - PROGRESS[b.status] || compare(a.dedupeKey, b.dedupeKey));
      if (ahead.length === 0) continue;
      const first = ahead[0]!;
      const furthest = ahead.reduce((best, s) => (PROGRESS[s.status] > PROGRESS[best.status] || (PROGRESS[s.status] === PROGRESS[best.status] && s.at > best.at) ? s : best), first);
      raise("carrier_ahead_of_shopify", first.at, thresholds.carrierAheadGraceHours, () => ({
        key: `carrier_ahead_of_shopify:${p.f.data.id}`,
        source: "carrier",
        detail: `The carrier says ${WORDS(furthest.status)}; Shopify still shows ${parcelLabel(p)} as ${shopifyWords}.`,
        evidence: [
          evidence("carrier", `${furthest.tracking} ${WORDS(furthest.status)}`, furthest.happenedAt, furthest.dedupeKey),
          own
            ? evidence("shopify", `${parcelLabel(p)} ${shopifyWords}`, own.at, own.key)
            : parcelEvidence(p, `${parcelLabel(p)} ${shopifyWords}`),
        ],
      }));
    }
  }

  // --- the clock: stalled labels and late parcels -------------------------------------------------
  if (!cancelled) {
    for (const view of input.rollup.status.shipments) {
      // The label itself came from Shopify or, for a parcel Shopify does not know, from the 3PL.
      const labelSource: Source = view.id.startsWith("3pl:") ? "3pl" : "shopify";
      clockChecks(view, thresholds, raise, (said, at) => ({ source: labelSource, said, at: toUtcIso(at) ?? at, receivedAt: null }));
    }
  }

  open.sort((a, b) => compare(a.key, b.key));
  const nextDue = pending.reduce((min, p) => Math.min(min, p.due), Number.POSITIVE_INFINITY);
  return { open, nextCheckAt: Number.isFinite(nextDue) ? iso(nextDue) : null };
}

const NOT_LATE: ReadonlySet<ShipmentStatus> = new Set<ShipmentStatus>(["delivered", "ready_for_pickup", "cancelled"]);

function clockChecks(
  view: ShipmentView,
  thresholds: DiscrepancyThresholds,
  raise: (code: DiscrepancyCode, start: number, grace: number, make: () => Omit<Discrepancy, "code" | "since">) => void,
  said: (text: string, at: string) => Evidence,
) {
  const name = view.trackingNumbers[0] ?? view.id;
  if (view.status === "label_created" && view.lastEvent && view.trackingNumbers.length > 0) {
    const labelAt = view.lastEvent.happenedAt;
    raise("stalled_no_carrier_scan", ms(labelAt) + thresholds.stalledAfterHours * HOUR, 0, () => ({
      key: `stalled_no_carrier_scan:${view.id}`,
      source: "carrier",
      detail: `Label ${name} was created ${thresholds.stalledAfterHours} h or more ago and the carrier has not scanned it.`,
      evidence: [said(`${name} label created, no scan since`, labelAt)],
    }));
  }
  if (!NOT_LATE.has(view.status) && view.estimatedDeliveryAt) {
    const eta = view.estimatedDeliveryAt;
    raise("past_estimated_delivery", ms(eta) + thresholds.deliveryGraceHours * HOUR, 0, () => ({
      key: `past_estimated_delivery:${view.id}`,
      source: "carrier",
      detail: `${name} was expected by ${eta.slice(0, 16).replace("T", " ")} UTC and is still ${WORDS(view.status)}.`,
      evidence: [said(`${name} expected ${eta.slice(0, 10)}, last ${WORDS(view.status)}`, view.lastEvent?.happenedAt ?? eta)],
    }));
  }
}
