/**
 * What of a Shopify order-topic payload the app keeps as the event's raw copy: everything but the
 * personal fields. The normaliser reads ids, names of orders and products, quantities, times,
 * fulfillment and tracking fields, the order status link and the customer's id; it hashes the email
 * and phone into the event itself and keeps the status link there, so the raw copy needs none of them. See
 * docs/decisions/018-personal-data-and-compliance.md.
 *
 * Pure, and it copies: the payload given is not changed. Values are kept as they are (bigint ids
 * read losslessly stay bigint), only keys are dropped.
 */

const ORDER_TOPIC_FAMILIES = ["orders/", "fulfillments/", "fulfillment_events/", "refunds/", "fulfillment_holds/", "fulfillment_orders/"];

/** Dropped at any depth: Shopify repeats contact data in nested objects (shipping lines, fulfillments, transactions). */
const PERSONAL_KEYS = new Set([
  // Whole addresses, of the buyer or of where the parcel goes.
  "billing_address",
  "shipping_address",
  "destination",
  "default_address",
  "addresses",
  // Contact data and what identifies the buyer's device or session.
  "email",
  "contact_email",
  "phone",
  "browser_ip",
  "client_details",
  "customer_locale",
  "email_marketing_consent",
  "sms_marketing_consent",
  // Parts of an address wherever one appears on its own (a fulfillment event's scan point can be the doorstep).
  "first_name",
  "last_name",
  "company",
  "address1",
  "address2",
  "zip",
  "latitude",
  "longitude",
  // Free text people type, which often holds names, addresses or phone numbers.
  "note",
  "note_attributes",
  "staff_note",
  "reason_notes",
  "properties",
  // Payment gateways' own records may carry the cardholder's name.
  "receipt",
  "payment_details",
  // Where the buyer came from: query strings of mailing tools carry emails and subscriber tokens.
  "landing_site",
  "referring_site",
  // Tokens of the buyer's cart, checkout and device, and the order status link, which opens the
  // customer's order page to whoever holds it (the normalised event keeps the link for the block).
  "token",
  "cart_token",
  "checkout_token",
  "device_id",
  "order_status_url",
  "po_number",
]);

/** Of the customer only the ids stay: the signed-in storefront lookup matches on the customer id. */
const CUSTOMER_KEYS_KEPT = new Set(["id", "admin_graphql_api_id"]);

function isOrderTopic(topic: string): boolean {
  return ORDER_TOPIC_FAMILIES.some((family) => topic.startsWith(family));
}

export function stripPersonalData(topic: string, payload: unknown): unknown {
  // Lifecycle and compliance bodies have their own handling; stripping them by these rules would be a mistake.
  if (!isOrderTopic(topic)) throw new Error(`stripPersonalData: ${topic} is not an order topic`);
  return strip(payload);
}

/**
 * The same rules for an order read from the Admin GraphQL API (reconciliation): its contact fields
 * share the webhook's names (`email`, `phone`, `customer`), and the event holds their hashes already.
 */
export function stripPersonalDataOfAdminOrder(order: unknown): unknown {
  return strip(order);
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  // Every object, whatever its prototype: a body with a "__proto__" key must not slip through whole.
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PERSONAL_KEYS.has(key)) continue;
    copy[key] = key === "customer" ? customerIds(inner) : strip(inner);
  }
  return copy;
}

function customerIds(customer: unknown): unknown {
  if (customer === null || typeof customer !== "object" || Array.isArray(customer)) return customer;
  return Object.fromEntries(Object.entries(customer).filter(([key]) => CUSTOMER_KEYS_KEPT.has(key)));
}

