// Orders as the Admin API shows them, built from the REST payloads Shopify's webhooks carry (fixtures,
// simulated store), so tests compare the webhook path and the Admin API path on the same facts.
import type { GqlFulfillment, GqlOrder } from "../../../app/sources/shopify-reconciliation/order-mapping";

type Rest = Record<string, unknown>;
const gid = (type: string, id: unknown) => `gid://shopify/${type}/${String(id)}`;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

// FulfillmentDisplayStatus spells cancelled with one L and names unshipped fulfillments SUBMITTED;
// otherwise it shows the latest tracking status, as REST's shipment_status does.
const displayStatusOf = (f: Rest) => {
  const status = String(f.status ?? "success").toLowerCase();
  if (status === "cancelled") return "CANCELED";
  if (f.shipment_status) return String(f.shipment_status).toUpperCase();
  return status === "pending" || status === "open" ? "SUBMITTED" : "FULFILLED";
};

const customerOf = (customer: Rest | null | undefined): GqlOrder["customer"] =>
  customer
    ? {
        id: gid("Customer", customer.id),
        defaultEmailAddress: customer.email ? { emailAddress: String(customer.email) } : null,
        defaultPhoneNumber: customer.phone ? { phoneNumber: String(customer.phone) } : null,
      }
    : null;

/** An order as the Admin API would show it, from the REST payloads Shopify's webhooks carry. */
export function graphqlOrderFromRest(order: Rest, fulfillments: Rest[] = [], events: Rest[] = [], refunds: Rest[] = []): GqlOrder {
  const lines = (order.line_items as Rest[]) ?? [];
  const toFulfillment = (f: Rest): GqlFulfillment => ({
    id: gid("Fulfillment", f.id),
    name: String(f.name ?? ""),
    status: String(f.status ?? "success").toUpperCase(),
    displayStatus: displayStatusOf(f),
    createdAt: String(f.created_at),
    updatedAt: String(f.updated_at ?? f.created_at),
    estimatedDeliveryAt: str(f.estimated_delivery_at),
    trackingInfo: ((f.tracking_numbers as string[] | undefined) ?? (f.tracking_number ? [String(f.tracking_number)] : [])).map((number, i) => ({
      company: str(f.tracking_company),
      number,
      url: ((f.tracking_urls as string[] | undefined) ?? [])[i] ?? null,
    })),
    fulfillmentLineItems: {
      nodes: ((f.line_items as Rest[]) ?? []).map((l) => ({
        quantity: Number(l.quantity),
        lineItem: { id: gid("LineItem", l.id), title: String(l.title ?? l.name ?? ""), sku: str(l.sku), requiresShipping: l.requires_shipping !== false },
      })),
    },
    events: {
      nodes: events
        .filter((e) => String(e.fulfillment_id) === String(f.id))
        .map((e) => ({
          id: gid("FulfillmentEvent", e.id),
          status: String(e.status).toUpperCase(),
          happenedAt: String(e.happened_at ?? e.created_at),
          estimatedDeliveryAt: str(e.estimated_delivery_at),
          message: str(e.message),
          city: str(e.city),
          province: str(e.province),
          country: str(e.country),
        })),
    },
  });
  return {
    id: gid("Order", order.id),
    name: String(order.name),
    createdAt: String(order.created_at),
    updatedAt: String(order.updated_at),
    processedAt: str(order.processed_at),
    cancelledAt: str(order.cancelled_at),
    statusPageUrl: str(order.order_status_url),
    email: str(order.email ?? order.contact_email),
    phone: str(order.phone),
    displayFulfillmentStatus: "UNFULFILLED",
    customer: customerOf(order.customer as Rest | null | undefined),
    lineItems: {
      nodes: lines.map((l) => ({
        id: gid("LineItem", l.id),
        title: String(l.title ?? l.name ?? ""),
        sku: str(l.sku),
        quantity: Number(l.quantity),
        currentQuantity: Number(l.current_quantity ?? l.quantity),
        requiresShipping: l.requires_shipping !== false,
      })),
    },
    fulfillments: fulfillments.map(toFulfillment),
    refunds: refunds.map((r) => ({
      id: gid("Refund", r.id),
      createdAt: str(r.created_at),
      refundLineItems: {
        nodes: ((r.refund_line_items as Rest[]) ?? []).map((l) => ({
          quantity: Number(l.quantity),
          restockType: String(l.restock_type ?? "no_restock").toUpperCase(),
          lineItem: { id: gid("LineItem", l.line_item_id) },
        })),
      },
    })),
  };
}
