/**
 * Shopify webhook payload -> normalised OrderEvents. Pure: no I/O, no clock; the only inputs are the
 * topic, the parsed JSON body and what the intake read from the headers.
 *
 * Payloads are validated loosely on purpose: Shopify adds fields every API version, so unknown fields
 * are ignored and only what the rollup relies on is required.
 */
import { z } from "zod";
import {
  toUtcIso,
  type FulfillmentData,
  type FulfillmentLineData,
  type LineItemData,
  type OrderEvent,
  type OrderlessEvent,
} from "./events";
import { customerLookupKeys, fulfillmentShipment, orderPlacedAt } from "./shopify-order-facts";

export class InvalidPayloadError extends Error {
  readonly topic: string;
  readonly issues: string[];
  constructor(topic: string, issues: string[]) {
    super(`invalid ${topic} payload: ${issues.join("; ")}`);
    this.name = "InvalidPayloadError";
    this.topic = topic;
    this.issues = issues;
  }
}

export class UnsupportedTopicError extends Error {
  readonly topic: string;
  constructor(topic: string) {
    super(`unsupported webhook topic: ${JSON.stringify(topic)}`);
    this.name = "UnsupportedTopicError";
    this.topic = topic;
  }
}

export type WebhookMeta = { webhookId: string; eventId?: string | null; triggeredAt?: string | null };

export const SUPPORTED_TOPICS = [
  "orders/create",
  "orders/updated",
  "orders/cancelled",
  "orders/fulfilled",
  "orders/partially_fulfilled",
  "orders/delete",
  "fulfillments/create",
  "fulfillments/update",
  "fulfillment_events/create",
  "fulfillment_events/delete",
  "refunds/create",
] as const;
export type SupportedTopic = (typeof SUPPORTED_TOPICS)[number];

/**
 * Topics whose payload names only a fulfillment order, never its order (Shopify's published examples
 * for every API version): the intake resolves the order before the events reach the log. Which
 * fulfillment_orders/* topics are subscribed, and why the others are not: docs/decisions/020-*.
 */
export const FULFILLMENT_ORDER_TOPICS = [
  "fulfillment_holds/added",
  "fulfillment_holds/released",
  "fulfillment_orders/placed_on_hold",
  "fulfillment_orders/hold_released",
  "fulfillment_orders/cancelled",
] as const;
export type FulfillmentOrderTopic = (typeof FULFILLMENT_ORDER_TOPICS)[number];

// ---------------------------------------------------------------------------------------------------
// Field schemas
// ---------------------------------------------------------------------------------------------------

const GID = /^gid:\/\/shopify\/[A-Za-z]+\/([0-9]+)(?:\?.*)?$/;

/**
 * Shopify ids arrive as JSON numbers in REST payloads and as gids in newer ones. Numbers above 2^53 are
 * already rounded by JSON.parse; they are kept as String(n) so every topic that carries the same number
 * agrees (real ids are far below that bound; only Shopify's sample payloads exceed it).
 */
