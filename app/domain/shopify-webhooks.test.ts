import { describe, expect, it } from "vitest";
import { hashEmail, hashPhone, type OrderEvent } from "./events";
import { fixture } from "./fixtures/load";
import {
  FULFILLMENT_ORDER_TOPICS,
  InvalidPayloadError,
  SUPPORTED_TOPICS,
  UnsupportedTopicError,
  normalizeFulfillmentOrderWebhook,
  normalizeShopifyWebhook,
} from "./shopify-webhooks";

const meta = { webhookId: "b1f3c5e7-0000-4000-8000-000000000001", eventId: "evt-1", triggeredAt: "2026-03-09T12:00:00.000Z" };

function one(topic: string, payload: unknown, m: Partial<typeof meta> = {}): OrderEvent {
  const { events } = normalizeShopifyWebhook(topic, payload, { ...meta, ...m });
  expect(events).toHaveLength(1);
  return events[0]!;
}

function expectInvalid(topic: string, payload: unknown, pattern: RegExp, m: Partial<typeof meta> = {}) {
  let error: unknown;
  try {
    normalizeShopifyWebhook(topic, payload, { ...meta, ...m });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InvalidPayloadError);
  expect((error as InvalidPayloadError).message).toMatch(pattern);
  expect((error as InvalidPayloadError).topic).toBe(topic);
}

describe("orders/* topics", () => {
  const orderTopics = ["orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/partially_fulfilled"];

  it.each(orderTopics)("%s yields one order snapshot", (topic) => {
    const event = one(topic, fixture("two-box-order.create"));
    expect(event).toMatchObject({
      source: "shopify",
      kind: "order_snapshot",
      orderId: "5801234567001",
      occurredAt: "2026-03-02T14:15:13.000Z",
      dedupeKey: meta.webhookId,
    });
  });

  it("keeps name, line items, status page and times in UTC", () => {
    const event = one("orders/create", fixture("two-box-order.create"));
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data).toMatchObject({
      name: "#1001",
      createdAt: "2026-03-02T14:15:11.000Z",
      updatedAt: "2026-03-02T14:15:13.000Z",
      cancelledAt: null,
      orderStatusUrl: expect.stringContaining("/orders/"),
      fulfillments: [],
    });
    expect(event.data.lineItems).toEqual([
      { id: "14001", title: "Trail Runner Shoe — Size 42", sku: "TRS-42", quantity: 1, currentQuantity: 1, requiresShipping: true },
      { id: "14002", title: "Merino Hiking Socks", sku: "MHS-M", quantity: 2, currentQuantity: 2, requiresShipping: true },
    ]);
  });

  it("keeps only hashed customer lookup keys, never email, phone or address in clear", () => {
    const event = one("orders/create", fixture("two-box-order.create"));
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.customer).toEqual({
      customerId: "7410852963001",
      emailHash: hashEmail("camille.tremblay@example.com"),
      phoneHash: hashPhone("15145550142"),
    });
    const text = JSON.stringify(event);
    for (const secret of ["camille", "Camille", "555-0142", "5550142", "Saint-Paul", "H2Y", "Tremblay", "203.0.113.24"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("carries the fulfillments embedded in the order", () => {
    const event = one("orders/partially_fulfilled", fixture("two-box-order.partially-fulfilled"));
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.fulfillments).toEqual([
      {
        id: "4901001",
        name: "#1001.1",
        status: "success",
        shipmentStatus: null,
        trackingCompany: "Canada Post",
        trackingNumbers: ["7023210039414604"],
        trackingUrls: [expect.stringContaining("7023210039414604")],
        lineItems: [{ lineItemId: "14001", title: "Trail Runner Shoe — Size 42", sku: "TRS-42", quantity: 1, requiresShipping: true }],
        estimatedDeliveryAt: null,
        createdAt: "2026-03-03T19:02:00.000Z",
        updatedAt: "2026-03-03T19:02:00.000Z",
        localPickup: false,
      },
    ]);
  });

  it("orders/cancelled keeps cancelled_at", () => {
    const event = one("orders/cancelled", fixture("single-parcel.cancelled"));
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.cancelledAt).toBe("2026-03-02T20:09:58.000Z");
    expect(event.data.lineItems[0]).toMatchObject({ quantity: 1, currentQuantity: 0 });
  });

  it("accepts a GraphQL gid as the order id and as line item ids", () => {
    const payload = fixture("two-box-order.create");
    payload.id = "gid://shopify/Order/5801234567001";
    const lines = payload.line_items as Array<Record<string, unknown>>;
    lines[0]!.id = "gid://shopify/LineItem/14001";
    const event = one("orders/updated", payload);
    expect(event.orderId).toBe("5801234567001");
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.lineItems[0]!.id).toBe("14001");
  });

  it("accepts big integer ids parsed losslessly as bigint or digit strings", () => {
    const payload = fixture("two-box-order.create");
    payload.id = 820982911946154508n;
    expect(one("orders/updated", payload).orderId).toBe("820982911946154508");
    payload.id = "820982911946154508";
    expect(one("orders/updated", payload).orderId).toBe("820982911946154508");
  });

  it("falls back to triggeredAt when the payload has no time", () => {
    const payload = fixture("two-box-order.create");
    delete payload.updated_at;
    delete payload.created_at;
    delete payload.processed_at;
    expect(one("orders/updated", payload).occurredAt).toBe("2026-03-09T12:00:00.000Z");
  });

  it("names an order from order_number when name is missing and defaults requires_shipping to true", () => {
    const payload = fixture("two-box-order.create");
    delete payload.name;
    for (const l of payload.line_items as Array<Record<string, unknown>>) delete l.requires_shipping;
    const event = one("orders/create", payload);
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.name).toBe("#1001");
    expect(event.data.lineItems.every((l) => l.requiresShipping)).toBe(true);
  });

  it("marks digital lines as not requiring shipping", () => {
    const event = one("orders/create", fixture("digital-physical.create"));
    if (event.kind !== "order_snapshot") throw new Error("kind");
    expect(event.data.lineItems.map((l) => [l.sku, l.requiresShipping])).toEqual([
      ["GC-50", false],
      ["PST-1824", true],
    ]);
  });

  it.each([
    ["a string", "not an order", /not a JSON object/],
    ["null", null, /not a JSON object/],
    ["an array", [], /not a JSON object/],
    ["no id", { line_items: [] }, /id: Required/],
    ["a negative id", { id: -4, line_items: [] }, /id: not a Shopify id/],
    ["a foreign gid", { id: "gid://other/Order/1", line_items: [] }, /id: not a Shopify id/],
    // 820982911946154508.0 reads as a float already rounded to ...500: refused, not stored as another order.
    ["an id past 2^53 written as a fraction", { id: 820982911946154508.0, line_items: [] }, /id: not a Shopify id/],
    ["no line items", { id: 1 }, /line_items: Required/],
    ["a bad quantity", { id: 1, line_items: [{ id: 2, quantity: -1 }] }, /line_items\.0\.quantity/],
    ["a bad timestamp", { id: 1, line_items: [], updated_at: "yesterday" }, /updated_at: not a timestamp/],
  ])("rejects %s", (_label, payload, pattern) => {
    expectInvalid("orders/updated", payload, pattern);
  });

  it("rejects an order with no time at all and no triggeredAt", () => {
    expectInvalid("orders/create", { id: 1, line_items: [] }, /no occurrence time/, { triggeredAt: undefined });
  });
});

