/**
 * rollup(events of one order) -> the canonical OrderStatus v1 document.
 *
 * Pure and order-independent: the events are first put in one canonical order (occurredAt, then a fixed
 * kind rank, then dedupeKey) with duplicates collapsed, and every "latest" below means latest in that
 * order. Every array in the output is sorted by fixed keys, so any permutation or duplication of the same
 * events yields the byte-identical document. The clock only enters through applyClock, which needs the
 * document alone, so a stored document can be refreshed at read time.
 */
import {
  ATTENTION_FLAGS,
  KIND_RANK,
  SHIPMENT_STATUSES,
  SOURCES,
  mapShopifyShipmentStatus,
  normalizeTrackingNumber,
  threePlTrackingNumbers,
  toUtcIso,
  type AttentionFlag,
  type FulfillmentData,
  type LineItemData,
  type OrderEvent,
  type OrderSnapshotEvent,
  type OrderStatusValue,
  type ShipmentStatus,
  type Source,
} from "./events";

// ---------------------------------------------------------------------------------------------------
// Output types (contracts/order-status.schema.json, storefront view)
// ---------------------------------------------------------------------------------------------------

export type ShipmentItem = { title: string; sku: string | null; quantity: number };

export type ShipmentLastEvent = {
  status: ShipmentStatus;
  happenedAt: string;
  message: string | null;
  location: string | null;
};

export type ShipmentView = {
  id: string;
  status: ShipmentStatus;
  carrier: string | null;
  trackingNumbers: string[];
  trackingUrls: string[];
  items: ShipmentItem[];
  estimatedDeliveryAt: string | null;
  deliveredAt: string | null;
  lastEvent: ShipmentLastEvent | null;
};

export type OrderStatus = {
  schemaVersion: 1;
  orderId: string;
  name: string;
  status: OrderStatusValue;
  attention: AttentionFlag[];
  items: { total: number; shipped: number; delivered: number };
  shipments: ShipmentView[];
  statusPageUrl: string | null;
  estimatedDeliveryAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
  updatedAt: string;
};

export type SourceClaim = { source: Source; claim: string; occurredAt: string; receivedAt?: string };

export type RollupResult = {
  status: OrderStatus;
  order: {
    name: string | null;
    customerId: string | null;
    emailHash: string | null;
    phoneHash: string | null;
    placedAt: string | null;
  };
  /** each source's latest claim; receivedAt is only known to the caller */
  sources: SourceClaim[];
  /** dedupe keys of the events that decided the status, sorted */
  decidedBy: string[];
  /** Shopify deleted the order; the status reads cancelled and lookups should hide it */
  deleted: boolean;
};

export type ClockThresholds = { stalledAfterHours: number };
export const DEFAULT_THRESHOLDS: Readonly<ClockThresholds> = Object.freeze({ stalledAfterHours: 48 });

// ---------------------------------------------------------------------------------------------------
// Shopify fulfillment status
// ---------------------------------------------------------------------------------------------------

/**
 * Shopify's fulfillment status is pending | open | success | cancelled | error | failure (the normalisers
 * lower-case GraphQL's enum and read a missing status as success). Only success means the units left the
 * warehouse; pending and open mean a fulfillment service has the request and is still preparing it;
 * cancelled, error and failure ship nothing.
 */
export function fulfillmentShipped(status: string): boolean {
  return status === "success";
}

export function fulfillmentBeingPrepared(status: string): boolean {
  return status === "pending" || status === "open";
}

// ---------------------------------------------------------------------------------------------------
// Canonical ordering
// ---------------------------------------------------------------------------------------------------

const EPOCH = "1970-01-01T00:00:00.000Z";

