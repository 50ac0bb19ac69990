import { describe, expect, it } from "vitest";
import { deliverOnce } from "../domain/fixtures/load";
import { rollup } from "../domain/rollup";
import { normalizeOrderName, parseLookupClaims, storefrontView } from "./lookup-query";

const q = (body: unknown) => parseLookupClaims(body);

describe("normalizeOrderName", () => {
  it.each([
    ["1001", "#1001"],
    ["#1001", "#1001"],
    [" # 1001 ", "#1001"],
    ["EU-1001", "EU-1001"],
    ["#1001-B", "#1001-B"],
  ])("%j -> %j", (input, expected) => expect(normalizeOrderName(input)).toBe(expected));

  it.each(["", "   ", "#".repeat(41), "#10\u000001"])("refuses %j", (input) => expect(normalizeOrderName(input)).toBeNull());
});

describe("parseLookupClaims", () => {
  it("asks for one order by number and email, or number and phone", () => {
    expect(q({ order: "1001", email: "a@b.co" })).toEqual({ kind: "order", name: "#1001", contact: { email: "a@b.co" } });
    expect(q({ order: "#1001", phone: "+1 (514) 555-0142" })).toEqual({ kind: "order", name: "#1001", contact: { phone: "+1 (514) 555-0142" } });
  });

  it("prefers the email when both are given", () => {
    expect(q({ order: "1001", email: "a@b.co", phone: "5145550142" })).toMatchObject({ contact: { email: "a@b.co" } });
  });

  it.each([
    [{ order: "1001" }],
    [{ email: "a@b.co" }],
    [{ phone: "5145550142" }],
    [{ order: "1001", email: "not-an-email" }],
    [{ order: "1001", email: "a@b@c" }],
    [{ order: "1001", email: `${"a".repeat(250)}@b.co` }],
    [{ order: "1001", phone: "12345" }],
    [{ order: "1001", phone: "call me" }],
    [{ order: "   ", email: "a@b.co" }],
    [{ order: 1001, email: "a@b.co" }],
    [{ order: "1001", email: ["a@b.co"] }],
    [[{ order: "1001", email: "a@b.co" }]],
    [null],
    ["order=1001&email=a%40b.co"],
    [undefined],
  ])("refuses %j", (body) => expect(q(body)).toEqual({ kind: "invalid" }));
});

describe("storefrontView", () => {
  const events = [
    ...deliverOnce("orders/create", "single-parcel.create"),
    ...deliverOnce("fulfillments/create", "single-parcel.fulfillment.create"),
    ...deliverOnce("fulfillment_events/create", "single-parcel.event-in-transit"),
  ];
  const doc = rollup(events, new Date("2026-11-20T00:00:00Z")).status;

  it("keeps exactly the contract's storefront fields", () => {
    const view = storefrontView({ ...doc, sources: [{ source: "shopify" }], customerEmail: "x@y.z" } as never);
    expect(Object.keys(view).sort()).toEqual(
      ["schemaVersion", "orderId", "name", "status", "attention", "items", "shipments", "statusPageUrl", "estimatedDeliveryAt", "deliveredAt", "cancelledAt", "updatedAt"].sort(),
    );
    expect(view).toEqual(doc);
  });

  it("carries no contact, address or payment data from the order", () => {
    const text = JSON.stringify(storefrontView(doc)).toLowerCase();
    for (const secret of ["camille", "tremblay", "555-0142", "5550142", "saint-paul", "h2y", "gateway", "credit", "@example.com"]) {
      expect(text).not.toContain(secret);
    }
  });
});
