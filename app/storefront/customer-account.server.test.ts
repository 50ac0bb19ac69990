import { describe, expect, it } from "vitest";
import type { StorefrontOrder } from "./lookup-query";
import { withoutShipmentContents } from "./customer-account.server";

const shipment = (id: string, trackingNumbers: string[]): StorefrontOrder["shipments"][number] => ({
  id,
  status: "in_transit",
  carrier: "UPS",
  trackingNumbers,
  trackingUrls: [],
  items: [{ title: "Trail Runner Shoe", sku: "TRS-42", quantity: 1 }],
  estimatedDeliveryAt: "2026-03-07T02:00:00.000Z",
  deliveredAt: null,
  lastEvent: null,
});

const ORDER: StorefrontOrder = {
  schemaVersion: 1,
  orderId: "5801234567002",
  name: "#1002",
  status: "in_transit",
  attention: [],
  items: { total: 3, shipped: 3, delivered: 0 },
  // Ids as the rollup builds them: Shopify's fulfillment id, a 3PL tracking number, a 3PL reference.
  shipments: [shipment("4901001", ["7023210039414604"]), shipment("3pl:1ZPREAUTH0001", ["1ZPREAUTH0001"]), shipment("3pl:ref:#1002@2026-03-06T10:00:00Z/DHL", [])],
  statusPageUrl: "https://test-shop.myshopify.com/orders/abc",
  estimatedDeliveryAt: "2026-03-07T02:00:00.000Z",
  deliveredAt: null,
  cancelledAt: null,
  updatedAt: "2026-03-06T13:05:00.000Z",
};

describe("withoutShipmentContents", () => {
  it("numbers shipments in the view's order instead of ids that carry tracking numbers or warehouse references", () => {
    const view = withoutShipmentContents(ORDER);
    expect(view.shipments.map((s) => s.id)).toEqual(["s1", "s2", "s3"]);
    const text = JSON.stringify(view);
    for (const secret of ["4901001", "7023210039414604", "1ZPREAUTH0001", "ref:#1002@2026-03-06T10:00:00Z/DHL", "UPS", "Trail Runner", "orders/abc"]) {
      expect(text).not.toContain(secret);
    }
  });
});
