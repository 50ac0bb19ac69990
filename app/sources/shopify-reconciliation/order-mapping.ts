/**
 * What the Admin API says about an order (ReconciledOrder fragment) -> events with source
 * "reconciliation", of the same kinds and shapes the webhook normaliser produces, so the rollup treats
 * them as Shopify's facts. Only facts the log does not hold yet become events: an event with source
 * "reconciliation" in the log is, by construction, a webhook that was missed (or is still late).
 * Pure: no I/O, no clock.
 */
import {
  toUtcIso,
  mapShopifyShipmentStatus,
  type FulfillmentData,
  type OrderEvent,
} from "../../domain/events";
import { customerLookupKeys, fulfillmentShipment, orderPlacedAt } from "../../domain/shopify-order-facts";

export type GqlLineItem = { id: string; title: string; sku: string | null; quantity: number; currentQuantity: number; requiresShipping: boolean };

export type GqlFulfillment = {
  id: string;
  name: string;
  /** FulfillmentStatus: PENDING | OPEN | SUCCESS | CANCELLED | ERROR | FAILURE */
  status: string;
  displayStatus: string | null;
  createdAt: string;
  updatedAt: string;
  estimatedDeliveryAt: string | null;
  trackingInfo: Array<{ company: string | null; number: string | null; url: string | null }>;
  fulfillmentLineItems: { nodes: Array<{ quantity: number | null; lineItem: { id: string; title: string; sku: string | null; requiresShipping: boolean } }> };
  events: {
    nodes: Array<{
      id: string;
      status: string;
      happenedAt: string;
      estimatedDeliveryAt: string | null;
      message: string | null;
      city: string | null;
      province: string | null;
      country: string | null;
    }>;
  };
};

export type GqlOrder = {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  cancelledAt: string | null;
  statusPageUrl: string | null;
  email: string | null;
  phone: string | null;
  displayFulfillmentStatus: string | null;
  customer: {
    id: string;
    defaultEmailAddress: { emailAddress: string | null } | null;
    defaultPhoneNumber: { phoneNumber: string | null } | null;
  } | null;
  lineItems: { nodes: GqlLineItem[] };
  fulfillments: GqlFulfillment[];
  refunds: Array<{ id: string; createdAt: string | null; refundLineItems: { nodes: Array<{ quantity: number; restockType: string; lineItem: { id: string } }> } }>;
  /** absent when the query did not ask; holds are then left as the log has them */
  fulfillmentOrders?: { nodes: GqlFulfillmentOrder[] };
};

export type GqlFulfillmentOrder = {
  id: string;
  /** FulfillmentOrderStatus: OPEN | IN_PROGRESS | ON_HOLD | SCHEDULED | INCOMPLETE | CLOSED | CANCELLED */
  status: string;
  updatedAt: string;
  fulfillmentHolds: Array<{ id: string; reason: string }>;
};

/** What the log already holds about an order, read from its stored events. */
export type KnownFacts = {
  /** latest updatedAt of any order snapshot */
  orderUpdatedAt: string | null;
  /** fulfillment id -> latest updatedAt seen in a snapshot of it */
  fulfillments: ReadonlyMap<string, string | null>;
  fulfillmentEventIds: ReadonlySet<string>;
  refundIds: ReadonlySet<string>;
  /**
   * fulfillment order id -> the holds the log leaves on it ("*" for a hold it cannot name), the time of
   * its latest hold event, and when the latest of them arrived
   */
  holds: ReadonlyMap<string, { held: ReadonlySet<string>; lastAt: string; lastReceivedAt: string | null }>;
};

export const NOTHING_KNOWN: KnownFacts = { orderUpdatedAt: null, fulfillments: new Map(), fulfillmentEventIds: new Set(), refundIds: new Set(), holds: new Map() };

/** A stored event as read back for KnownFacts: its kind, its normalised data, when it happened and when it arrived. */
export type StoredFact = { kind: string; data: unknown; occurredAt: string; receivedAt?: string };

const HOLD_KINDS = new Set(["fulfillment_hold_added", "fulfillment_hold_released"]);

