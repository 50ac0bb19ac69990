import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CARRIER_STATUS_ALIASES, MAX_CARRIER_UPDATES, aliasKey, mapCarrierStatus, parseCarrierUpdates } from "./carrier";
import { SHIPMENT_STATUSES, type OrderEvent } from "./events";
import { rollup } from "./rollup";

const update = (extra: Record<string, unknown> = {}) => ({
  tracking_number: "1Z999AA10123456784",
  status: "in_transit",
  happened_at: "2026-03-05T15:00:00Z",
  ...extra,
});

describe("carrier status aliases", () => {
  it("maps our own vocabulary to itself, in any spelling", () => {
    for (const status of SHIPMENT_STATUSES) {
      expect(mapCarrierStatus(status)?.status).toBe(status);
      expect(mapCarrierStatus(status.toUpperCase())?.status).toBe(status);
      expect(mapCarrierStatus(status.replace(/_/g, " "))?.status).toBe(status);
    }
  });

  it.each([
    ["InTransit", "in_transit"],
    ["OUT_FOR_DELIVERY", "out_for_delivery"],
    ["OutForDelivery", "out_for_delivery"],
    ["AttemptFail", "attempted_delivery"],
    ["Exception", "exception"],
    ["PickedUp", "in_transit"],
    ["AvailableForPickup", "ready_for_pickup"],
    ["available_for_pickup", "ready_for_pickup"],
    ["InfoReceived", "label_created"],
    ["pre_transit", "label_created"],
    ["TRANSIT", "in_transit"],
    ["DeliveryFailure", "attempted_delivery"],
    ["return_to_sender", "exception"],
    ["failure", "exception"],
    ["Delivered", "delivered"],
    ["canceled", "cancelled"],
  ])("%s -> %s", (alias, status) => {
    expect(mapCarrierStatus(alias)?.status).toBe(status);
  });

  it("keeps a delayed parcel moving and says so", () => {
    expect(mapCarrierStatus("Delayed")).toEqual({ status: "in_transit", delayed: true });
  });

  it("answers null to words that name no place, never throws", () => {
    for (const word of [null, undefined, "", "unknown", "Pending", "NotFound", "toString", "__proto__", "constructor"]) {
      expect(mapCarrierStatus(word)).toBeNull();
    }
    fc.assert(fc.property(fc.string(), (s) => void mapCarrierStatus(s)));
  });

  it("has only normalised keys and only our statuses as targets", () => {
    for (const [key, mapping] of Object.entries(CARRIER_STATUS_ALIASES)) {
      expect(aliasKey(key)).toBe(key);
      expect(SHIPMENT_STATUSES).toContain(mapping.status);
    }
  });
});

describe("parseCarrierUpdates", () => {
  it("takes one object or an array, mapping aliases and normalising times", () => {
    const single = parseCarrierUpdates(update({ status: "OutForDelivery", carrier: "UPS", estimated_delivery_at: "2026-03-06", location: "Ottawa, ON" }));
    expect(single.rejected).toEqual([]);
    expect(single.updates).toEqual([
      expect.objectContaining({
        index: 0,
        trackingNumber: "1Z999AA10123456784",
        event: expect.objectContaining({
          source: "carrier",
          kind: "carrier_tracking",
          occurredAt: "2026-03-05T15:00:00.000Z",
          data: {
            trackingNumber: "1Z999AA10123456784",
            carrier: "UPS",
            status: "out_for_delivery",
            happenedAt: "2026-03-05T15:00:00.000Z",
            estimatedDeliveryAt: "2026-03-06T00:00:00.000Z",
            message: null,
            location: "Ottawa, ON",
          },
        }),
      }),
    ]);
    expect(parseCarrierUpdates([update(), update({ status: "Delivered" })]).updates).toHaveLength(2);
  });

  it("reports each bad item by index and keeps the good ones", () => {
    const result = parseCarrierUpdates([
      update(),
      update({ status: "teleported" }),
      update({ tracking_number: " - " }),
      update({ happened_at: "last tuesday" }),
      "not an object",
      update({ surprise: 1 }),
      update({ status: "Delayed" }),
    ]);
    expect(result.updates.map((u) => u.index)).toEqual([0, 6]);
    expect(result.updates[1]!.event.data.message).toBe("Delayed");
    expect(result.rejected).toEqual([
      { index: 1, error: 'status: "teleported" is not a known shipment status' },
      { index: 2, error: "tracking_number: is empty" },
      { index: 3, error: "happened_at: not an ISO 8601 time" },
      { index: 4, error: "not a JSON object" },
      { index: 5, error: expect.stringContaining("surprise") },
    ]);
  });

  it("refuses an over-long batch as a whole", () => {
    const result = parseCarrierUpdates(Array.from({ length: MAX_CARRIER_UPDATES + 1 }, () => update()));
    expect(result.updates).toEqual([]);
    expect(result.rejected[0]!.error).toMatch(/more than/);
  });

  it("gives one scan one dedupe key, whatever spelling or tracking format it comes in", () => {
    const a = parseCarrierUpdates(update({ status: "InTransit", tracking_number: "1z999 aa1-0123456784" })).updates[0]!;
    const b = parseCarrierUpdates(update({ happened_at: "2026-03-05T16:00:00+01:00", message: "Departed" })).updates[0]!;
    const c = parseCarrierUpdates(update({ status: "delivered" })).updates[0]!;
    expect(a.event.dedupeKey).toBe(b.event.dedupeKey);
    expect(c.event.dedupeKey).not.toBe(a.event.dedupeKey);
  });

  it("never throws on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseCarrierUpdates(value);
        const items = Array.isArray(value) ? value.length : 1;
        expect(result.updates.length + result.rejected.length).toBe(items);
      }),
    );
  });

  it("moves a 3PL-reported parcel in the rollup once matched by tracking number", () => {
    const [scan] = parseCarrierUpdates(update({ status: "OUT_FOR_DELIVERY", tracking_number: "1z999aa10123456784" })).updates;
    const events: OrderEvent[] = [
      {
        source: "3pl",
        kind: "3pl_shipment",
        orderId: "7",
        occurredAt: "2026-03-05T10:00:00.000Z",
        dedupeKey: "3pl:x",
        data: { reference: null, trackingNumber: "1Z999AA10123456784", carrier: "UPS", lines: [{ sku: "A", quantity: 1 }], shippedAt: "2026-03-05T10:00:00.000Z" },
      },
      { ...scan!.event, orderId: "7" } as OrderEvent,
    ];
    expect(rollup(events, new Date("2026-03-06T00:00:00Z")).status.status).toBe("out_for_delivery");
  });
});