const shopifyId = z.unknown().transform((value, ctx) => {
  if (value === undefined || value === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: "Required" });
    return z.NEVER;
  }
  if (typeof value === "number") {
    // A number past 2^53 (written with a fraction or an exponent, so not read as bigint) is already rounded.
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
  } else if (typeof value === "bigint") {
    if (value >= 0n) return value.toString();
  } else if (typeof value === "string") {
    const trimmed = value.trim();
    if (/^[0-9]+$/.test(trimmed)) return trimmed;
    const gid = GID.exec(trimmed);
    if (gid?.[1]) return gid[1];
  }
  const shown = typeof value === "string" || typeof value === "number" ? JSON.stringify(value) : typeof value;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a Shopify id: ${shown}` });
  return z.NEVER;
});

const time = z.string().transform((value, ctx) => {
  const iso = toUtcIso(value);
  if (iso === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a timestamp: ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return iso;
});
const optionalTime = time.nullish().transform((v) => v ?? null);
const optionalText = z.string().nullish().transform((v) => v ?? null);
const quantity = z.number().int().min(0);

const lineItemSchema = z.object({
  id: shopifyId,
  title: optionalText,
  name: optionalText,
  sku: optionalText,
  quantity,
  current_quantity: quantity.nullish(),
  requires_shipping: z.boolean().nullish(),
});

const fulfillmentLineSchema = z.object({
  id: shopifyId.nullish(),
  title: optionalText,
  name: optionalText,
  sku: optionalText,
  quantity,
  requires_shipping: z.boolean().nullish(),
});

const fulfillmentSchema = z.object({
  id: shopifyId,
  order_id: shopifyId.nullish(),
  name: optionalText,
  status: optionalText,
  shipment_status: optionalText,
  tracking_company: optionalText,
  tracking_number: optionalText,
  tracking_numbers: z.array(z.string()).nullish(),
  tracking_url: optionalText,
  tracking_urls: z.array(z.string()).nullish(),
  line_items: z.array(fulfillmentLineSchema).nullish(),
  estimated_delivery_at: optionalTime,
  created_at: optionalTime,
  updated_at: optionalTime,
});

const orderSchema = z.object({
  id: shopifyId,
  name: optionalText,
  order_number: z.union([z.number(), z.string()]).nullish(),
  email: optionalText,
  contact_email: optionalText,
  phone: optionalText,
  customer: z
    .object({ id: shopifyId.nullish(), email: optionalText, phone: optionalText })
    .passthrough()
    .nullish(),
  created_at: optionalTime,
  updated_at: optionalTime,
  processed_at: optionalTime,
  cancelled_at: optionalTime,
  order_status_url: optionalText,
  line_items: z.array(lineItemSchema),
  fulfillments: z.array(fulfillmentSchema).nullish(),
});

const orderDeleteSchema = z.object({ id: shopifyId });

const refundSchema = z.object({
  id: shopifyId,
  order_id: shopifyId,
  created_at: optionalTime,
  processed_at: optionalTime,
  refund_line_items: z
    .array(
      z.object({
        line_item_id: shopifyId,
        quantity,
        restock_type: optionalText,
      }),
    )
    .nullish(),
});

const fulfillmentEventSchema = z.object({
  id: shopifyId,
  fulfillment_id: shopifyId,
  order_id: shopifyId,
  status: z.string().min(1),
  message: optionalText,
  happened_at: optionalTime,
  created_at: optionalTime,
  updated_at: optionalTime,
  estimated_delivery_at: optionalTime,
  city: optionalText,
  province: optionalText,
  country: optionalText,
});

const fulfillmentEventDeleteSchema = z.object({
  id: shopifyId,
  fulfillment_id: shopifyId.nullish(),
  order_id: shopifyId,
  happened_at: optionalTime,
  updated_at: optionalTime,
});

const holdSchema = z.object({ id: shopifyId.nullish(), reason: optionalText }).passthrough();

const fulfillmentOrderSchema = z
  .object({ id: shopifyId, status: optionalText, fulfillment_holds: z.array(holdSchema).nullish() })
  .passthrough();

const fulfillmentHoldPayloadSchema = z.object({ fulfillment_order: fulfillmentOrderSchema, fulfillment_hold: holdSchema.nullish() });

const placedOnHoldSchema = z.object({ fulfillment_order: fulfillmentOrderSchema, created_fulfillment_hold: holdSchema.nullish() });

const fulfillmentOrderPayloadSchema = z.object({ fulfillment_order: fulfillmentOrderSchema });

// ---------------------------------------------------------------------------------------------------
// Normaliser
// ---------------------------------------------------------------------------------------------------

function parse<T extends z.ZodTypeAny>(topic: string, schema: T, payload: unknown): z.output<T> {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) {
    throw new InvalidPayloadError(topic, ["payload is not a JSON object"]);
  }
  const result = schema.safeParse(payload);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
      return `${path}: ${issue.message}`;
    });
    throw new InvalidPayloadError(topic, issues);
  }
  return result.data;
}

/** The first real time among the candidates, else the webhook's X-Shopify-Triggered-At. */
function occurredAt(topic: string, meta: WebhookMeta, ...candidates: Array<string | null | undefined>): string {
  for (const candidate of candidates) if (candidate) return candidate;
  const triggered = toUtcIso(meta.triggeredAt ?? null);
  if (triggered) return triggered;
  throw new InvalidPayloadError(topic, ["no occurrence time: the payload has none and X-Shopify-Triggered-At is missing"]);
}

function toLineItem(line: z.output<typeof lineItemSchema>): LineItemData {
  return {
    id: line.id,
    title: line.title ?? line.name ?? "",
    sku: line.sku || null,
    quantity: line.quantity,
    currentQuantity: Math.min(line.current_quantity ?? line.quantity, line.quantity),
    requiresShipping: line.requires_shipping ?? true,
  };
}

function toFulfillmentLine(line: z.output<typeof fulfillmentLineSchema>): FulfillmentLineData {
  return {
    lineItemId: line.id ?? null,
    title: line.title ?? line.name ?? "",
    sku: line.sku || null,
    quantity: line.quantity,
    requiresShipping: line.requires_shipping ?? true,
  };
}

const uniqueStrings = (values: ReadonlyArray<string | null | undefined>) => [
  ...new Set(values.map((v) => (v ?? "").trim()).filter((v) => v.length > 0)),
];

function toFulfillment(f: z.output<typeof fulfillmentSchema>): FulfillmentData {
  const status = (f.status ?? "success").toLowerCase();
  const { shipmentStatus, localPickup } = fulfillmentShipment(status, f.shipment_status);
  return {
    id: f.id,
    name: f.name,
    status,
    shipmentStatus,
    trackingCompany: f.tracking_company || null,
    // Older payloads only fill the singular fields; newer ones fill both with the same value.
    trackingNumbers: uniqueStrings([...(f.tracking_numbers ?? []), f.tracking_number]),
    trackingUrls: uniqueStrings([...(f.tracking_urls ?? []), f.tracking_url]),
    lineItems: (f.line_items ?? []).map(toFulfillmentLine),
    estimatedDeliveryAt: f.estimated_delivery_at,
    createdAt: f.created_at,
    updatedAt: f.updated_at,
    localPickup,
  };
}

function location(parts: ReadonlyArray<string | null>): string | null {
  const text = parts.filter((p): p is string => !!p && p.trim().length > 0).join(", ");
  return text || null;
}

// Omit over a union must distribute, or kind and data stop being paired.
type Draft = OrderEvent extends infer E ? (E extends OrderEvent ? Omit<E, "dedupeKey"> : never) : never;

function normalize(topic: SupportedTopic, payload: unknown, meta: WebhookMeta): Draft[] {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
    case "orders/cancelled":
    case "orders/fulfilled":
    case "orders/partially_fulfilled": {
      const o = parse(topic, orderSchema, payload);
      const name = o.name ?? (o.order_number !== null && o.order_number !== undefined ? `#${o.order_number}` : "");
      return [
        {
          source: "shopify",
          kind: "order_snapshot",
          orderId: o.id,
          occurredAt: occurredAt(topic, meta, o.updated_at, o.cancelled_at, o.processed_at, o.created_at),
          data: {
            name,
            createdAt: orderPlacedAt(o.processed_at, o.created_at),
            updatedAt: o.updated_at,
            cancelledAt: o.cancelled_at,
            orderStatusUrl: o.order_status_url,
            customer: customerLookupKeys({
              customerId: o.customer?.id ?? null,
              emails: [o.email, o.contact_email, o.customer?.email],
              phones: [o.phone, o.customer?.phone],
            }),
            lineItems: o.line_items.map(toLineItem),
            fulfillments: (o.fulfillments ?? []).map(toFulfillment),
          },
        },
      ];
    }
    case "orders/delete": {
      const o = parse(topic, orderDeleteSchema, payload);
      return [{ source: "shopify", kind: "order_deleted", orderId: o.id, occurredAt: occurredAt(topic, meta), data: {} }];
    }
    case "fulfillments/create":
    case "fulfillments/update": {
      const f = parse(topic, fulfillmentSchema, payload);
      if (!f.order_id) throw new InvalidPayloadError(topic, ["order_id: required"]);
      return [
        {
          source: "shopify",
          kind: "fulfillment_snapshot",
          orderId: f.order_id,
          occurredAt: occurredAt(topic, meta, f.updated_at, f.created_at),
          data: toFulfillment(f),
        },
      ];
    }
    case "fulfillment_events/create": {
      const e = parse(topic, fulfillmentEventSchema, payload);
      const happenedAt = e.happened_at ?? e.created_at ?? toUtcIso(meta.triggeredAt ?? null);
      if (!happenedAt) throw new InvalidPayloadError(topic, ["happened_at: required"]);
      return [
        {
          source: "shopify",
          kind: "fulfillment_event",
          orderId: e.order_id,
          occurredAt: happenedAt,
          data: {
            id: e.id,
            fulfillmentId: e.fulfillment_id,
            status: e.status.toLowerCase(),
            happenedAt,
            estimatedDeliveryAt: e.estimated_delivery_at,
            message: e.message,
            location: location([e.city, e.province, e.country]),
          },
        },
      ];
    }
    case "fulfillment_events/delete": {
      const e = parse(topic, fulfillmentEventDeleteSchema, payload);
      return [
        {
          source: "shopify",
          kind: "fulfillment_event_deleted",
          orderId: e.order_id,
          // The deletion is later than anything in the payload; the trigger time says when it happened.
          occurredAt: occurredAt(topic, meta, toUtcIso(meta.triggeredAt ?? null), e.updated_at, e.happened_at),
          data: { id: e.id, fulfillmentId: e.fulfillment_id ?? null },
        },
      ];
    }
    case "refunds/create": {
      const r = parse(topic, refundSchema, payload);
      return [
        {
          source: "shopify",
          kind: "refund",
          orderId: r.order_id,
          occurredAt: occurredAt(topic, meta, r.created_at, r.processed_at),
          data: {
            refundId: r.id,
            createdAt: r.created_at ?? r.processed_at,
            lines: (r.refund_line_items ?? []).map((line) => ({
              lineItemId: line.line_item_id,
              quantity: line.quantity,
              restockType: line.restock_type ? line.restock_type.toLowerCase() : null,
            })),
          },
        },
      ];
    }
  }
}