export function knownFactsOf(stored: readonly StoredFact[]): KnownFacts {
  let orderUpdatedAt: string | null = null;
  const fulfillments = new Map<string, string | null>();
  const fulfillmentEventIds = new Set<string>();
  const refundIds = new Set<string>();
  const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? (b ?? null) : !b ? a : Date.parse(a) >= Date.parse(b) ? a : b);
  const seeFulfillment = (f: Pick<FulfillmentData, "id" | "updatedAt">) => fulfillments.set(f.id, later(fulfillments.get(f.id), f.updatedAt));
  for (const { kind, data } of stored) {
    const d = data as Record<string, unknown>;
    if (HOLD_KINDS.has(kind)) continue;
    if (kind === "order_snapshot") {
      orderUpdatedAt = later(orderUpdatedAt, d.updatedAt as string | null);
      for (const f of (d.fulfillments as FulfillmentData[] | undefined) ?? []) seeFulfillment(f);
    } else if (kind === "fulfillment_snapshot") seeFulfillment(d as unknown as FulfillmentData);
    else if (kind === "fulfillment_event") fulfillmentEventIds.add(String(d.id));
    else if (kind === "refund") refundIds.add(String(d.refundId));
  }
  return { orderUpdatedAt, fulfillments, fulfillmentEventIds, refundIds, holds: heldByFulfillmentOrder(stored) };
}

/** The holds the log leaves standing, folded as the rollup folds them: in time order, a hold before its release. */
function heldByFulfillmentOrder(stored: readonly StoredFact[]): Map<string, { held: Set<string>; lastAt: string; lastReceivedAt: string | null }> {
  const holdEvents = stored
    .filter((s) => HOLD_KINDS.has(s.kind))
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.kind === "fulfillment_hold_added" ? -1 : 1) - (b.kind === "fulfillment_hold_added" ? -1 : 1));
  const holds = new Map<string, { held: Set<string>; lastAt: string; lastReceivedAt: string | null }>();
  for (const { kind, data, occurredAt, receivedAt } of holdEvents) {
    const d = data as { fulfillmentOrderId: string; holdId: string | null };
    const state = holds.get(d.fulfillmentOrderId) ?? { held: new Set<string>(), lastAt: occurredAt, lastReceivedAt: null };
    state.lastAt = occurredAt;
    if (receivedAt && (!state.lastReceivedAt || Date.parse(receivedAt) > Date.parse(state.lastReceivedAt))) state.lastReceivedAt = receivedAt;
    if (kind === "fulfillment_hold_added") state.held.add(d.holdId ?? "*");
    else if (d.holdId === null) state.held.clear();
    else {
      state.held.delete(d.holdId);
      state.held.delete("*");
    }
    holds.set(d.fulfillmentOrderId, state);
  }
  return holds;
}

/** "gid://shopify/Order/123" -> "123", the form webhooks use. */
export function legacyId(gid: string): string {
  const match = /\/(\d+)(?:\?.*)?$/.exec(gid);
  return match ? match[1]! : gid;
}

const isLater = (candidate: string, known: string | null | undefined) => !known || Date.parse(candidate) > Date.parse(known);
const location = (parts: ReadonlyArray<string | null>) => parts.filter((p): p is string => !!p && p.trim().length > 0).join(", ") || null;

