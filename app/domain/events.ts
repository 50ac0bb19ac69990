/**
 * The normalised event model: every input (Shopify webhook, 3PL file row, carrier scan, reconciliation
 * read) becomes one of these before it reaches the log. The rollup only ever sees this shape, so adding a
 * source means writing a normaliser, never touching the rollup.
 *
 * Times inside events are ISO 8601 UTC strings (`Date#toISOString`), so an event read back from the
 * database (which stores a timestamp) rolls up to the byte-identical document.
 */
import { createHash } from "node:crypto";

// ---------------------------------------------------------------------------------------------------
// Public vocabularies (mirrors contracts/order-status.schema.json; the contract test keeps them equal)
// ---------------------------------------------------------------------------------------------------

export const SOURCES = ["shopify", "3pl", "carrier", "reconciliation"] as const;
export type Source = (typeof SOURCES)[number];

export const ORDER_STATUSES = [
  "unfulfilled",
  "on_hold",
  "partially_shipped",
  "shipped",
  "in_transit",
  "out_for_delivery",
  "partially_delivered",
  "delivered",
  "ready_for_pickup",
  "cancelled",
  "no_shipping_required",
] as const;
export type OrderStatusValue = (typeof ORDER_STATUSES)[number];

export const SHIPMENT_STATUSES = [
  "label_created",
  "confirmed",
  "in_transit",
  "out_for_delivery",
  "attempted_delivery",
  "ready_for_pickup",
  "delivered",
  "exception",
  "cancelled",
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

export const ATTENTION_FLAGS = ["delayed", "attempted_delivery", "delivery_exception", "stalled", "on_hold"] as const;
export type AttentionFlag = (typeof ATTENTION_FLAGS)[number];

export function isShipmentStatus(value: unknown): value is ShipmentStatus {
  return typeof value === "string" && (SHIPMENT_STATUSES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------------------------------
// Shopify shipment / fulfillment-event status -> our shipment vocabulary
// ---------------------------------------------------------------------------------------------------

export type ShopifyStatusMapping = { readonly status: ShipmentStatus; readonly delayed: boolean };

/**
 * Shopify's REST `shipment_status` / FulfillmentEvent `status` values (GraphQL spells them upper-case;
 * lookups lower-case first). `delayed` is not a place a parcel can be, so it keeps the parcel moving and
 * says so beside the status.
 */
export const SHOPIFY_SHIPMENT_STATUS_MAP: Readonly<Record<string, ShopifyStatusMapping>> = Object.freeze({
  label_printed: { status: "label_created", delayed: false },
  label_purchased: { status: "label_created", delayed: false },
  confirmed: { status: "confirmed", delayed: false },
  in_transit: { status: "in_transit", delayed: false },
  carrier_picked_up: { status: "in_transit", delayed: false },
  picked_up: { status: "in_transit", delayed: false },
  out_for_delivery: { status: "out_for_delivery", delayed: false },
  attempted_delivery: { status: "attempted_delivery", delayed: false },
  ready_for_pickup: { status: "ready_for_pickup", delayed: false },
  delivered: { status: "delivered", delayed: false },
  failure: { status: "exception", delayed: false },
  delayed: { status: "in_transit", delayed: true },
});

/**
 * Maps a Shopify status to ours; unknown values give null so a new Shopify status is ignored rather than
 * crashing a replay. On a local-pickup fulfillment "picked_up" means the customer collected it.
 */
export function mapShopifyShipmentStatus(
  raw: string | null | undefined,
  opts: { localPickup?: boolean } = {},
): ShopifyStatusMapping | null {
  if (!raw) return null;
  const key = raw.trim().toLowerCase();
  if (opts.localPickup && key === "picked_up") return { status: "delivered", delayed: false };
  return Object.prototype.hasOwnProperty.call(SHOPIFY_SHIPMENT_STATUS_MAP, key)
    ? (SHOPIFY_SHIPMENT_STATUS_MAP[key] ?? null)
    : null;
}

// ---------------------------------------------------------------------------------------------------
// Customer lookup keys: only hashes ever leave the normaliser
// ---------------------------------------------------------------------------------------------------

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** sha256 of the lower-cased, trimmed email; null when there is no email. */
export function hashEmail(email: string | null | undefined): string | null {
  const normalised = (email ?? "").trim().toLowerCase();
  return normalised ? sha256(normalised) : null;
}

/** sha256 of the phone's digits only, so "+1 (555) 010-2000" and "15550102000" meet. */
export function hashPhone(phone: string | null | undefined): string | null {
  const digits = (phone ?? "").replace(/\D+/g, "");
  return digits ? sha256(digits) : null;
}

/** Tracking numbers are compared without case or spacing: carriers, 3PL files and Shopify disagree on both. */
export function normalizeTrackingNumber(value: string): string {
  return value.replace(/[\s-]+/g, "").toUpperCase();
}

/** Every parcel number of a 3PL shipment, normalised, first as given. */
export function threePlTrackingNumbers(data: { trackingNumber: string | null; trackingNumbers?: string[] }): string[] {
  const all = data.trackingNumbers ?? (data.trackingNumber ? [data.trackingNumber] : []);
  return [...new Set(all.map(normalizeTrackingNumber).filter(Boolean))];
}

// ---------------------------------------------------------------------------------------------------
// Event data shapes
// ---------------------------------------------------------------------------------------------------

export type LineItemData = {
  id: string;
  title: string;
  sku: string | null;
  quantity: number;
  /** quantity minus units removed by refunds and order edits, as Shopify reports it */
  currentQuantity: number;
  requiresShipping: boolean;
};

export type FulfillmentLineData = {
  lineItemId: string | null;
  title: string;
  sku: string | null;
  quantity: number;
  requiresShipping: boolean;
};

/** Shopify fulfillment status: pending | open | success | cancelled | error | failure */
export type FulfillmentData = {
  id: string;
  /** e.g. "#1001.1" */
  name: string | null;
  status: string;
  /** raw Shopify shipment_status (label_printed, in_transit, ...), mapped by the rollup */
  shipmentStatus: string | null;
  trackingCompany: string | null;
  trackingNumbers: string[];
  trackingUrls: string[];
  lineItems: FulfillmentLineData[];
  estimatedDeliveryAt: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  localPickup: boolean;
};

export type CustomerKeys = {
  customerId: string | null;
  emailHash: string | null;
  phoneHash: string | null;
};

export type OrderSnapshotData = {
  name: string;
  createdAt: string | null;
  updatedAt: string | null;
  cancelledAt: string | null;
  orderStatusUrl: string | null;
  customer: CustomerKeys;
  lineItems: LineItemData[];
  fulfillments: FulfillmentData[];
};

export type OrderDeletedData = Record<string, never>;

export type RefundLineData = {
  lineItemId: string;
  quantity: number;
  /** no_restock | cancel | return | legacy_restock | null; "return" gives back units that had shipped */
  restockType: string | null;
};

export type RefundData = {
  refundId: string;
  createdAt: string | null;
  lines: RefundLineData[];
};

export type FulfillmentEventData = {
  id: string;
  fulfillmentId: string;
  /** raw Shopify status (in_transit, delivered, delayed, ...), mapped by the rollup */
  status: string;
  happenedAt: string;
  estimatedDeliveryAt: string | null;
  message: string | null;
  /** "City, Province, Country" of the scan, when given */
  location: string | null;
};

export type FulfillmentEventDeletedData = { id: string; fulfillmentId: string | null };

export type FulfillmentHoldData = {
  fulfillmentOrderId: string;
  /** null when the source does not name the hold; a release without one releases the whole fulfillment order */
  holdId: string | null;
  reason: string | null;
};

export type ThreePlShipmentData = {
  /** the 3PL's own shipment / row reference, used as the shipment id when there is no tracking number */
  reference: string | null;
  trackingNumber: string | null;
  /** every parcel of the shipment when the 3PL gave several numbers (trackingNumber is the first) */
  trackingNumbers?: string[];
  carrier: string | null;
  lines: Array<{ sku: string; quantity: number }>;
  /**
   * A package row named no lines: the shipment covers the order's units that nothing else shipped,
   * worked out in the rollup so it does not depend on which events arrived first.
   */
  coversUnshipped?: true;
  shippedAt: string;
};

export type CarrierTrackingData = {
  trackingNumber: string;
  carrier: string | null;
  status: ShipmentStatus;
  happenedAt: string;
  estimatedDeliveryAt: string | null;
  message: string | null;
  location: string | null;
};

// ---------------------------------------------------------------------------------------------------
// The event union
// ---------------------------------------------------------------------------------------------------

export const EVENT_KINDS = [
  "order_snapshot",
  "order_deleted",
  "refund",
  "fulfillment_snapshot",
  "fulfillment_event",
  "fulfillment_event_deleted",
  "fulfillment_hold_added",
  "fulfillment_hold_released",
  "3pl_shipment",
  "carrier_tracking",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

type EventBase<K extends EventKind, D> = {
  source: Source;
  kind: K;
  /** Shopify's numeric order id, as a string */
  orderId: string;
  /** ISO 8601 UTC */
  occurredAt: string;
  dedupeKey: string;
  data: D;
};

export type OrderSnapshotEvent = EventBase<"order_snapshot", OrderSnapshotData>;
export type OrderDeletedEvent = EventBase<"order_deleted", OrderDeletedData>;
export type RefundEvent = EventBase<"refund", RefundData>;
export type FulfillmentSnapshotEvent = EventBase<"fulfillment_snapshot", FulfillmentData>;
export type FulfillmentEventEvent = EventBase<"fulfillment_event", FulfillmentEventData>;
export type FulfillmentEventDeletedEvent = EventBase<"fulfillment_event_deleted", FulfillmentEventDeletedData>;
export type FulfillmentHoldAddedEvent = EventBase<"fulfillment_hold_added", FulfillmentHoldData>;
export type FulfillmentHoldReleasedEvent = EventBase<"fulfillment_hold_released", FulfillmentHoldData>;
export type ThreePlShipmentEvent = EventBase<"3pl_shipment", ThreePlShipmentData>;
export type CarrierTrackingEvent = EventBase<"carrier_tracking", CarrierTrackingData>;

export type OrderEvent =
  | OrderSnapshotEvent
  | OrderDeletedEvent
  | RefundEvent
  | FulfillmentSnapshotEvent
  | FulfillmentEventEvent
  | FulfillmentEventDeletedEvent
  | FulfillmentHoldAddedEvent
  | FulfillmentHoldReleasedEvent
  | ThreePlShipmentEvent
  | CarrierTrackingEvent;

/** An event before the order it belongs to is known: feed rows, and webhooks that name a fulfillment order. */
export type OrderlessEvent = OrderEvent extends infer E ? (E extends OrderEvent ? Omit<E, "orderId"> : never) : never;

/**
 * Tie-break between events with the same occurredAt: facts about what exists come before facts about
 * where it is, and removals come last, so "created then cancelled in the same second" ends cancelled.
 */
export const KIND_RANK: Readonly<Record<EventKind, number>> = Object.freeze({
  order_snapshot: 0,
  fulfillment_snapshot: 1,
  "3pl_shipment": 2,
  fulfillment_event: 3,
  carrier_tracking: 4,
  refund: 5,
  fulfillment_hold_added: 6,
  fulfillment_hold_released: 7,
  fulfillment_event_deleted: 8,
  order_deleted: 9,
});

/** Parses an ISO-ish timestamp into canonical UTC form, or null when it is not a time. */
export function toUtcIso(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === "") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
