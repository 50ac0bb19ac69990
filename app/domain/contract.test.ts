import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ATTENTION_FLAGS, ORDER_STATUSES, SHIPMENT_STATUSES, SOURCES, type OrderEvent } from "./events";
import { CONTRACT_PATH, SHARED_CONTRACT_PATH, contractErrors, contractSchema } from "./fixtures/contract";
import { deliverOnce } from "./fixtures/load";
import { rollup, type RollupResult } from "./rollup";

const NOW = new Date("2026-03-05T20:00:00.000Z");

/** Every example scenario of the domain, from the fixtures. */
const scenarios: Record<string, () => OrderEvent[]> = {
  "new order": () => deliverOnce("orders/create", "two-box-order.create"),
  "one of two boxes shipped": () => [
    ...deliverOnce("orders/create", "two-box-order.create"),
    ...deliverOnce("fulfillments/create", "two-box-order.fulfillment-a.create"),
    ...deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-a.event-in-transit"),
  ],
  "partially delivered": () => [
    ...deliverOnce("orders/partially_fulfilled", "two-box-order.partially-fulfilled"),
    ...deliverOnce("fulfillments/create", "two-box-order.fulfillment-b.create"),
    ...deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-a.event-delivered"),
    ...deliverOnce("fulfillment_events/create", "two-box-order.fulfillment-b.event-out-for-delivery"),
  ],
  "fulfillment cancelled": () => [
    ...deliverOnce("orders/create", "two-box-order.create"),
    ...deliverOnce("fulfillments/update", "two-box-order.fulfillment-a.cancelled"),
  ],
  "refund of an unshipped unit": () => [
    ...deliverOnce("orders/create", "two-box-order.create"),
    ...deliverOnce("refunds/create", "two-box-order.refund-unshipped"),
  ],
  "digital + physical": () => [
    ...deliverOnce("orders/create", "digital-physical.create"),
    ...deliverOnce("fulfillments/create", "digital-physical.fulfillment-gift.create"),
    ...deliverOnce("fulfillments/create", "digital-physical.fulfillment-poster.create"),
  ],
  "all digital": () => deliverOnce("orders/create", "digital-only.create"),
  pickup: () => [...deliverOnce("orders/create", "pickup.create"), ...deliverOnce("fulfillments/create", "pickup.fulfillment.create")],
  hold: () => [
    ...deliverOnce("orders/create", "hold.create"),
    ...deliverOnce("fulfillment_holds/added", "hold.added", "2026-03-02T18:05:00Z"),
  ],
  "attempted then exception, delayed": () => [
    ...deliverOnce("orders/create", "single-parcel.create"),
    ...deliverOnce("fulfillments/create", "single-parcel.fulfillment.create"),
    ...deliverOnce("fulfillment_events/create", "single-parcel.event-in-transit"),
    ...deliverOnce("fulfillment_events/create", "single-parcel.event-attempted"),
    ...deliverOnce("fulfillment_events/create", "single-parcel.event-failure"),
  ],
  cancelled: () => [
    ...deliverOnce("orders/create", "single-parcel.create"),
    ...deliverOnce("orders/cancelled", "single-parcel.cancelled"),
  ],
  deleted: () => [
    ...deliverOnce("orders/create", "single-parcel.create"),
    ...deliverOnce("orders/delete", "single-parcel.delete", "2026-03-08T00:00:00Z"),
  ],
  "fulfillment without its order": () => deliverOnce("fulfillments/create", "two-box-order.fulfillment-a.create"),
};

/** The admin view: the storefront document plus each source's claim, with receivedAt filled as the caller would. */
function adminView(r: RollupResult) {
  return { ...r.status, sources: r.sources.map((s) => ({ ...s, receivedAt: s.occurredAt })), discrepancies: [] };
}

describe("contract: OrderStatus v1", () => {
  it.each(Object.keys(scenarios))("%s: the storefront and admin views satisfy the schema", (name) => {
    for (const now of [NOW, new Date("2026-06-01T00:00:00Z")]) {
      const r = rollup(scenarios[name]!(), now);
      expect(contractErrors(r.status)).toBeNull();
      expect(contractErrors(adminView(r))).toBeNull();
    }
  });

  it("the storefront view carries exactly the contract's properties", () => {
    const r = rollup(scenarios["partially delivered"]!(), NOW);
    const storefront = Object.keys(contractSchema.properties).filter((k) => k !== "sources" && k !== "discrepancies");
    expect(Object.keys(r.status).sort()).toEqual(storefront.sort());
  });

  it("rejects a document that breaks it (the validator is live)", () => {
    const r = rollup(scenarios["new order"]!(), NOW);
    expect(contractErrors({ ...r.status, status: "shipped_ish" })).toMatch(/status/);
    expect(contractErrors({ ...r.status, orderId: "gid://shopify/Order/1" })).toMatch(/orderId/);
  });

  it("the exported vocabularies are the contract's enums", () => {
    expect([...ORDER_STATUSES]).toEqual(contractSchema.$defs.orderStatus!.enum);
    expect([...SHIPMENT_STATUSES]).toEqual(contractSchema.$defs.shipmentStatus!.enum);
    expect([...ATTENTION_FLAGS]).toEqual(contractSchema.properties.attention!.items!.enum);
    expect([...SOURCES]).toEqual(contractSchema.properties.sources!.items!.properties!.source!.enum);
  });

  it.skipIf(!existsSync(SHARED_CONTRACT_PATH))("the repo's copy equals the shared contract", () => {
    expect(readFileSync(CONTRACT_PATH, "utf8")).toBe(readFileSync(SHARED_CONTRACT_PATH, "utf8"));
  });
});
