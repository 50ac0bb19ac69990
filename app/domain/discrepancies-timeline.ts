/**
 * One order's history across every source, for people: each event in the rollup's canonical order,
 * what it said, how late it arrived, and whether it is one of the events that decided the status.
 */
import { mapShopifyShipmentStatus, type OrderEvent } from "./events";
import { canonicalEvents, fulfillmentBeingPrepared, fulfillmentShipped } from "./rollup";

export type TimelineEntry = {
  dedupeKey: string;
  source: string;
  kind: string;
  summary: string;
  occurredAt: string;
  receivedAt: string;
  lagMs: number;
  decisive: boolean;
};

const words = (text: string) => text.replace(/_/g, " ");
const units = (n: number) => `${n} unit${n === 1 ? "" : "s"}`;

export function summarizeEvent(event: OrderEvent): string {
  switch (event.kind) {
    case "order_snapshot":
      return event.data.cancelledAt ? "Order cancelled" : `Order ${event.data.name} updated (${units(event.data.lineItems.reduce((a, l) => a + l.currentQuantity, 0))})`;
    case "order_deleted":
      return "Order deleted in Shopify";
    case "refund":
      return `Refund of ${units(event.data.lines.reduce((a, l) => a + l.quantity, 0))}`;
    case "fulfillment_snapshot": {
      const f = event.data;
      // Where the parcel is only means something once it has left.
      const where = fulfillmentShipped(f.status) ? mapShopifyShipmentStatus(f.shipmentStatus, { localPickup: f.localPickup })?.status : undefined;
      const state = fulfillmentBeingPrepared(f.status) ? `being prepared (${f.status})` : where ? words(where) : f.status;
      const tracking = f.trackingNumbers.length ? ` · ${[f.trackingCompany, ...f.trackingNumbers].filter(Boolean).join(" ")}` : " · no tracking number";
      return `Fulfillment ${f.name ?? f.id} ${state}${tracking}`;
    }
    case "fulfillment_event": {
      const mapped = mapShopifyShipmentStatus(event.data.status);
      return `Shopify tracking: ${mapped ? words(mapped.status) : words(event.data.status)}${mapped?.delayed ? " (delayed)" : ""}${event.data.message ? ` — ${event.data.message}` : ""}`;
    }
    case "fulfillment_event_deleted":
      return "Tracking event withdrawn";
    case "fulfillment_hold_added":
      return `Put on hold${event.data.reason ? ` (${words(event.data.reason.toLowerCase())})` : ""}`;
    case "fulfillment_hold_released":
      return "Hold released";
    case "3pl_shipment":
    {
      const what = event.data.coversUnshipped ? "a package" : event.data.lines.map((l) => `${l.quantity} × ${l.sku}`).join(", ");
      const numbers = event.data.trackingNumbers ?? (event.data.trackingNumber ? [event.data.trackingNumber] : []);
      return `Warehouse shipped ${what}${numbers.length > 0 ? ` · ${numbers.join(", ")}` : ""}`;
    }
    case "carrier_tracking":
      return `Carrier: ${event.data.trackingNumber} ${words(event.data.status)}${event.data.message ? ` — ${event.data.message}` : ""}`;
  }
}

export function orderTimeline(stored: ReadonlyArray<{ event: OrderEvent; receivedAt: Date }>, decidedBy: readonly string[]): TimelineEntry[] {
  const arrival = new Map<string, Date>();
  for (const s of stored) {
    const known = arrival.get(s.event.dedupeKey);
    if (!known || s.receivedAt < known) arrival.set(s.event.dedupeKey, s.receivedAt);
  }
  const decisive = new Set(decidedBy);
  return canonicalEvents(stored.map((s) => s.event)).map((event) => {
    const receivedAt = arrival.get(event.dedupeKey)!;
    return {
      dedupeKey: event.dedupeKey,
      source: event.source,
      kind: event.kind,
      summary: summarizeEvent(event),
      occurredAt: event.occurredAt,
      receivedAt: receivedAt.toISOString(),
      lagMs: Math.max(0, receivedAt.getTime() - Date.parse(event.occurredAt)),
      decisive: decisive.has(event.dedupeKey),
    };
  });
}
