import type { OrderStatus, ShipmentView } from "../domain/rollup";

/** What a shopper claims in a lookup's body: an order number and the email or phone it was placed with. */
export type LookupClaims = { kind: "order"; name: string; contact: { email: string } | { phone: string } } | { kind: "invalid" };

const MAX_ORDER_NAME = 40;
const MAX_EMAIL = 254;

/**
 * Customers type "1001", "#1001" or "# 1001" for Shopify's "#1001"; stores with their own prefix
 * ("EU-1001") are matched as typed. Whitespace is never part of a name.
 */
export function normalizeOrderName(input: string): string | null {
  const compact = input.replace(/\s+/g, "");
  if (!compact || compact.length > MAX_ORDER_NAME || /[\u0000-\u001f]/.test(compact)) return null;
  return /^\d+$/.test(compact) ? `#${compact}` : compact;
}

const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");

/**
 * The body of a POST lookup (`{"order": "#1001", "email": "..."}` or `"phone"`), parsed JSON.
 * Anything but an object with an order number and a well-formed email or phone is invalid.
 */
export function parseLookupClaims(body: unknown): LookupClaims {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return { kind: "invalid" };
  const fields = body as Record<string, unknown>;
  const name = normalizeOrderName(text(fields.order));
  const email = text(fields.email);
  const phone = text(fields.phone);
  if (!name) return { kind: "invalid" };
  if (email) {
    return email.length <= MAX_EMAIL && /^[^\s@]+@[^\s@]+$/.test(email) ? { kind: "order", name, contact: { email } } : { kind: "invalid" };
  }
  const digits = phone.replace(/\D+/g, "");
  if (digits.length >= 6 && digits.length <= 20 && /^[\d\s()+.-]+$/.test(phone)) return { kind: "order", name, contact: { phone } };
  return { kind: "invalid" };
}

export type StorefrontOrder = OrderStatus;

function shipmentView(s: ShipmentView): ShipmentView {
  return {
    id: s.id,
    status: s.status,
    carrier: s.carrier,
    trackingNumbers: [...s.trackingNumbers],
    trackingUrls: [...s.trackingUrls],
    items: s.items.map((i) => ({ title: i.title, sku: i.sku, quantity: i.quantity })),
    estimatedDeliveryAt: s.estimatedDeliveryAt,
    deliveredAt: s.deliveredAt,
    lastEvent: s.lastEvent
      ? { status: s.lastEvent.status, happenedAt: s.lastEvent.happenedAt, message: s.lastEvent.message, location: s.lastEvent.location }
      : null,
  };
}

/**
 * The contract's storefront view, field by field: whatever else a stored document may carry one
 * day (admin-only claims, contact data) cannot reach a shopper by accident.
 */
export function storefrontView(doc: OrderStatus): StorefrontOrder {
  return {
    schemaVersion: 1,
    orderId: doc.orderId,
    name: doc.name,
    status: doc.status,
    attention: [...doc.attention],
    items: { total: doc.items.total, shipped: doc.items.shipped, delivered: doc.items.delivered },
    shipments: doc.shipments.map(shipmentView),
    statusPageUrl: doc.statusPageUrl,
    estimatedDeliveryAt: doc.estimatedDeliveryAt,
    deliveredAt: doc.deliveredAt,
    cancelledAt: doc.cancelledAt,
    updatedAt: doc.updatedAt,
  };
}