function toFulfillment(f: GqlFulfillment): FulfillmentData {
  const latestEvent = [...f.events.nodes].sort((a, b) => Date.parse(a.happenedAt) - Date.parse(b.happenedAt)).at(-1);
  const display = f.displayStatus?.toLowerCase() ?? null;
  // Webhooks carry the latest event's status as shipment_status; without events, the display status
  // stands in when it names a place the parcel can be.
  const { shipmentStatus, localPickup } = fulfillmentShipment(
    f.status,
    latestEvent ? latestEvent.status : display && mapShopifyShipmentStatus(display) ? display : null,
    display,
  );
  return {
    id: legacyId(f.id),
    name: f.name,
    // FulfillmentStatus is REST's status upper-cased (CANCELLED with two Ls, unlike FulfillmentDisplayStatus's
    // CANCELED), so lower-casing gives what the webhooks say and the rollup reads.
    status: f.status.toLowerCase(),
    shipmentStatus,
    trackingCompany: f.trackingInfo.find((t) => t.company)?.company ?? null,
    trackingNumbers: [...new Set(f.trackingInfo.map((t) => (t.number ?? "").trim()).filter(Boolean))],
    trackingUrls: [...new Set(f.trackingInfo.map((t) => (t.url ?? "").trim()).filter(Boolean))],
    lineItems: f.fulfillmentLineItems.nodes.map((n) => ({
      lineItemId: legacyId(n.lineItem.id),
      title: n.lineItem.title,
      sku: n.lineItem.sku || null,
      quantity: n.quantity ?? 0,
      requiresShipping: n.lineItem.requiresShipping,
    })),
    estimatedDeliveryAt: toUtcIso(f.estimatedDeliveryAt),
    createdAt: toUtcIso(f.createdAt),
    updatedAt: toUtcIso(f.updatedAt),
    localPickup,
  };
}

export type Reconciled = {
  orderId: string;
  events: OrderEvent[];
  /** what the log lacked, in words, for the job's report */
  missed: string[];
};

/**
 * The events that bring the log up to what the Admin API shows. Dedupe keys are the facts' own
 * identities (order + updatedAt, fulfillment + updatedAt, event id, refund id), so reading the same
 * state twice, from two processes or two runs, adds nothing.
 */
export function reconcileOrder(order: GqlOrder, known: KnownFacts, options: { readAt?: string } = {}): Reconciled {
  const orderId = legacyId(order.id);
  const updatedAt = toUtcIso(order.updatedAt) ?? order.updatedAt;
  const events: OrderEvent[] = [];
  const missed: string[] = [];
  const fulfillments = order.fulfillments.map(toFulfillment);

  const snapshotNeeded = isLater(updatedAt, known.orderUpdatedAt);
  if (snapshotNeeded) {
    missed.push(known.orderUpdatedAt ? `order update of ${updatedAt}` : "order");
    events.push({
      source: "reconciliation",
      kind: "order_snapshot",
      orderId,
      occurredAt: updatedAt,
      dedupeKey: `reconciliation:order:${orderId}:${updatedAt}`,
      data: {
        name: order.name,
        createdAt: orderPlacedAt(order.processedAt, order.createdAt),
        updatedAt,
        cancelledAt: toUtcIso(order.cancelledAt),
        orderStatusUrl: order.statusPageUrl,
        customer: customerLookupKeys({
          customerId: order.customer ? legacyId(order.customer.id) : null,
          emails: [order.email, order.customer?.defaultEmailAddress?.emailAddress],
          phones: [order.phone, order.customer?.defaultPhoneNumber?.phoneNumber],
        }),
        lineItems: order.lineItems.nodes.map((l) => ({
          id: legacyId(l.id),
          title: l.title,
          sku: l.sku || null,
          quantity: l.quantity,
          currentQuantity: Math.min(l.currentQuantity, l.quantity),
          requiresShipping: l.requiresShipping,
        })),
        fulfillments,
      },
    });
  }
  for (const f of fulfillments) {
    const knownVersion = known.fulfillments.get(f.id);
    const seen = known.fulfillments.has(f.id);
    if (seen && !(f.updatedAt && isLater(f.updatedAt, knownVersion))) continue;
    missed.push(seen ? `update of fulfillment ${f.name ?? f.id}` : `fulfillment ${f.name ?? f.id}`);
    // The order snapshot above already carries it; a separate snapshot is only needed without one.
    if (snapshotNeeded) continue;
    const at = f.updatedAt ?? f.createdAt ?? updatedAt;
    events.push({ source: "reconciliation", kind: "fulfillment_snapshot", orderId, occurredAt: at, dedupeKey: `reconciliation:fulfillment:${f.id}:${at}`, data: f });
  }
  for (const f of order.fulfillments) {
    for (const e of f.events.nodes) {
      const id = legacyId(e.id);
      if (known.fulfillmentEventIds.has(id)) continue;
      const happenedAt = toUtcIso(e.happenedAt) ?? e.happenedAt;
      missed.push(`tracking event ${e.status.toLowerCase()}`);
      events.push({
        source: "reconciliation",
        kind: "fulfillment_event",
        orderId,
        occurredAt: happenedAt,
        dedupeKey: `reconciliation:fulfillment_event:${id}`,
        data: {
          id,
          fulfillmentId: legacyId(f.id),
          status: e.status.toLowerCase(),
          happenedAt,
          estimatedDeliveryAt: toUtcIso(e.estimatedDeliveryAt),
          message: e.message,
          location: location([e.city, e.province, e.country]),
        },
      });
    }
  }
  for (const r of order.refunds) {
    const refundId = legacyId(r.id);
    if (known.refundIds.has(refundId)) continue;
    const createdAt = toUtcIso(r.createdAt) ?? updatedAt;
    missed.push("refund");
    events.push({
      source: "reconciliation",
      kind: "refund",
      orderId,
      occurredAt: createdAt,
      dedupeKey: `reconciliation:refund:${refundId}`,
      data: {
        refundId,
        createdAt,
        lines: r.refundLineItems.nodes.map((l) => ({ lineItemId: legacyId(l.lineItem.id), quantity: l.quantity, restockType: l.restockType.toLowerCase() })),
      },
    });
  }
  for (const fo of order.fulfillmentOrders?.nodes ?? []) reconcileHolds(orderId, fo, known, options.readAt, events, missed);
  return { orderId, events, missed };
}

