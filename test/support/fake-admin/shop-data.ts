// The shop's data as the schema's objects: each view carries `__typename` (for Node and other
// abstract types) and exposes a field either as a value or as a function of the field's arguments.
// Connection fields hand back arrays (or Listings with a sort key); the executor pages them.
import { GraphQLError } from "graphql";
import type { GqlFulfillment, GqlOrder } from "../../../app/sources/shopify-reconciliation/order-mapping";
import type { FakeBulkOperations } from "../fake-bulk-operations";
import { Listing, MAX_PAGE_SIZE } from "./connections";
import { legacyNumber, searchOrders, wholeSeconds, type OrderIndex } from "./order-search";

export type FulfillmentHoldState = { id: string; reason: string; reasonNotes?: string | null; handle?: string | null; displayReason?: string };

/** A fulfillment order's own state (its order is in FakeAdminApi.fulfillmentOrders). */
export type FulfillmentOrderState = {
  /** FulfillmentOrderStatus */
  status: string;
  updatedAt: string;
  fulfillmentHolds: FulfillmentHoldState[];
  /** gids of the fulfillments made from it */
  fulfillments: string[];
};

export type ShopData = {
  orders(): readonly GqlOrder[];
  fulfillmentOrders(): ReadonlyMap<string, string>;
  fulfillmentOrderState(id: string): FulfillmentOrderState;
  index: OrderIndex;
  searchCap(): number;
  bulk: FakeBulkOperations;
};

type View = Record<string, unknown> & { __typename: string };
type Args = Record<string, unknown>;

const SHOP_ID = "gid://shopify/Shop/548380009";
const legacyId = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

export function shopViews(data: ShopData) {
  const fulfillmentOrderIdsOf = (orderId: string) => [...data.fulfillmentOrders()].filter(([, owner]) => owner === orderId).map(([id]) => id);

  const order = (o: GqlOrder): View => ({
    ...o,
    __typename: "Order",
    lineItems: () => o.lineItems.nodes.map(lineItem),
    fulfillments: (args: Args) => {
      if (args.query) throw new GraphQLError("the fake Admin API does not model Order.fulfillments(query:)");
      return o.fulfillments.map((f) => fulfillment(f, o));
    },
    refunds: () => o.refunds.map((r) => ({ ...r, __typename: "Refund", order: () => order(o) })),
    fulfillmentOrders: (args: Args) => {
      if (args.query) throw new GraphQLError("the fake Admin API does not model Order.fulfillmentOrders(query:)");
      return fulfillmentOrderIdsOf(o.id).map(fulfillmentOrder);
    },
  });

  const lineItem = (l: GqlOrder["lineItems"]["nodes"][number]): View => ({ ...l, __typename: "LineItem" });

  const fulfillment = (f: GqlFulfillment, o: GqlOrder): View => ({
    ...f,
    __typename: "Fulfillment",
    order: () => order(o),
    // Shopify's FulfillmentLineItem has an id of its own, which REST payloads do not carry.
    fulfillmentLineItems: () =>
      f.fulfillmentLineItems.nodes.map((n, i) => ({ ...n, __typename: "FulfillmentLineItem", id: `gid://shopify/FulfillmentLineItem/${legacyId(f.id)}${String(i + 1).padStart(3, "0")}` })),
    events: (args: Args) => {
      const events = f.events.nodes.map((e) => ({ ...e, __typename: "FulfillmentEvent" }));
      return args.sortKey === "ID"
        ? new Listing(events, (e) => [legacyNumber(e.id)])
        : new Listing(events, (e) => [wholeSeconds(e.happenedAt), legacyNumber(e.id)]);
    },
    fulfillmentOrders: () => [...data.fulfillmentOrders().keys()].filter((id) => data.fulfillmentOrderState(id).fulfillments.includes(f.id)).map(fulfillmentOrder),
  });

  const fulfillmentOrder = (id: string): View => {
    const state = data.fulfillmentOrderState(id);
    const orderId = data.fulfillmentOrders().get(id);
    const owner = data.orders().find((o) => o.id === orderId);
    return {
      __typename: "FulfillmentOrder",
      id,
      status: state.status,
      updatedAt: state.updatedAt,
      fulfillmentHolds: state.fulfillmentHolds.map((h) => ({
        __typename: "FulfillmentHold",
        handle: null,
        reasonNotes: null,
        heldByRequestingApp: false,
        heldByApp: null,
        displayReason: h.reason,
        ...h,
      })),
      // An order the test did not give is known by its id alone.
      order: () => (owner ? order(owner) : orderId ? { __typename: "Order", id: orderId } : null),
      fulfillments: () => state.fulfillments.map(findFulfillment).filter((f): f is View => f !== null),
    };
  };

  const findFulfillment = (id: string): View | null => {
    for (const o of data.orders()) {
      const f = o.fulfillments.find((x) => x.id === id);
      if (f) return fulfillment(f, o);
    }
    return null;
  };

  /** node(id:) for the types the fake holds; null for any other id, as Shopify answers unknown ids. */
  const node = (id: string): View | null => {
    const type = /^gid:\/\/shopify\/(\w+)\//.exec(id)?.[1];
    const orders = data.orders();
    switch (type) {
      case "Order": {
        const o = orders.find((x) => x.id === id);
        return o ? order(o) : null;
      }
      case "Fulfillment":
        return findFulfillment(id);
      case "Refund": {
        for (const o of orders) {
          const r = o.refunds.find((x) => x.id === id);
          if (r) return { ...r, __typename: "Refund", order: () => order(o) };
        }
        return null;
      }
      case "LineItem": {
        for (const o of orders) {
          const l = o.lineItems.nodes.find((x) => x.id === id);
          if (l) return lineItem(l);
        }
        return null;
      }
      case "FulfillmentOrder":
        return data.fulfillmentOrders().has(id) ? fulfillmentOrder(id) : null;
      default:
        return null;
    }
  };

  const queryRoot = {
    shop: () => ({ __typename: "Shop", id: SHOP_ID, name: "Order Truth test shop" }),
    orders: (args: Args) => {
      const query = typeof args.query === "string" && args.query.trim() !== "" ? args.query : null;
      const found = searchOrders(data.orders(), data.index, query, String(args.sortKey));
      return new Listing(
        found.map((f) => order(f.order)),
        (_, position) => found[position]!.key,
        data.searchCap(),
      );
    },
    order: (args: Args) => node(String(args.id)),
    node: (args: Args) => node(String(args.id)),
    // https://shopify.dev/docs/api/usage/limits, "Input limits": an input array holds at most 250 items.
    nodes: (args: Args) => {
      const ids = args.ids as string[];
      if (ids.length > MAX_PAGE_SIZE) throw new GraphQLError(`nodes: ids holds ${ids.length} items; input arrays hold at most ${MAX_PAGE_SIZE}`);
      return ids.map(node);
    },
    fulfillment: (args: Args) => findFulfillment(String(args.id)),
    fulfillmentOrder: (args: Args) => (data.fulfillmentOrders().has(String(args.id)) ? fulfillmentOrder(String(args.id)) : null),
    bulkOperation: (args: Args) => data.bulk.read(String(args.id)),
    currentBulkOperation: () => data.bulk.current(),
  };
  const mutationRoot = {
    bulkOperationRunQuery: (args: Args) => data.bulk.runQuery(String(args.query)),
  };
  return { queryRoot, mutationRoot };
}