type OrderlessDraft = OrderlessEvent extends infer E ? (E extends OrderlessEvent ? Omit<E, "dedupeKey"> : never) : never;

function holdEvent(
  kind: "fulfillment_hold_added" | "fulfillment_hold_released",
  occurredAt: string,
  fulfillmentOrderId: string,
  hold: z.output<typeof holdSchema> | null | undefined,
): OrderlessDraft {
  return {
    source: "shopify",
    kind,
    occurredAt,
    data: { fulfillmentOrderId, holdId: hold?.id ?? null, reason: hold?.reason ? hold.reason.toLowerCase() : null },
  };
}

function normalizeFulfillmentOrderTopic(
  topic: FulfillmentOrderTopic,
  payload: unknown,
  meta: WebhookMeta,
): { fulfillmentOrderId: string; drafts: OrderlessDraft[] } {
  switch (topic) {
    case "fulfillment_holds/added":
    case "fulfillment_holds/released": {
      const h = parse(topic, fulfillmentHoldPayloadSchema, payload);
      const kind = topic === "fulfillment_holds/added" ? "fulfillment_hold_added" : "fulfillment_hold_released";
      const foId = h.fulfillment_order.id;
      return { fulfillmentOrderId: foId, drafts: [holdEvent(kind, occurredAt(topic, meta), foId, h.fulfillment_hold)] };
    }
    case "fulfillment_orders/placed_on_hold": {
      const h = parse(topic, placedOnHoldSchema, payload);
      const foId = h.fulfillment_order.id;
      const at = occurredAt(topic, meta);
      // The fulfillment order lists every hold it now has (holds stack); older bodies only the new one.
      const holds = h.fulfillment_order.fulfillment_holds?.length ? h.fulfillment_order.fulfillment_holds : [h.created_fulfillment_hold];
      return { fulfillmentOrderId: foId, drafts: holds.map((hold) => holdEvent("fulfillment_hold_added", at, foId, hold)) };
    }
    case "fulfillment_orders/hold_released":
    case "fulfillment_orders/cancelled": {
      // Both leave the fulfillment order with no hold: released (status back to open), or cancelled and,
      // where Shopify replaces it, replaced by an open one. A release without a hold id clears them all.
      const f = parse(topic, fulfillmentOrderPayloadSchema, payload);
      const foId = f.fulfillment_order.id;
      return { fulfillmentOrderId: foId, drafts: [holdEvent("fulfillment_hold_released", occurredAt(topic, meta), foId, null)] };
    }
  }
}