/**
 * Holds as Shopify shows them now against the holds the log leaves standing: a missed hold is added, a
 * missed release released. Both are dated no earlier than the log's latest hold event on that
 * fulfillment order, so the rollup, which folds holds in time order, ends where Shopify is; a read older
 * than the log's latest hold news (`readAt`) leaves that fulfillment order alone.
 */
function reconcileHolds(orderId: string, fo: GqlFulfillmentOrder, known: KnownFacts, readAt: string | undefined, events: OrderEvent[], missed: string[]): void {
  const fulfillmentOrderId = legacyId(fo.id);
  const standing = known.holds.get(fulfillmentOrderId);
  // The log heard of this fulfillment order's holds after Shopify was read: the read may be the stale one.
  // The next read settles it.
  if (readAt && standing?.lastReceivedAt && Date.parse(standing.lastReceivedAt) > Date.parse(readAt)) return;
  const updatedAt = toUtcIso(fo.updatedAt) ?? fo.updatedAt;
  const at = standing && Date.parse(standing.lastAt) >= Date.parse(updatedAt) ? new Date(Date.parse(standing.lastAt) + 1).toISOString() : updatedAt;
  const shown = new Map(fo.fulfillmentHolds.map((h) => [legacyId(h.id), h.reason.toLowerCase()]));
  for (const [holdId, reason] of shown) {
    if (standing?.held.has(holdId)) continue;
    missed.push(`hold on fulfillment order ${fulfillmentOrderId}`);
    events.push({
      source: "reconciliation",
      kind: "fulfillment_hold_added",
      orderId,
      occurredAt: at,
      dedupeKey: `reconciliation:hold:${holdId}`,
      data: { fulfillmentOrderId, holdId, reason },
    });
  }
  if (!standing || standing.held.size === 0) return;
  const release = (holdId: string | null) => {
    missed.push(`release of fulfillment order ${fulfillmentOrderId}`);
    events.push({
      source: "reconciliation",
      kind: "fulfillment_hold_released",
      orderId,
      occurredAt: at,
      dedupeKey: `reconciliation:hold_released:${fulfillmentOrderId}:${holdId ?? "all"}:${at}`,
      data: { fulfillmentOrderId, holdId, reason: null },
    });
  };
  if (shown.size === 0) return release(null);
  // A hold the log cannot name ("*") stays while Shopify still shows one.
  for (const holdId of standing.held) if (holdId !== "*" && !shown.has(holdId)) release(holdId);
}
