import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  EVENT_KINDS,
  KIND_RANK,
  SHIPMENT_STATUSES,
  SHOPIFY_SHIPMENT_STATUS_MAP,
  hashEmail,
  hashPhone,
  isShipmentStatus,
  mapShopifyShipmentStatus,
  normalizeTrackingNumber,
  toUtcIso,
} from "./events";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("Shopify status mapping (ARCHITECTURE.md)", () => {
  it.each([
    ["label_printed", "label_created", false],
    ["label_purchased", "label_created", false],
    ["confirmed", "confirmed", false],
    ["in_transit", "in_transit", false],
    ["carrier_picked_up", "in_transit", false],
    ["picked_up", "in_transit", false],
    ["out_for_delivery", "out_for_delivery", false],
    ["attempted_delivery", "attempted_delivery", false],
    ["ready_for_pickup", "ready_for_pickup", false],
    ["delivered", "delivered", false],
    ["failure", "exception", false],
    ["delayed", "in_transit", true],
  ])("%s -> %s", (raw, status, delayed) => {
    expect(mapShopifyShipmentStatus(raw)).toEqual({ status, delayed });
    expect(mapShopifyShipmentStatus(raw.toUpperCase())).toEqual({ status, delayed });
  });

  it("every mapped value is in the shipment vocabulary", () => {
    for (const m of Object.values(SHOPIFY_SHIPMENT_STATUS_MAP)) expect(SHIPMENT_STATUSES).toContain(m.status);
  });

  it("on a local pickup, picked_up means collected by the customer", () => {
    expect(mapShopifyShipmentStatus("picked_up", { localPickup: true })).toEqual({ status: "delivered", delayed: false });
    expect(mapShopifyShipmentStatus("in_transit", { localPickup: true })).toEqual({ status: "in_transit", delayed: false });
  });

  it("unknown or empty statuses map to null instead of throwing", () => {
    for (const raw of ["", null, undefined, "teleported", "constructor", "__proto__", "toString"]) {
      expect(mapShopifyShipmentStatus(raw)).toBeNull();
    }
  });

  it("isShipmentStatus guards the vocabulary", () => {
    expect(isShipmentStatus("delivered")).toBe(true);
    expect(isShipmentStatus("delayed")).toBe(false);
    expect(isShipmentStatus(3)).toBe(false);
  });
});

describe("customer lookup hashes", () => {
  it("hash the lower-cased trimmed email", () => {
    expect(hashEmail("  Camille.Tremblay@Example.COM ")).toBe(sha("camille.tremblay@example.com"));
    expect(hashEmail("   ")).toBeNull();
    expect(hashEmail(null)).toBeNull();
  });
  it("hash the digits of the phone only", () => {
    expect(hashPhone("+1 (514) 555-0142")).toBe(sha("15145550142"));
    expect(hashPhone("1.514.555.0142")).toBe(hashPhone("+1 514 555 0142"));
    expect(hashPhone("n/a")).toBeNull();
    expect(hashPhone(undefined)).toBeNull();
  });
});

describe("helpers", () => {
  it("tracking numbers compare without case, spaces or dashes", () => {
    expect(normalizeTrackingNumber(" 1z 999-aa1 ")).toBe("1Z999AA1");
  });
  it("times become canonical UTC", () => {
    expect(toUtcIso("2026-03-02T09:15:11-05:00")).toBe("2026-03-02T14:15:11.000Z");
    expect(toUtcIso("soon")).toBeNull();
    expect(toUtcIso("")).toBeNull();
  });
  it("every event kind has a distinct tie-break rank", () => {
    expect(Object.keys(KIND_RANK).sort()).toEqual([...EVENT_KINDS].sort());
    expect(new Set(Object.values(KIND_RANK)).size).toBe(EVENT_KINDS.length);
  });
});
