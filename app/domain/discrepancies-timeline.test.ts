import { describe, expect, it } from "vitest";
import { orderTimeline, summarizeEvent } from "./discrepancies-timeline";
import type { OrderEvent } from "./events";
import { rollup } from "./rollup";

const carrier = (key: string, occurredAt: string, status: "in_transit" | "delivered"): OrderEvent => ({
  source: "carrier",
  kind: "carrier_tracking",
  orderId: "1",
  occurredAt,
  dedupeKey: key,
  data: { trackingNumber: "1Z1", carrier: "UPS", status, happenedAt: occurredAt, estimatedDeliveryAt: null, message: null, location: null },
});

const fulfillmentSnapshot = (status: string, shipmentStatus: string | null, trackingNumbers: string[]): OrderEvent => ({
  source: "shopify",
  kind: "fulfillment_snapshot",
  orderId: "1",
  occurredAt: "2026-01-01T00:00:00.000Z",
  dedupeKey: "f",
  data: { id: "9", name: "#1001.1", status, shipmentStatus, trackingCompany: trackingNumbers.length ? "UPS" : null, trackingNumbers, trackingUrls: [], lineItems: [], estimatedDeliveryAt: null, createdAt: null, updatedAt: null, localPickup: false },
});

describe("orderTimeline", () => {
  it("orders events canonically, keeps the first arrival of a re-delivery, and marks the deciding ones", () => {
    const a = carrier("a", "2026-01-01T10:00:00.000Z", "in_transit");
    const b = carrier("b", "2026-01-02T10:00:00.000Z", "delivered");
    const entries = orderTimeline(
      [
        { event: b, receivedAt: new Date("2026-01-02T12:14:00.000Z") },
        { event: a, receivedAt: new Date("2026-01-01T10:00:05.000Z") },
        { event: b, receivedAt: new Date("2026-01-03T00:00:00.000Z") },
      ],
      ["b"],
    );
    expect(entries.map((e) => [e.dedupeKey, e.lagMs, e.decisive])).toEqual([
      ["a", 5_000, false],
      ["b", (2 * 60 + 14) * 60_000, true],
    ]);
    expect(entries[1]!.summary).toBe("Carrier: 1Z1 delivered");
  });

  it("counts a clock-skewed early arrival as no lag", () => {
    const a = carrier("a", "2026-01-01T10:00:00.000Z", "in_transit");
    expect(orderTimeline([{ event: a, receivedAt: new Date("2026-01-01T09:59:00.000Z") }], [])[0]!.lagMs).toBe(0);
  });

  it("says when a fulfillment has no tracking number", () => {
    expect(summarizeEvent(fulfillmentSnapshot("success", null, []))).toBe("Fulfillment #1001.1 success · no tracking number");
  });

  it("gives where a parcel is only for a fulfillment that shipped", () => {
    expect(summarizeEvent(fulfillmentSnapshot("success", "in_transit", ["1Z1"]))).toBe("Fulfillment #1001.1 in transit · UPS 1Z1");
    expect(summarizeEvent(fulfillmentSnapshot("pending", "label_printed", ["1Z1"]))).toBe("Fulfillment #1001.1 being prepared (pending) · UPS 1Z1");
    expect(summarizeEvent(fulfillmentSnapshot("open", null, []))).toBe("Fulfillment #1001.1 being prepared (open) · no tracking number");
    for (const status of ["cancelled", "error", "failure"]) {
      expect(summarizeEvent(fulfillmentSnapshot(status, "in_transit", ["1Z1"]))).toBe(`Fulfillment #1001.1 ${status} · UPS 1Z1`);
    }
  });
});

describe("3PL shipments in words", () => {
  const shipment = (data: Partial<Extract<OrderEvent, { kind: "3pl_shipment" }>["data"]>): OrderEvent => ({
    source: "3pl",
    kind: "3pl_shipment",
    orderId: "1",
    occurredAt: "2026-01-01T00:00:00.000Z",
    dedupeKey: "p",
    data: { reference: null, trackingNumber: "JD1", carrier: "DHL", lines: [{ sku: "A", quantity: 2 }], shippedAt: "2026-01-01T00:00:00.000Z", ...data },
  });

  it("names every parcel of a shipment, and a package as a package", () => {
    expect(summarizeEvent(shipment({}))).toBe("Warehouse shipped 2 × A · JD1");
    expect(summarizeEvent(shipment({ trackingNumbers: ["JD1", "JD2"] }))).toBe("Warehouse shipped 2 × A · JD1, JD2");
    expect(summarizeEvent(shipment({ lines: [], coversUnshipped: true, trackingNumber: null }))).toBe("Warehouse shipped a package");
    expect(rollup([{ ...shipment({ lines: [], coversUnshipped: true, trackingNumbers: ["JD1", "JD2"] }) }], new Date("2026-01-02T00:00:00.000Z")).sources[0]!.claim).toBe(
      "shipped a package (DHL JD1, JD2)",
    );
  });
});