function isSupportedTopic(topic: string): topic is SupportedTopic {
  return (SUPPORTED_TOPICS as readonly string[]).includes(topic);
}

function isFulfillmentOrderTopic(topic: string): topic is FulfillmentOrderTopic {
  return (FULFILLMENT_ORDER_TOPICS as readonly string[]).includes(topic);
}

function dedupeKeyOf(meta: WebhookMeta, index: number, count: number): string {
  return count === 1 ? meta.webhookId : `${meta.webhookId}#${index}`;
}

function requireWebhookId(topic: string, meta: WebhookMeta) {
  if (!meta.webhookId || meta.webhookId.trim() === "") {
    throw new InvalidPayloadError(topic, ["webhook id is required to deduplicate deliveries"]);
  }
}

/**
 * Normalises one Shopify webhook. The dedupe key is the webhook id (Shopify re-sends a failed delivery
 * with the same id), suffixed with the event's index when one delivery yields several events.
 */
export function normalizeShopifyWebhook(
  topic: string,
  payload: unknown,
  meta: WebhookMeta,
): { events: OrderEvent[] } {
  const normalisedTopic = topic.trim().toLowerCase();
  if (!isSupportedTopic(normalisedTopic)) throw new UnsupportedTopicError(topic);
  requireWebhookId(normalisedTopic, meta);
  const drafts = normalize(normalisedTopic, payload, meta);
  return { events: drafts.map((draft, index): OrderEvent => ({ ...draft, dedupeKey: dedupeKeyOf(meta, index, drafts.length) })) };
}