describe("orders/delete", () => {
  it("yields an order_deleted event at the trigger time", () => {
    expect(one("orders/delete", fixture("single-parcel.delete"))).toEqual({
      source: "shopify",
      kind: "order_deleted",
      orderId: "5801234567006",
      occurredAt: "2026-03-09T12:00:00.000Z",
      dedupeKey: meta.webhookId,
      data: {},
    });
  });
  it("needs a trigger time and an id", () => {
    expectInvalid("orders/delete", { id: 5 }, /no occurrence time/, { triggeredAt: undefined });
    expectInvalid("orders/delete", {}, /id: Required/);
  });
});

describe("fulfillments/create and fulfillments/update", () => {
  it.each(["fulfillments/create", "fulfillments/update"])("%s yields a fulfillment snapshot", (topic) => {
    const event = one(topic, fixture("two-box-order.fulfillment-a.create"));
    expect(event).toMatchObject({
      kind: "fulfillment_snapshot",
      orderId: "5801234567001",
      occurredAt: "2026-03-03T19:02:00.000Z",
      data: { id: "4901001", status: "success", trackingNumbers: ["7023210039414604"], localPickup: false },
    });
  });

  it("keeps a cancelled status", () => {
    const event = one("fulfillments/update", fixture("two-box-order.fulfillment-a.cancelled"));
    expect(event.data).toMatchObject({ status: "cancelled" });
    expect(event.occurredAt).toBe("2026-03-03T21:30:00.000Z");
  });

  it("recognises a local pickup", () => {
    expect(one("fulfillments/create", fixture("pickup.fulfillment.create")).data).toMatchObject({
      localPickup: true,
      shipmentStatus: "ready_for_pickup",
    });
    // Shopify's fulfillment payloads name no delivery method: the pickup statuses are the sign, as in GraphQL.
    const collected = { ...fixture("single-parcel.fulfillment.create"), shipment_status: "picked_up" };
    expect(one("fulfillments/update", collected).data).toMatchObject({ localPickup: true, shipmentStatus: "picked_up" });
    const cancelled = { ...fixture("pickup.fulfillment.create"), status: "cancelled" };
    expect(one("fulfillments/update", cancelled).data).toMatchObject({ localPickup: false, shipmentStatus: null });
  });

  it("merges the singular tracking fields of older payloads", () => {
    const payload = fixture("single-parcel.fulfillment.create");
    payload.tracking_numbers = [];
    payload.tracking_urls = null;
    const event = one("fulfillments/update", payload);
    expect(event.data).toMatchObject({ trackingNumbers: ["7023210039466001"], trackingUrls: [expect.any(String)] });
  });

  it("does not carry the destination address", () => {
    const text = JSON.stringify(one("fulfillments/create", fixture("two-box-order.fulfillment-a.create")));
    expect(text).not.toContain("Saint-Paul");
    expect(text).not.toContain("camille");
  });

  it("rejects a fulfillment without order_id or with garbage lines", () => {
    const payload = fixture("two-box-order.fulfillment-a.create");
    delete payload.order_id;
    expectInvalid("fulfillments/create", payload, /order_id: required/);
    expectInvalid("fulfillments/update", { id: 1, order_id: 2, line_items: "x" }, /line_items/);
    expectInvalid("fulfillments/update", { id: 1, order_id: 2, tracking_numbers: [7] }, /tracking_numbers\.0/);
  });
});

