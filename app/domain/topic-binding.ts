/**
 * Shopify signs a webhook's body, not its `X-Shopify-Topic` or `X-Shopify-Shop-Domain` headers. A
 * body captured once could otherwise be sent again under another topic (an orders/updated body as
 * orders/delete) or another shop. These checks accept a body only for the topic whose resource it
 * describes and, where it names its shop, for that shop. They read only what Shopify's published
 * examples carry for every API version (test/integration/shopify-conformance.test.ts feeds them all).
 * The threat model, and what these checks cannot tell apart: docs/decisions/025-threat-model.md.
 */

/** The resource each gid-bearing topic's body is, as its `admin_graphql_api_id` names it. */
const RESOURCE_OF_TOPIC: Readonly<Record<string, string>> = {
  "orders/create": "Order",
  "orders/updated": "Order",
  "orders/cancelled": "Order",
  "orders/fulfilled": "Order",
  "orders/partially_fulfilled": "Order",
  "fulfillments/create": "Fulfillment",
  "fulfillments/update": "Fulfillment",
  "fulfillment_events/create": "FulfillmentEvent",
  "fulfillment_events/delete": "FulfillmentEvent",
  "refunds/create": "Refund",
};

/** The fulfillment order's status each fulfillment_orders/* topic leaves it in. */
const FULFILLMENT_ORDER_STATUS_OF_TOPIC: Readonly<Record<string, (status: string) => boolean>> = {
  "fulfillment_orders/placed_on_hold": (status) => status === "on_hold",
  "fulfillment_orders/hold_released": (status) => !["on_hold", "cancelled", "closed"].includes(status),
  "fulfillment_orders/cancelled": (status) => status === "cancelled",
};

const GID = /^gid:\/\/shopify\/([A-Za-z]+)\/[0-9]+(?:\?.*)?$/;
const MYSHOPIFY_HOST = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

type Body = Record<string, unknown>;

const isObject = (value: unknown): value is Body => value !== null && typeof value === "object" && !Array.isArray(value);

/** Why `payload` is not a body of `topic` (null when it is, or when the topic is not an order topic). */
export function topicMismatch(topic: string, payload: unknown): string | null {
  if (!isObject(payload)) return null;
  const resource = RESOURCE_OF_TOPIC[topic];
  if (resource) return gidMismatch(topic, resource, payload);
  // Shopify's orders/delete body is the order id alone; every other order-topic body is more than that.
  if (topic === "orders/delete") {
    const extra = Object.keys(payload).filter((key) => key !== "id");
    return extra.length ? `${topic} carries only the order id, this body also has ${extra.slice(0, 3).join(", ")}` : null;
  }
  if (topic.startsWith("fulfillment_holds/")) {
    return isObject(payload.fulfillment_hold) ? null : `${topic} names the hold (fulfillment_hold), this body does not`;
  }
  const statusFits = FULFILLMENT_ORDER_STATUS_OF_TOPIC[topic];
  if (statusFits) {
    if ("fulfillment_hold" in payload) return `${topic} is about a fulfillment order, this body is a fulfillment_holds/* body`;
    const status = isObject(payload.fulfillment_order) ? payload.fulfillment_order.status : undefined;
    if (typeof status !== "string") return `${topic} carries the fulfillment order's status, this body does not`;
    return statusFits(status.toLowerCase()) ? null : `${topic} does not leave a fulfillment order ${status}`;
  }
  return null;
}

function gidMismatch(topic: string, resource: string, payload: Body): string | null {
  const gid = payload.admin_graphql_api_id;
  // Absent only in bodies Shopify does not send; the normaliser's own schema decides those.
  if (gid === undefined || gid === null) return null;
  const match = typeof gid === "string" ? GID.exec(gid) : null;
  if (!match) return `${topic}: admin_graphql_api_id is not a Shopify id`;
  return match[1] === resource ? null : `${topic} is about a ${resource}, this body is a ${match[1]}`;
}

/**
 * Why `payload` cannot be `shop`'s (null when it can). An order body's `order_status_url` is on the
 * shop's own domain: a myshopify.com host other than the shop's means the body was delivered to
 * another shop. A custom domain says nothing either way; decision 025 says what binds those bodies.
 */
export function shopMismatch(payload: unknown, shop: string): string | null {
  if (!isObject(payload) || typeof payload.order_status_url !== "string") return null;
  let host: string;
  try {
    host = new URL(payload.order_status_url).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (!MYSHOPIFY_HOST.test(host) || host === shop.toLowerCase()) return null;
  return `the body's order status link is on ${host}, not on ${shop}`;
}