/**
 * Normalises a hold or fulfillment-order webhook: the events of the fulfillment order it names, which
 * belong to an order the caller still has to resolve (see app/sources/fulfillment-orders.server.ts).
 */
export function normalizeFulfillmentOrderWebhook(
  topic: string,
  payload: unknown,
  meta: WebhookMeta,
): { fulfillmentOrderId: string; events: OrderlessEvent[] } {
  const normalisedTopic = topic.trim().toLowerCase();
  if (!isFulfillmentOrderTopic(normalisedTopic)) throw new UnsupportedTopicError(topic);
  requireWebhookId(normalisedTopic, meta);
  const { fulfillmentOrderId, drafts } = normalizeFulfillmentOrderTopic(normalisedTopic, payload, meta);
  return {
    fulfillmentOrderId,
    events: drafts.map((draft, index): OrderlessEvent => ({ ...draft, dedupeKey: dedupeKeyOf(meta, index, drafts.length) })),
  };
}

/**
 * Any subscribed topic's events, for callers that already know which order each fulfillment order
 * belongs to (fixtures, the simulated store): what the intake's lookup would have found.
 */
export function normalizeWithKnownFulfillmentOrders(
  topic: string,
  payload: unknown,
  meta: WebhookMeta,
  orderOf: (fulfillmentOrderId: string) => string | undefined,
): OrderEvent[] {
  if (!isFulfillmentOrderTopic(topic.trim().toLowerCase())) return normalizeShopifyWebhook(topic, payload, meta).events;
  const { fulfillmentOrderId, events } = normalizeFulfillmentOrderWebhook(topic, payload, meta);
  const orderId = orderOf(fulfillmentOrderId);
  if (!orderId) throw new Error(`fulfillment order ${fulfillmentOrderId} belongs to no known order`);
  return events.map((e) => ({ ...e, orderId }) as OrderEvent);
}