describe("fulfillment_events/create and delete", () => {
  it("yields a fulfillment event at happened_at with a location", () => {
    expect(one("fulfillment_events/create", fixture("two-box-order.fulfillment-a.event-in-transit"))).toEqual({
      source: "shopify",
      kind: "fulfillment_event",
      orderId: "5801234567001",
      occurredAt: "2026-03-04T12:41:00.000Z",
      dedupeKey: meta.webhookId,
      data: {
        id: "88001",
        fulfillmentId: "4901001",
        status: "in_transit",
        happenedAt: "2026-03-04T12:41:00.000Z",
        estimatedDeliveryAt: "2026-03-07T02:00:00.000Z",
        message: "Item processed",
        location: "Montréal, QC, Canada",
      },
    });
  });

  it("lower-cases GraphQL style statuses", () => {
    const payload = { ...fixture("single-parcel.event-attempted"), status: "ATTEMPTED_DELIVERY" };
    expect(one("fulfillment_events/create", payload).data).toMatchObject({ status: "attempted_delivery" });
  });

  it("yields a deletion at the trigger time", () => {
    expect(one("fulfillment_events/delete", fixture("two-box-order.fulfillment-a.event-delivered"))).toMatchObject({
      kind: "fulfillment_event_deleted",
      orderId: "5801234567001",
      occurredAt: "2026-03-09T12:00:00.000Z",
      data: { id: "88002", fulfillmentId: "4901001" },
    });
  });

  it("rejects events without status, order or fulfillment", () => {
    const payload = fixture("single-parcel.event-attempted");
    expectInvalid("fulfillment_events/create", { ...payload, status: "" }, /status/);
    expectInvalid("fulfillment_events/create", { ...payload, order_id: null }, /order_id/);
    expectInvalid("fulfillment_events/create", { ...payload, fulfillment_id: undefined }, /fulfillment_id: Required/);
    expectInvalid("fulfillment_events/delete", { id: 1 }, /order_id: Required/);
  });
});

describe("refunds/create", () => {
  it("yields the units removed and how they were restocked", () => {
    expect(one("refunds/create", fixture("two-box-order.refund-unshipped"))).toEqual({
      source: "shopify",
      kind: "refund",
      orderId: "5801234567001",
      occurredAt: "2026-03-04T16:00:00.000Z",
      dedupeKey: meta.webhookId,
      data: {
        refundId: "930001",
        createdAt: "2026-03-04T16:00:00.000Z",
        lines: [{ lineItemId: "14002", quantity: 1, restockType: "cancel" }],
      },
    });
  });

  it("accepts a refund without line items (a shipping or goodwill refund)", () => {
    const event = one("refunds/create", { id: 5, order_id: 6, created_at: "2026-03-01T00:00:00Z", refund_line_items: [] });
    expect(event.data).toMatchObject({ lines: [] });
  });

  it("rejects refunds without an order", () => {
    expectInvalid("refunds/create", { id: 5, refund_line_items: [] }, /order_id: Required/);
    expectInvalid("refunds/create", { id: 5, order_id: 6, refund_line_items: [{ quantity: 1 }] }, /line_item_id/);
  });
});