function ms(iso: string | null | undefined): number {
  if (!iso) return Number.NEGATIVE_INFINITY;
  const value = Date.parse(iso);
  return Number.isNaN(value) ? Number.NEGATIVE_INFINITY : value;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with sorted keys: the last-resort tie-break for two different events sharing a dedupe key. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareStrings(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

// NaN (two unparsable times) is falsy, so such events fall through to the next key.
function compareEvents(a: OrderEvent, b: OrderEvent): number {
  return (
    ms(a.occurredAt) - ms(b.occurredAt) ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    compareStrings(a.dedupeKey, b.dedupeKey) ||
    compareStrings(canonicalJson(a), canonicalJson(b))
  );
}

/** Sorts canonically and keeps the first event per dedupe key; seq is the position in that order. */
export function canonicalEvents(events: readonly OrderEvent[]): OrderEvent[] {
  const sorted = [...events].sort(compareEvents);
  const seen = new Set<string>();
  return sorted.filter((e) => (seen.has(e.dedupeKey) ? false : (seen.add(e.dedupeKey), true)));
}

// ---------------------------------------------------------------------------------------------------
// Internal model
// ---------------------------------------------------------------------------------------------------

/** Progress of a parcel, for "latest event" ties and for the least-advanced rule. */
const SHIPMENT_PROGRESS: Readonly<Record<ShipmentStatus, number>> = {
  cancelled: -1,
  label_created: 0,
  confirmed: 1,
  exception: 2,
  in_transit: 3,
  attempted_delivery: 4,
  out_for_delivery: 5,
  ready_for_pickup: 6,
  delivered: 7,
};

type OrderStage = "shipped" | "in_transit" | "out_for_delivery" | "ready_for_pickup" | "delivered";
const STAGE_RANK: Readonly<Record<OrderStage, number>> = {
  shipped: 0,
  in_transit: 1,
  out_for_delivery: 2,
  ready_for_pickup: 3,
  delivered: 4,
};
// A failed attempt or an exception leaves the parcel in the carrier's network: in transit, with a flag.
const STAGE_OF: Readonly<Record<Exclude<ShipmentStatus, "cancelled">, OrderStage>> = {
  label_created: "shipped",
  confirmed: "shipped",
  in_transit: "in_transit",
  exception: "in_transit",
  attempted_delivery: "in_transit",
  out_for_delivery: "out_for_delivery",
  ready_for_pickup: "ready_for_pickup",
  delivered: "delivered",
};

type StatusCandidate = {
  status: ShipmentStatus;
  at: number;
  happenedAt: string;
  estimatedDeliveryAt: string | null;
  message: string | null;
  location: string | null;
  key: string;
  carrier: string | null;
};

function laterCandidate(a: StatusCandidate, b: StatusCandidate): StatusCandidate {
  const order =
    a.at - b.at ||
    SHIPMENT_PROGRESS[a.status] - SHIPMENT_PROGRESS[b.status] ||
    compareStrings(a.key, b.key) ||
    compareStrings(canonicalJson(a), canonicalJson(b));
  return order >= 0 ? a : b;
}

type FulfillmentVersion = { data: FulfillmentData; at: number; seq: number; key: string };

type ShipmentLine = { lineItemId: string | null; title: string; sku: string | null; quantity: number };

type WorkingShipment = {
  id: string;
  firstAt: number;
  carrier: string | null;
  trackingNumbers: string[];
  trackingUrls: string[];
  lines: ShipmentLine[];
  localPickup: boolean;
  fulfillmentId: string | null;
  baseline: StatusCandidate | null;
  decidedBy: string[];
};

type ThreePlReport = {
  key: string;
  /** the parcels of the shipment, normalised */
  trackingNumbers: string[];
  carrier: string | null;
  lines: Array<{ sku: string; quantity: number }>;
  coversUnshipped: boolean;
  shippedAt: string;
  dedupeKey: string;
};

// ---------------------------------------------------------------------------------------------------
// rollup
// ---------------------------------------------------------------------------------------------------

export function rollup(events: readonly OrderEvent[], now: Date, thresholds: ClockThresholds = DEFAULT_THRESHOLDS): RollupResult {
  if (events.length === 0) throw new Error("rollup needs at least one event");
  const orderId = events[0]!.orderId;
  for (const e of events) {
    if (e.orderId !== orderId) throw new Error(`rollup got events of two orders: ${orderId} and ${e.orderId}`);
  }
  const log = canonicalEvents(events);
  const decided = new Set<string>();

  // --- fold the log -------------------------------------------------------------------------------
  let snapshot: OrderSnapshotEvent | null = null;
  let cancelSource: { at: string; key: string } | null = null;
  let deletion: OrderEvent | null = null;
  const fulfillments = new Map<string, FulfillmentVersion>();
  const cancelledFulfillments = new Map<string, string>();
  const preparedFulfillments = new Set<string>();
  const firstShipped = new Map<string, { at: number; iso: string }>();
  const fulfillmentEvents = new Map<string, StatusCandidate & { fulfillmentId: string; rawStatus: string }>();
  const deletedFulfillmentEvents = new Set<string>();
  const carrierUpdates: Array<StatusCandidate & { tracking: string }> = [];
  const threePl = new Map<string, ThreePlReport>();
  const refunds = new Map<string, { lines: Array<{ lineItemId: string; quantity: number; restockType: string | null }>; key: string }>();
  const holds = new Map<string, Map<string, string>>(); // fulfillment order -> hold id -> dedupe key

  const offerFulfillment = (data: FulfillmentData, occurredAt: string, seq: number, key: string) => {
    if (data.status === "cancelled") {
      // Cancelled is terminal in Shopify, so it wins whatever order the snapshots arrive in.
      if (!cancelledFulfillments.has(data.id)) cancelledFulfillments.set(data.id, key);
    }
    const version: FulfillmentVersion = { data, at: ms(data.updatedAt ?? occurredAt), seq, key };
    if (fulfillmentBeingPrepared(data.status)) preparedFulfillments.add(data.id);
    if (fulfillmentShipped(data.status)) {
      const iso = data.updatedAt ?? occurredAt;
      const earliest = firstShipped.get(data.id);
      if (!earliest || version.at < earliest.at || (version.at === earliest.at && compareStrings(iso, earliest.iso) < 0)) {
        firstShipped.set(data.id, { at: version.at, iso });
      }
    }
    const current = fulfillments.get(data.id);
    if (!current || version.at > current.at || (version.at === current.at && version.seq > current.seq)) {
      fulfillments.set(data.id, version);
    }
  };

  for (const [seq, event] of log.entries()) {
    switch (event.kind) {
      case "order_snapshot":
        snapshot = event;
        if (event.data.cancelledAt) cancelSource = { at: event.data.cancelledAt, key: event.dedupeKey };
        for (const f of event.data.fulfillments) offerFulfillment(f, event.occurredAt, seq, event.dedupeKey);
        break;
      case "order_deleted":
        deletion ??= event;
        break;
      case "fulfillment_snapshot":
        offerFulfillment(event.data, event.occurredAt, seq, event.dedupeKey);
        break;
      case "fulfillment_event": {
        const d = event.data;
        const mapped = mapShopifyShipmentStatus(d.status);
        if (!mapped) break;
        fulfillmentEvents.set(d.id, {
          fulfillmentId: d.fulfillmentId,
          rawStatus: d.status,
          status: mapped.status,
          at: ms(d.happenedAt),
          happenedAt: d.happenedAt,
          estimatedDeliveryAt: d.estimatedDeliveryAt,
          message: d.message ?? (mapped.delayed ? "Delayed" : null),
          location: d.location,
          key: event.dedupeKey,
          carrier: null,
        });
        break;
      }
      case "fulfillment_event_deleted":
        deletedFulfillmentEvents.add(event.data.id);
        break;
      case "carrier_tracking": {
        const d = event.data;
        carrierUpdates.push({
          tracking: normalizeTrackingNumber(d.trackingNumber),
          status: d.status,
          at: ms(d.happenedAt),
          happenedAt: d.happenedAt,
          estimatedDeliveryAt: d.estimatedDeliveryAt,
          message: d.message,
          location: d.location,
          key: event.dedupeKey,
          carrier: d.carrier,
        });
        break;
      }
      case "3pl_shipment": {
        const d = event.data;
        const trackingNumbers = threePlTrackingNumbers(d);
        const key = trackingNumbers[0] ?? (d.reference ? `ref:${d.reference}` : `key:${event.dedupeKey}`);
        // A re-sent file restates the shipment; the latest statement wins.
        threePl.set(key, {
          key,
          trackingNumbers,
          carrier: d.carrier,
          lines: d.lines,
          coversUnshipped: d.coversUnshipped === true,
          shippedAt: d.shippedAt,
          dedupeKey: event.dedupeKey,
        });
        break;
      }
      case "refund":
        // The same refund may arrive by webhook and by reconciliation: count it once.
        refunds.set(event.data.refundId, { lines: event.data.lines, key: event.dedupeKey });
        break;
      case "fulfillment_hold_added": {
        const d = event.data;
        const held = holds.get(d.fulfillmentOrderId) ?? new Map<string, string>();
        held.set(d.holdId ?? "*", event.dedupeKey);
        holds.set(d.fulfillmentOrderId, held);
        break;
      }
      case "fulfillment_hold_released": {
        const d = event.data;
        const held = holds.get(d.fulfillmentOrderId);
        if (!held) break;
        if (d.holdId === null) held.clear();
        else {
          held.delete(d.holdId);
          held.delete("*");
        }
        break;
      }
    }
  }

  const snap = snapshot as OrderSnapshotEvent | null;
  const orderLines = new Map<string, LineItemData>();
  for (const line of snap?.data.lineItems ?? []) orderLines.set(line.id, line);
  const requiresShipping = (lineItemId: string | null, fallback: boolean) => {
    const known = lineItemId ? orderLines.get(lineItemId) : undefined;
    return known ? known.requiresShipping : fallback;
  };

  // --- units removed from the order (before shipments: a package covers what is left) ---------------
  const unitsRemoved = new Map<string, number>();
  for (const line of orderLines.values()) unitsRemoved.set(line.id, line.quantity - line.currentQuantity);
  const refundRemoved = new Map<string, number>();
  for (const refund of [...refunds.values()].sort((a, b) => compareStrings(a.key, b.key))) {
    let counted = false;
    for (const l of refund.lines) {
      // A return gives back a unit that already shipped; it does not shrink what had to ship.
      if (l.restockType === "return") continue;
      refundRemoved.set(l.lineItemId, (refundRemoved.get(l.lineItemId) ?? 0) + l.quantity);
      counted = true;
    }
    if (counted && orderLines.size > 0) decided.add(refund.key);
  }
  // Shopify's current_quantity already reflects refunds it knew of; a refund webhook may be newer than
  // the last order snapshot (or older): the larger removal is the one that has happened.
  for (const [lineId, qty] of refundRemoved) {
    if (orderLines.has(lineId)) unitsRemoved.set(lineId, Math.max(unitsRemoved.get(lineId) ?? 0, qty));
  }

  // --- shipments ----------------------------------------------------------------------------------
  const shipments: WorkingShipment[] = [];
  const byTracking = new Map<string, WorkingShipment[]>();
  const index = (s: WorkingShipment) => {
    for (const t of s.trackingNumbers) {
      const n = normalizeTrackingNumber(t);
      byTracking.set(n, [...(byTracking.get(n) ?? []), s]);
    }
  };

  for (const [id, version] of [...fulfillments.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const f = version.data;
    // Only success ships. A fulfillment still being prepared is not a parcel, whatever its tracking number,
    // and a carrier scan of that number does not make it one: a scan names no units, and carriers report a
    // label as soon as it is printed, before anything leaves. It ships when Shopify says success (its scans
    // then apply, as they stay in the log) or when a 3PL row with that number says the warehouse sent it.
    if (cancelledFulfillments.has(id) || !fulfillmentShipped(f.status)) continue;
    const lines = f.lineItems
      .filter((l) => requiresShipping(l.lineItemId, l.requiresShipping) && l.quantity > 0)
      .map((l) => ({ lineItemId: l.lineItemId, title: l.title, sku: l.sku, quantity: l.quantity }));
    // A fulfillment of only digital goods is not a parcel.
    if (f.lineItems.length > 0 && lines.length === 0) continue;
    const baseAt = f.updatedAt ?? f.createdAt;
    const mapped = mapShopifyShipmentStatus(f.shipmentStatus, { localPickup: f.localPickup });
    const baselineStatus: ShipmentStatus = mapped?.status ?? (f.localPickup ? "ready_for_pickup" : "label_created");
    // A fulfillment service may hold a fulfillment for days before it ships; its label is from when
    // Shopify first said success, not from when the request was created.
    const shippedAt = preparedFulfillments.has(id) ? firstShipped.get(id)?.iso : undefined;
    const baselineTime = mapped ? baseAt : (shippedAt ?? f.createdAt ?? baseAt);
    const shipment: WorkingShipment = {
      id,
      firstAt: ms(f.createdAt ?? f.updatedAt),
      carrier: f.trackingCompany,
      trackingNumbers: [...f.trackingNumbers],
      trackingUrls: [...f.trackingUrls],
      lines,
      localPickup: f.localPickup,
      fulfillmentId: id,
      baseline: {
        status: baselineStatus,
        at: ms(baselineTime),
        happenedAt: baselineTime ?? EPOCH,
        estimatedDeliveryAt: f.estimatedDeliveryAt,
        message: null,
        location: null,
        key: version.key,
        carrier: null,
      },
      decidedBy: [version.key],
    };
    shipments.push(shipment);
    index(shipment);
  }

  const skuToLine = new Map<string, string>();
  for (const line of [...orderLines.values()].sort((a, b) => compareStrings(a.id, b.id))) {
    if (line.sku && line.requiresShipping && !skuToLine.has(line.sku)) skuToLine.set(line.sku, line.id);
  }

  const shipReport = (report: ThreePlReport, lines: ShipmentLine[]) => {
    const shipment: WorkingShipment = {
      id: `3pl:${report.key}`,
      firstAt: ms(report.shippedAt),
      carrier: report.carrier,
      trackingNumbers: [...report.trackingNumbers],
      trackingUrls: [],
      lines,
      localPickup: false,
      fulfillmentId: null,
      baseline: {
        status: "label_created",
        at: ms(report.shippedAt),
        happenedAt: report.shippedAt,
        estimatedDeliveryAt: null,
        message: null,
        location: null,
        key: report.dedupeKey,
        carrier: null,
      },
      decidedBy: [report.dedupeKey],
    };
    shipments.push(shipment);
    index(shipment);
  };
  /** Shopify (or an earlier report) already knows a parcel of this shipment: the 3PL confirms it rather than adding units. */
  const confirmsKnownParcel = (report: ThreePlReport) => {
    const matches = [...new Set(report.trackingNumbers.flatMap((t) => byTracking.get(t) ?? []))];
    for (const s of matches) {
      s.carrier ??= report.carrier;
      s.decidedBy.push(report.dedupeKey);
    }
    return matches.length > 0;
  };

  const reports = [...threePl.values()].sort((a, b) => compareStrings(a.key, b.key));
  for (const report of reports.filter((r) => !r.coversUnshipped)) {
    if (confirmsKnownParcel(report)) continue;
    const lines: ShipmentLine[] = [];
    for (const l of report.lines) {
      if (l.quantity <= 0) continue;
      const lineItemId = skuToLine.get(l.sku) ?? null;
      const orderLine = lineItemId ? orderLines.get(lineItemId) : undefined;
      if (!orderLine && [...orderLines.values()].some((o) => o.sku === l.sku && !o.requiresShipping)) continue;
      lines.push({ lineItemId, title: orderLine?.title ?? l.sku, sku: l.sku, quantity: l.quantity });
    }
    shipReport(report, lines);
  }

  // Packages name no lines: each covers what is still unshipped once every other shipment is counted,
  // earliest package first, so the outcome depends on the events, never on the order they came in.
  const packages = reports.filter((r) => r.coversUnshipped).sort((a, b) => ms(a.shippedAt) - ms(b.shippedAt) || compareStrings(a.key, b.key));
  for (const report of packages) {
    if (confirmsKnownParcel(report)) continue;
    const inShipments = new Map<string, number>();
    for (const s of shipments) for (const l of s.lines) if (l.lineItemId) inShipments.set(l.lineItemId, (inShipments.get(l.lineItemId) ?? 0) + l.quantity);
    const lines: ShipmentLine[] = [];
    for (const line of [...orderLines.values()].sort((a, b) => compareStrings(a.id, b.id))) {
      if (!line.requiresShipping) continue;
      const unshipped = line.quantity - (unitsRemoved.get(line.id) ?? 0) - (inShipments.get(line.id) ?? 0);
      if (unshipped > 0) lines.push({ lineItemId: line.id, title: line.title, sku: line.sku, quantity: unshipped });
    }
    shipReport(report, lines);
  }

  const eventsByFulfillment = new Map<string, Array<StatusCandidate & { rawStatus: string }>>();
  for (const [id, candidate] of fulfillmentEvents) {
    if (deletedFulfillmentEvents.has(id)) continue;
    eventsByFulfillment.set(candidate.fulfillmentId, [...(eventsByFulfillment.get(candidate.fulfillmentId) ?? []), candidate]);
  }

  const views: Array<{ view: ShipmentView; lines: ShipmentLine[]; firstAt: number }> = [];
  for (const s of shipments) {
    const tracking = new Set(s.trackingNumbers.map(normalizeTrackingNumber));
    const shopifyEvents = (s.fulfillmentId ? (eventsByFulfillment.get(s.fulfillmentId) ?? []) : []).map(
      ({ rawStatus, ...c }): StatusCandidate =>
        // Shopify says "picked_up" both for a carrier collecting and for a customer collecting.
        s.localPickup ? { ...c, status: mapShopifyShipmentStatus(rawStatus, { localPickup: true })?.status ?? c.status } : c,
    );
    const candidates: StatusCandidate[] = [
      ...shopifyEvents,
      ...carrierUpdates.filter((c) => tracking.has(c.tracking)).map(({ tracking: _t, ...c }) => c),
    ];
    let latest: StatusCandidate | null = null;
    for (const c of candidates) latest = latest ? laterCandidate(latest, c) : c;
    const decisive = latest ?? s.baseline;
    if (decisive) s.decidedBy.push(decisive.key);

    let eta: StatusCandidate | null = null;
    for (const c of [...candidates, ...(s.baseline ? [s.baseline] : [])]) {
      if (c.estimatedDeliveryAt) eta = eta ? laterCandidate(eta, c) : c;
    }
    let carrier = s.carrier;
    if (!carrier) {
      let withCarrier: StatusCandidate | null = null;
      for (const c of candidates) if (c.carrier) withCarrier = withCarrier ? laterCandidate(withCarrier, c) : c;
      carrier = withCarrier?.carrier ?? null;
    }

    const status: ShipmentStatus = decisive?.status ?? "label_created";
    const delivered = status === "delivered";
    const trackingNumbers = uniqueByNormalised(s.trackingNumbers);
    views.push({
      firstAt: s.firstAt,
      lines: s.lines,
      view: {
        id: s.id,
        status,
        carrier,
        trackingNumbers,
        trackingUrls: [...new Set(s.trackingUrls)],
        items: summariseItems(s.lines),
        estimatedDeliveryAt: delivered ? null : toUtcIso(eta?.estimatedDeliveryAt),
        deliveredAt: delivered && decisive ? toUtcIso(decisive.happenedAt) : null,
        lastEvent:
          decisive && decisive.happenedAt !== EPOCH
            ? {
                status,
                happenedAt: toUtcIso(decisive.happenedAt) ?? EPOCH,
                message: decisive.message,
                location: decisive.location,
              }
            : null,
      },
    });
    for (const key of s.decidedBy) decided.add(key);
  }
  views.sort((a, b) => a.firstAt - b.firstAt || compareStrings(a.view.id, b.view.id));

  // --- units --------------------------------------------------------------------------------------
  const removed = unitsRemoved;

  const shippedByLine = new Map<string, number>();
  const deliveredByLine = new Map<string, number>();
  for (const { view, lines } of views) {
    for (const l of lines) {
      const key = l.lineItemId && orderLines.has(l.lineItemId) ? l.lineItemId : `unmatched:${l.sku ?? ""}:${l.title}`;
      shippedByLine.set(key, (shippedByLine.get(key) ?? 0) + l.quantity);
      if (view.status === "delivered") deliveredByLine.set(key, (deliveredByLine.get(key) ?? 0) + l.quantity);
    }
  }
  let total = 0;
  let shipped = 0;
  let delivered = 0;
  for (const line of orderLines.values()) {
    if (!line.requiresShipping) continue;
    const remaining = Math.max(line.quantity - (removed.get(line.id) ?? 0), 0);
    const inShipments = shippedByLine.get(line.id) ?? 0;
    // Units that already left stay counted even if refunded later; more than ordered cannot have left.
    const lineTotal = Math.max(remaining, Math.min(inShipments, line.quantity));
    const lineShipped = Math.min(inShipments, lineTotal);
    total += lineTotal;
    shipped += lineShipped;
    delivered += Math.min(deliveredByLine.get(line.id) ?? 0, lineShipped);
  }
  for (const [key, qty] of shippedByLine) {
    if (!key.startsWith("unmatched:")) continue;
    total += qty;
    shipped += qty;
    delivered += deliveredByLine.get(key) ?? 0;
  }

  // --- order status -------------------------------------------------------------------------------
  const activeHoldKeys = [...holds.values()].flatMap((held) => [...held.values()]);
  const onHold = activeHoldKeys.length > 0;
  const liveViews = views.map((v) => v.view);
  const deleted = deletion as OrderEvent | null;
  const cancelFact = cancelSource as { at: string; key: string } | null;
  // Shopify only deletes orders that are done with; the public status must not look live.
  const cancelled = cancelFact ?? (deleted ? { at: deleted.occurredAt, key: deleted.dedupeKey } : null);
  if (deleted) decided.add(deleted.dedupeKey);

  let status: OrderStatusValue;
  if (cancelled) {
    status = "cancelled";
    decided.add(cancelled.key);
  } else if (total === 0 && orderLines.size > 0) {
    status = "no_shipping_required";
  } else if (shipped === 0) {
    status = onHold ? "on_hold" : "unfulfilled";
  } else if (shipped < total) {
    status = "partially_shipped";
  } else if (delivered >= total) {
    status = "delivered";
  } else if (delivered > 0) {
    status = "partially_delivered";
  } else {
    let stage: OrderStage = "delivered";
    for (const v of liveViews) {
      if (v.status === "cancelled") continue;
      const s = STAGE_OF[v.status];
      if (STAGE_RANK[s] < STAGE_RANK[stage]) stage = s;
    }
    status = stage;
  }
  if (snap && !cancelled) decided.add(snap.dedupeKey);
  if (onHold && !cancelled) for (const key of activeHoldKeys) decided.add(key);

  const attention = new Set<AttentionFlag>();
  if (!cancelled) {
    if (onHold) attention.add("on_hold");
    for (const v of liveViews) {
      if (v.status === "attempted_delivery") attention.add("attempted_delivery");
      if (v.status === "exception") attention.add("delivery_exception");
    }
  }

  const undeliveredEtas = liveViews
    .filter((v) => v.status !== "delivered" && v.estimatedDeliveryAt)
    .map((v) => v.estimatedDeliveryAt as string);
  const allDelivered = status === "delivered";
  const deliveredAts = liveViews.map((v) => v.deliveredAt).filter((d): d is string => d !== null);

  const snapData = snap ? snap.data : null;
  const name = snapData?.name || nameFromFulfillments([...fulfillments.values()].map((f) => f.data)) || "";
  const updatedAt = log.reduce((max, e) => (ms(e.occurredAt) > ms(max) ? e.occurredAt : max), log[0]!.occurredAt);

  const base: OrderStatus = {
    schemaVersion: 1,
    orderId,
    name,
    status,
    attention: sortFlags(attention),
    items: { total, shipped, delivered },
    shipments: liveViews,
    statusPageUrl: snapData?.orderStatusUrl ?? null,
    estimatedDeliveryAt: cancelled ? null : maxIso(undeliveredEtas),
    deliveredAt: allDelivered ? maxIso(deliveredAts) : null,
    cancelledAt: cancelled ? (toUtcIso(cancelled.at) ?? cancelled.at) : null,
    updatedAt: toUtcIso(updatedAt) ?? EPOCH,
  };

  return {
    status: applyClock(base, now, thresholds),
    order: {
      name: snapData?.name || name || null,
      customerId: snapData?.customer.customerId ?? null,
      emailHash: snapData?.customer.emailHash ?? null,
      phoneHash: snapData?.customer.phoneHash ?? null,
      placedAt: toUtcIso(snapData?.createdAt),
    },
    sources: latestClaims(log),
    decidedBy: [...decided].sort(compareStrings),
    deleted: deleted !== null,
  };
}

// ---------------------------------------------------------------------------------------------------
// applyClock: the only place time passes
// ---------------------------------------------------------------------------------------------------

const CLOCK_FLAGS: ReadonlySet<AttentionFlag> = new Set<AttentionFlag>(["delayed", "stalled"]);
const NOT_DELAYABLE: ReadonlySet<ShipmentStatus> = new Set<ShipmentStatus>(["delivered", "ready_for_pickup", "cancelled"]);

/**
 * Re-evaluates the time-dependent attention flags from the document alone:
 * delayed = an undelivered parcel is past its estimated delivery; stalled = a parcel still at
 * label_created longer than the threshold since that label. Everything else is left as it is.
 */
export function applyClock(status: OrderStatus, now: Date, thresholds: Partial<ClockThresholds> = {}): OrderStatus {
  const stalledAfterMs = (thresholds.stalledAfterHours ?? DEFAULT_THRESHOLDS.stalledAfterHours) * 3_600_000;
  const nowMs = now.getTime();
  const flags = new Set(status.attention.filter((f) => !CLOCK_FLAGS.has(f)));
  if (status.status !== "cancelled") {
    for (const s of status.shipments) {
      if (!NOT_DELAYABLE.has(s.status) && s.estimatedDeliveryAt && nowMs > ms(s.estimatedDeliveryAt)) {
        flags.add("delayed");
      }
      if (s.status === "label_created" && s.lastEvent && nowMs - ms(s.lastEvent.happenedAt) > stalledAfterMs) {
        flags.add("stalled");
      }
    }
  }
  return { ...status, attention: sortFlags(flags) };
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

function sortFlags(flags: Iterable<AttentionFlag>): AttentionFlag[] {
  const set = new Set(flags);
  return ATTENTION_FLAGS.filter((f) => set.has(f));
}

function maxIso(values: readonly string[]): string | null {
  let best: string | null = null;
  for (const v of values) if (best === null || ms(v) > ms(best)) best = v;
  return best === null ? null : (toUtcIso(best) ?? best);
}

function uniqueByNormalised(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const n = normalizeTrackingNumber(v);
    if (!n || seen.has(n)) continue;
    seen.add(n);
    out.push(v);
  }
  return out;
}

function summariseItems(lines: readonly ShipmentLine[]): ShipmentItem[] {
  const merged = new Map<string, ShipmentItem>();
  for (const l of lines) {
    const key = `${l.title}\u0000${l.sku ?? ""}`;
    const current = merged.get(key);
    if (current) current.quantity += l.quantity;
    else merged.set(key, { title: l.title, sku: l.sku, quantity: l.quantity });
  }
  return [...merged.values()].sort(
    (a, b) => compareStrings(a.title, b.title) || compareStrings(a.sku ?? "", b.sku ?? "") || a.quantity - b.quantity,
  );
}

/** "#1001.2" -> "#1001": a fulfillment that arrives before its order still names the order. */
function nameFromFulfillments(list: readonly FulfillmentData[]): string | null {
  const names = list
    .map((f) => f.name)
    .filter((n): n is string => !!n)
    .map((n) => n.replace(/\.\d+$/, ""))
    .sort(compareStrings);
  return names[0] ?? null;
}

const SHIPMENT_STATUS_WORDS: Readonly<Record<ShipmentStatus, string>> = Object.fromEntries(
  SHIPMENT_STATUSES.map((s) => [s, s.replace(/_/g, " ")]),
) as Record<ShipmentStatus, string>;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function claimOf(event: OrderEvent): string {
  switch (event.kind) {
    case "order_snapshot": {
      const d = event.data;
      if (d.cancelledAt) return "cancelled";
      const physical = new Map(d.lineItems.filter((l) => l.requiresShipping).map((l) => [l.id, l]));
      const toShip = [...physical.values()].reduce((sum, l) => sum + l.currentQuantity, 0);
      if (physical.size === 0) return "no shipping required";
      const fulfilled = new Map<string, number>();
      for (const f of d.fulfillments) {
        if (!fulfillmentShipped(f.status)) continue;
        for (const l of f.lineItems) {
          if (l.lineItemId && physical.has(l.lineItemId)) {
            fulfilled.set(l.lineItemId, (fulfilled.get(l.lineItemId) ?? 0) + l.quantity);
          }
        }
      }
      let done = 0;
      for (const [id, qty] of fulfilled) done += Math.min(qty, physical.get(id)?.quantity ?? qty);
      return `fulfilled ${done} of ${plural(Math.max(toShip, done), "unit")}`;
    }
    case "order_deleted":
      return "order deleted";
    case "refund": {
      const units = event.data.lines.reduce((sum, l) => sum + l.quantity, 0);
      return `refunded ${plural(units, "unit")}`;
    }
    case "fulfillment_snapshot": {
      const d = event.data;
      const label = d.name ?? d.id;
      const units = d.lineItems.reduce((sum, l) => sum + l.quantity, 0);
      const tracking = trackingWords(d.trackingCompany, d.trackingNumbers[0]);
      if (fulfillmentBeingPrepared(d.status)) return `fulfillment ${label} of ${plural(units, "unit")} being prepared${tracking}`;
      if (!fulfillmentShipped(d.status)) return `fulfillment ${label} ${d.status}`;
      const mapped = mapShopifyShipmentStatus(d.shipmentStatus, { localPickup: d.localPickup });
      const where = mapped ? `, ${SHIPMENT_STATUS_WORDS[mapped.status]}` : "";
      return `fulfillment ${label} of ${plural(units, "unit")}${where}${tracking}`;
    }
    case "fulfillment_event": {
      const mapped = mapShopifyShipmentStatus(event.data.status);
      const words = mapped ? SHIPMENT_STATUS_WORDS[mapped.status] : event.data.status;
      return `fulfillment ${event.data.fulfillmentId} ${words}${mapped?.delayed ? " (delayed)" : ""}`;
    }
    case "fulfillment_event_deleted":
      return `tracking event ${event.data.id} withdrawn`;
    case "fulfillment_hold_added":
      return `on hold${event.data.reason ? ` (${event.data.reason.replace(/_/g, " ")})` : ""}`;
    case "fulfillment_hold_released":
      return "hold released";
    case "3pl_shipment": {
      const units = event.data.lines.reduce((sum, l) => sum + l.quantity, 0);
      const numbers = event.data.trackingNumbers?.join(", ") ?? event.data.trackingNumber;
      return `shipped ${event.data.coversUnshipped ? "a package" : plural(units, "unit")}${trackingWords(event.data.carrier, numbers)}`;
    }
    case "carrier_tracking":
      return `${event.data.trackingNumber} ${SHIPMENT_STATUS_WORDS[event.data.status]}`;
  }
}

function trackingWords(carrier: string | null, tracking: string | null | undefined): string {
  const parts = [carrier, tracking].filter((p): p is string => !!p);
  return parts.length > 0 ? ` (${parts.join(" ")})` : "";
}

function latestClaims(log: readonly OrderEvent[]): SourceClaim[] {
  const latest = new Map<Source, OrderEvent>();
  for (const e of log) latest.set(e.source, e);
  return SOURCES.filter((s) => latest.has(s)).map((source) => {
    const e = latest.get(source)!;
    return { source, claim: claimOf(e), occurredAt: toUtcIso(e.occurredAt) ?? e.occurredAt };
  });
}
