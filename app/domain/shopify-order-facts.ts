/**
 * The rules both readings of a Shopify order follow, the webhook payloads (REST) and the Admin API's
 * order (GraphQL, in the reconciliation), so the same order gives the same facts whichever was read
 * last. Why these rules: docs/decisions/012-reconciliation-with-shopify.md (2026-12-07 addendum).
 */
import { hashEmail, hashPhone, toUtcIso, type CustomerKeys } from "./events";

/**
 * When the order was placed: Shopify's processed_at / processedAt, the date Shopify shows on the order
 * (an imported order keeps its original date there), else the time the order was created in Shopify.
 */
export function orderPlacedAt(processedAt: string | null | undefined, createdAt: string | null | undefined): string | null {
  return toUtcIso(processedAt ?? null) ?? toUtcIso(createdAt ?? null);
}

/**
 * The hashed lookup keys: the order's own contact first (REST's email, then contact_email, its other
 * name; GraphQL's email), else the customer's default email and phone.
 */
export function customerLookupKeys(contact: {
  customerId: string | null;
  emails: ReadonlyArray<string | null | undefined>;
  phones: ReadonlyArray<string | null | undefined>;
}): CustomerKeys {
  const first = (values: ReadonlyArray<string | null | undefined>) => values.find((v) => v && v.trim().length > 0) ?? null;
  return { customerId: contact.customerId, emailHash: hashEmail(first(contact.emails)), phoneHash: hashPhone(first(contact.phones)) };
}

const PICKUP_STATUSES = new Set(["ready_for_pickup", "picked_up"]);

/**
 * Where a fulfillment's parcel is and whether it is a local pickup, from the tracking status Shopify
 * shows (REST's shipment_status; in GraphQL the latest event's status, else the display status) and,
 * for the pickup flag, any further status shown (GraphQL's display status PICKED_UP).
 *
 * A fulfillment is a local pickup when Shopify says it is ready for pickup or picked up: Shopify's
 * fulfillment payloads name no delivery method, so the status is the only sign both readings share.
 * A cancelled fulfillment has neither: GraphQL shows it as CANCELED whatever REST still says, and the
 * rollup ships nothing of it.
 */
export function fulfillmentShipment(
  fulfillmentStatus: string,
  shown: string | null | undefined,
  ...alsoShown: ReadonlyArray<string | null | undefined>
): { shipmentStatus: string | null; localPickup: boolean } {
  if (fulfillmentStatus.trim().toLowerCase() === "cancelled") return { shipmentStatus: null, localPickup: false };
  const statuses = [shown, ...alsoShown].map((s) => (s ?? "").trim().toLowerCase()).filter((s) => s.length > 0);
  return { shipmentStatus: shown ? shown.trim().toLowerCase() || null : null, localPickup: statuses.some((s) => PICKUP_STATUSES.has(s)) };
}