describe("hold and fulfillment-order topics", () => {
  const holds = (topic: string, payload: unknown, m: Partial<typeof meta> = {}) => normalizeFulfillmentOrderWebhook(topic, payload, { ...meta, ...m });

  it("reads the fulfillment order and the hold; the order is the caller's to resolve", () => {
    expect(holds("fulfillment_holds/added", fixture("hold.added"))).toEqual({
      fulfillmentOrderId: "6601005",
      events: [
        {
          source: "shopify",
          kind: "fulfillment_hold_added",
          occurredAt: "2026-03-09T12:00:00.000Z",
          dedupeKey: meta.webhookId,
          data: { fulfillmentOrderId: "6601005", holdId: "7701005", reason: "incorrect_address" },
        },
      ],
    });
    expect(holds("fulfillment_holds/released", fixture("hold.released")).events).toMatchObject([
      { kind: "fulfillment_hold_released", data: { fulfillmentOrderId: "6601005", holdId: "7701005" } },
    ]);
  });

  it("placed_on_hold adds every hold the fulfillment order lists, one event each", () => {
    const payload = {
      fulfillment_order: {
        id: "gid://shopify/FulfillmentOrder/1",
        status: "on_hold",
        fulfillment_holds: [
          { id: "gid://shopify/FulfillmentHold/1", reason: "other" },
          { id: "gid://shopify/FulfillmentHold/2", reason: "inventory_out_of_stock" },
        ],
      },
      created_fulfillment_hold: { id: "gid://shopify/FulfillmentHold/1", reason: "other" },
    };
    const { fulfillmentOrderId, events } = holds("fulfillment_orders/placed_on_hold", payload);
    expect(fulfillmentOrderId).toBe("1");
    expect(events.map((e) => [e.kind, e.dedupeKey, (e.data as { holdId: string }).holdId])).toEqual([
      ["fulfillment_hold_added", `${meta.webhookId}#0`, "1"],
      ["fulfillment_hold_added", `${meta.webhookId}#1`, "2"],
    ]);
  });

  it("hold_released and cancelled release every hold of the fulfillment order", () => {
    for (const topic of ["fulfillment_orders/hold_released", "fulfillment_orders/cancelled"]) {
      expect(holds(topic, { fulfillment_order: { id: "gid://shopify/FulfillmentOrder/1", status: "open" } }).events).toMatchObject([
        { kind: "fulfillment_hold_released", data: { fulfillmentOrderId: "1", holdId: null } },
      ]);
    }
  });

  it("does not keep the merchant's free-text hold notes", () => {
    expect(JSON.stringify(holds("fulfillment_holds/added", fixture("hold.added")))).not.toContain("Apartment");
  });

  it("rejects a hold without a fulfillment order, and one with no time", () => {
    expect(() => holds("fulfillment_holds/added", { fulfillment_hold: {} })).toThrow(/fulfillment_order: Required/);
    expect(() => holds("fulfillment_holds/released", fixture("hold.released"), { triggeredAt: undefined })).toThrow(/no occurrence time/);
    expect(() => holds("fulfillment_orders/hold_released", { fulfillment_order: { id: "not an id" } })).toThrow(InvalidPayloadError);
  });

  it("is not the order normaliser's, and the order topics are not its", () => {
    expect(() => normalizeShopifyWebhook("fulfillment_holds/added", fixture("hold.added"), meta)).toThrow(UnsupportedTopicError);
    expect(() => holds("orders/create", fixture("two-box-order.create"))).toThrow(UnsupportedTopicError);
  });
});

describe("topics and delivery metadata", () => {
  it("throws UnsupportedTopicError for other topics", () => {
    for (const topic of ["products/update", "orders/edited", "", "ORDERS/CREATEX"]) {
      expect(() => normalizeShopifyWebhook(topic, {}, meta)).toThrow(UnsupportedTopicError);
    }
  });

  it("accepts the topic in any case", () => {
    expect(one("Orders/Create", fixture("two-box-order.create")).kind).toBe("order_snapshot");
  });

  it("supports exactly the subscribed order topics", () => {
    expect([...SUPPORTED_TOPICS].sort()).toEqual(
      [
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/delete",
        "fulfillments/create",
        "fulfillments/update",
        "fulfillment_events/create",
        "fulfillment_events/delete",
        "refunds/create",
      ].sort(),
    );
    expect([...FULFILLMENT_ORDER_TOPICS].sort()).toEqual(
      [
        "fulfillment_holds/added",
        "fulfillment_holds/released",
        "fulfillment_orders/placed_on_hold",
        "fulfillment_orders/hold_released",
        "fulfillment_orders/cancelled",
      ].sort(),
    );
  });

  it("needs a webhook id to deduplicate", () => {
    expectInvalid("orders/create", fixture("two-box-order.create"), /webhook id/, { webhookId: "" });
  });

  it("the same delivery normalises to the same event (a retry is a duplicate)", () => {
    const a = normalizeShopifyWebhook("orders/updated", fixture("two-box-order.create"), meta);
    const b = normalizeShopifyWebhook("orders/updated", fixture("two-box-order.create"), meta);
    expect(a).toEqual(b);
  });
});
