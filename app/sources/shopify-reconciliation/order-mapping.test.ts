import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { GraphQLEnumType, GraphQLObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import { graphqlOrderFromRest } from "../../../test/support/fake-admin-api";
import { loadIntrospectionSchema } from "../../../test/support/graphql-documents";
import type { OrderEvent } from "../../domain/events";
import { deliverOnce, fixture } from "../../domain/fixtures/load";
import { rollup } from "../../domain/rollup";
import { normalizeShopifyWebhook } from "../../domain/shopify-webhooks";
import { NOTHING_KNOWN, knownFactsOf, legacyId, reconcileOrder } from "./order-mapping";

const NOW = new Date("2026-03-07T00:00:00.000Z");

// The two-box order #1001 as webhooks tell it, and the same facts as the Admin API shows them.
const WEBHOOKS: Array<[string, string]> = [
  ["orders/create", "two-box-order.create"],
  ["fulfillments/create", "two-box-order.fulfillment-a.create"],
  ["fulfillment_events/create", "two-box-order.fulfillment-a.event-in-transit"],
  ["fulfillments/create", "two-box-order.fulfillment-b.create"],
  ["fulfillment_events/create", "two-box-order.fulfillment-a.event-delivered"],
  ["fulfillment_events/create", "two-box-order.fulfillment-b.event-out-for-delivery"],
  ["refunds/create", "two-box-order.refund-unshipped"],
];
const webhookEvents = (indexes: readonly number[]) => indexes.flatMap((i) => deliverOnce(...WEBHOOKS[i]!));
const ALL = WEBHOOKS.map((_, i) => i);

const adminView = () =>
  graphqlOrderFromRest(
    fixture("two-box-order.create"),
    [fixture("two-box-order.fulfillment-a.create"), fixture("two-box-order.fulfillment-b.create")],
    [fixture("two-box-order.fulfillment-a.event-in-transit"), fixture("two-box-order.fulfillment-a.event-delivered"), fixture("two-box-order.fulfillment-b.event-out-for-delivery")],
    [fixture("two-box-order.refund-unshipped")],
  );

const known = (events: readonly OrderEvent[]) => knownFactsOf(events.map((e) => ({ kind: e.kind, data: e.data, occurredAt: e.occurredAt })));
const statusOf = (events: readonly OrderEvent[]) => rollup(events, NOW).status;

describe("reconciliation events", () => {
  it("alone roll up to what the webhooks roll up to: the rollup treats them as Shopify's facts", () => {
    const { events, orderId } = reconcileOrder(adminView(), NOTHING_KNOWN);
    expect(orderId).toBe("5801234567001");
    expect(events.every((e) => e.source === "reconciliation")).toBe(true);
    expect(statusOf(events)).toEqual(statusOf(webhookEvents(ALL)));
    expect(statusOf(events).status).toBe("partially_delivered");
  });

  it("add nothing when every webhook arrived", () => {
    expect(reconcileOrder(adminView(), known(webhookEvents(ALL)))).toMatchObject({ events: [], missed: [] });
  });

  it("repair exactly a missed tracking event", () => {
    const received = webhookEvents(ALL.filter((i) => i !== 4));
    const { events, missed } = reconcileOrder(adminView(), known(received));
    expect(missed).toEqual(["tracking event delivered"]);
    expect(events).toEqual([expect.objectContaining({ kind: "fulfillment_event", source: "reconciliation", dedupeKey: "reconciliation:fulfillment_event:88002" })]);
    expect(statusOf([...received, ...events])).toEqual(statusOf(webhookEvents(ALL)));
  });

  it("repair a missed fulfillment without an order snapshot when the order itself is up to date", () => {
    const received = webhookEvents([0, 1, 2, 4, 6]);
    const { events, missed } = reconcileOrder(adminView(), known(received));
    expect(missed).toEqual(["fulfillment #1001.2", "tracking event out_for_delivery"]);
    expect(events.map((e) => e.kind)).toEqual(["fulfillment_snapshot", "fulfillment_event"]);
  });

  it("repair any set of missed webhooks to the same status, and a second reading adds nothing", () => {
    fc.assert(
      fc.property(fc.subarray(ALL), (receivedIndexes) => {
        const received = webhookEvents(receivedIndexes);
        const repaired = reconcileOrder(adminView(), known(received)).events;
        const everything = [...received, ...repaired];
        expect(statusOf(everything)).toEqual(statusOf(webhookEvents(ALL)));
        const again = reconcileOrder(adminView(), known(everything));
        expect(again.events).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("give the same facts the same dedupe keys on every reading", () => {
    const keys = () => reconcileOrder(adminView(), NOTHING_KNOWN).events.map((e) => e.dedupeKey);
    expect(keys()).toEqual(keys());
    expect(new Set(keys()).size).toBe(keys().length);
  });

  it("record a newer order state (a cancellation) as a fresh snapshot", () => {
    const received = webhookEvents(ALL);
    const cancelled = { ...adminView(), updatedAt: "2026-03-06T10:00:00-05:00", cancelledAt: "2026-03-06T10:00:00-05:00" };
    const { events, missed } = reconcileOrder(cancelled, known(received));
    expect(missed).toEqual(["order update of 2026-03-06T15:00:00.000Z"]);
    expect(statusOf([...received, ...events]).status).toBe("cancelled");
  });

  it("hash contact data like the webhook normaliser, never keep it in clear", () => {
    const [snapshot] = reconcileOrder(adminView(), NOTHING_KNOWN).events;
    const [webhookSnapshot] = webhookEvents([0]);
    expect(snapshot!.kind).toBe("order_snapshot");
    expect((snapshot!.data as { customer: unknown }).customer).toEqual((webhookSnapshot!.data as { customer: unknown }).customer);
    expect(JSON.stringify(snapshot)).not.toMatch(/example\.com/i);
  });

  it("reads legacy ids out of gids", () => {
    expect(legacyId("gid://shopify/Order/5801234567001")).toBe("5801234567001");
    expect(legacyId("gid://shopify/LineItem/14001?from=x")).toBe("14001");
  });
});

describe("fulfillment status", () => {
  // GraphQL's FulfillmentStatus value -> the REST status webhooks carry (Shopify's REST reference).
  const REST_STATUS_OF: ReadonlyArray<[string, string]> = [
    ["PENDING", "pending"],
    ["OPEN", "open"],
    ["SUCCESS", "success"],
    ["CANCELLED", "cancelled"],
    ["ERROR", "error"],
    ["FAILURE", "failure"],
  ];

  it("Fulfillment.status is FulfillmentStatus!, with exactly these values in the committed Admin schema", () => {
    const schema = loadIntrospectionSchema(fileURLToPath(new URL("../../../graphql/admin-2026-07.schema.json.gz", import.meta.url)));
    const fulfillment = schema.getType("Fulfillment") as GraphQLObjectType;
    expect(String(fulfillment.getFields().status!.type)).toBe("FulfillmentStatus!");
    const values = (schema.getType("FulfillmentStatus") as GraphQLEnumType).getValues().map((v) => v.name);
    expect([...values].sort()).toEqual(REST_STATUS_OF.map(([graphql]) => graphql).sort());
  });

  it.each(REST_STATUS_OF)("%s reads as the webhook's %s and rolls up the same; only SUCCESS ships", (graphqlStatus, restStatus) => {
    const order = graphqlOrderFromRest(fixture("two-box-order.create"), [fixture("two-box-order.fulfillment-a.create")]);
    const asAdminApiShowsIt = { ...order, fulfillments: order.fulfillments.map((f) => ({ ...f, status: graphqlStatus })) };
    const reconciled = reconcileOrder(asAdminApiShowsIt, NOTHING_KNOWN).events;
    const snapshot = reconciled.find((e) => e.kind === "order_snapshot");
    if (snapshot?.kind !== "order_snapshot") throw new Error("no order snapshot");
    expect(snapshot.data.fulfillments.map((f) => f.status)).toEqual([restStatus]);

    const webhook = normalizeShopifyWebhook("fulfillments/create", { ...fixture("two-box-order.fulfillment-a.create"), status: restStatus }, { webhookId: `wh-${restStatus}`, triggeredAt: null }).events;
    const fromWebhooks = statusOf([...deliverOnce("orders/create", "two-box-order.create"), ...webhook]);
    const fromAdminApi = statusOf(reconciled);
    expect({ status: fromAdminApi.status, items: fromAdminApi.items, shipments: fromAdminApi.shipments }).toEqual({
      status: fromWebhooks.status,
      items: fromWebhooks.items,
      shipments: fromWebhooks.shipments,
    });
    expect(fromAdminApi.items.shipped).toBe(graphqlStatus === "SUCCESS" ? 1 : 0);
  });
});

describe("fulfillment holds", () => {
  const orderId = "5801234567001";
  const placed = deliverOnce("orders/create", "two-box-order.create");
  const heldByWebhook = (holdId: string | null, at: string, kind: "fulfillment_hold_added" | "fulfillment_hold_released" = "fulfillment_hold_added"): OrderEvent => ({
    source: "shopify",
    kind,
    orderId,
    occurredAt: at,
    dedupeKey: `wh-${kind}-${holdId}-${at}`,
    data: { fulfillmentOrderId: "7001", holdId, reason: kind === "fulfillment_hold_added" ? "incorrect_address" : null },
  });
  const shownWith = (status: string, updatedAt: string, holds: Array<{ id: string; reason: string }>) => ({
    ...graphqlOrderFromRest(fixture("two-box-order.create")),
    fulfillmentOrders: { nodes: [{ id: "gid://shopify/FulfillmentOrder/7001", status, updatedAt, fulfillmentHolds: holds }] },
  });
  const healed = (log: OrderEvent[], shown: ReturnType<typeof shownWith>) => {
    const added = reconcileOrder(shown, known(log)).events.filter((e) => e.kind.startsWith("fulfillment_hold"));
    return { added, log: [...log, ...added] };
  };

  it("a missed release heals: Shopify shows the fulfillment order open, the log still holds it", () => {
    const log = [...placed, heldByWebhook("91", "2026-03-02T10:00:00Z")];
    expect(statusOf(log).status).toBe("on_hold");
    const { added, log: after } = healed(log, shownWith("OPEN", "2026-03-02T12:00:00Z", []));
    expect(added).toMatchObject([{ kind: "fulfillment_hold_released", occurredAt: "2026-03-02T12:00:00.000Z", data: { fulfillmentOrderId: "7001", holdId: null } }]);
    expect(statusOf(after).status).toBe("unfulfilled");
    expect(healed(after, shownWith("OPEN", "2026-03-02T12:00:00Z", [])).added).toEqual([]);
  });

  it("a missed hold heals, with Shopify's reason, and only once", () => {
    const { added, log } = healed(placed, shownWith("ON_HOLD", "2026-03-02T12:00:00Z", [{ id: "gid://shopify/FulfillmentHold/92", reason: "AWAITING_PAYMENT" }]));
    expect(added).toMatchObject([{ kind: "fulfillment_hold_added", data: { fulfillmentOrderId: "7001", holdId: "92", reason: "awaiting_payment" } }]);
    expect(statusOf(log).status).toBe("on_hold");
    expect(healed(log, shownWith("ON_HOLD", "2026-03-02T12:00:00Z", [{ id: "gid://shopify/FulfillmentHold/92", reason: "AWAITING_PAYMENT" }])).added).toEqual([]);
  });

  it("of stacked holds, only the one Shopify no longer shows is released", () => {
    const log = [...placed, heldByWebhook("91", "2026-03-02T10:00:00Z"), heldByWebhook("92", "2026-03-02T10:05:00Z")];
    const { added, log: after } = healed(log, shownWith("ON_HOLD", "2026-03-02T11:00:00Z", [{ id: "gid://shopify/FulfillmentHold/92", reason: "INCORRECT_ADDRESS" }]));
    expect(added).toMatchObject([{ kind: "fulfillment_hold_released", data: { holdId: "91" } }]);
    expect(statusOf(after).status).toBe("on_hold");
  });

  it("a release is dated after the log's latest hold event, so the rollup ends where Shopify is", () => {
    // The webhook's time can be later than the fulfillment order's updatedAt.
    const log = [...placed, heldByWebhook("91", "2026-03-02T12:00:05Z")];
    const { added, log: after } = healed(log, shownWith("OPEN", "2026-03-02T12:00:00Z", []));
    expect(added[0]!.occurredAt).toBe("2026-03-02T12:00:05.001Z");
    expect(statusOf(after).status).toBe("unfulfilled");
  });

  it("what the log already agrees with adds nothing", () => {
    const log = [...placed, heldByWebhook("91", "2026-03-02T10:00:00Z"), heldByWebhook(null, "2026-03-02T11:00:00Z", "fulfillment_hold_released")];
    expect(healed(log, shownWith("OPEN", "2026-03-02T11:00:00Z", [])).added).toEqual([]);
    expect(healed(placed, shownWith("CLOSED", "2026-03-02T11:00:00Z", [])).added).toEqual([]);
  });
});
