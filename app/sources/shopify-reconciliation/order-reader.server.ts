/**
 * Reads whole orders from the Admin API within Shopify's per-query cost limit (queries.ts explains the
 * steps). Orders come in as the ReconciledOrder fragment answered them and leave as GqlOrder, every list
 * read to its end, for order-mapping.ts. Plain lists without cursors (Order.fulfillments, Order.refunds)
 * are read up to what one query affords; an order beyond that is named in `incomplete`.
 */
import type { GqlFulfillment, GqlFulfillmentOrder, GqlLineItem, GqlOrder } from "./order-mapping";
import {
  ALL_FULFILLMENTS_FIRST,
  ALL_REFUNDS_FIRST,
  FIRST_PAGE,
  FULFILLMENT_DETAILS_QUERY,
  FULFILLMENT_EVENTS_QUERY,
  FULFILLMENT_LINE_ITEMS_QUERY,
  FULFILLMENTS_PER_DETAILS_QUERY,
  ORDER_FULFILLMENT_ORDERS_QUERY,
  ORDER_FULFILLMENTS_AND_REFUNDS_QUERY,
  ORDER_LINE_ITEMS_QUERY,
  REFUND_DETAILS_QUERY,
  REFUND_LINE_ITEMS_QUERY,
  REFUNDS_PER_DETAILS_QUERY,
} from "./queries";

/** One Admin GraphQL query, throttling and retries handled (adminQuery bound to a shop). */
export type AdminRead = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

type PageInfo = { hasNextPage: boolean; endCursor: string | null };
type Page<T> = { nodes: T[]; pageInfo: PageInfo };

type FulfillmentSummary = Omit<GqlFulfillment, "fulfillmentLineItems" | "events">;
type RefundSummary = { id: string; createdAt: string | null };

/** An order as ReconciledOrder answers it: first pages only. */
export type OrderFirstPage = Omit<GqlOrder, "lineItems" | "fulfillments" | "refunds" | "fulfillmentOrders"> & {
  lineItems: Page<GqlLineItem>;
  fulfillments: FulfillmentSummary[];
  fulfillmentOrders: Page<GqlFulfillmentOrder>;
  refunds: RefundSummary[];
};

type FulfillmentDetails = { id: string; fulfillmentLineItems: Page<GqlFulfillment["fulfillmentLineItems"]["nodes"][number]>; events: Page<GqlFulfillment["events"]["nodes"][number]> };
type RefundLine = GqlOrder["refunds"][number]["refundLineItems"]["nodes"][number];
type RefundDetails = { id: string; refundLineItems: Page<RefundLine> };

export type CompleteOrders = { orders: GqlOrder[]; incomplete: string[] };

/** Reads on a connection of one node from `after` to its end. */
async function restOf<T>(read: AdminRead, query: string, id: string, first: Page<T>, field: string): Promise<T[]> {
  const items = [...first.nodes];
  let pageInfo = first.pageInfo;
  while (pageInfo.hasNextPage) {
    const data = await read<{ node: Record<string, Page<T>> | null }>(query, { id, after: pageInfo.endCursor });
    const page = data.node?.[field];
    if (!page) break;
    items.push(...page.nodes);
    pageInfo = page.pageInfo;
  }
  return items;
}

async function detailsOf<T extends { id: string }>(read: AdminRead, query: string, ids: readonly string[], perQuery: number): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  for (let i = 0; i < ids.length; i += perQuery) {
    const data = await read<{ nodes: Array<T | null> }>(query, { ids: ids.slice(i, i + perQuery) });
    for (const node of data.nodes) if (node && typeof node.id === "string") found.set(node.id, node);
  }
  return found;
}

export async function completeOrders(read: AdminRead, firstPages: readonly OrderFirstPage[]): Promise<CompleteOrders> {
  const incomplete: string[] = [];
  const orders = [];
  for (const order of firstPages) {
    let { fulfillments, refunds } = order;
    if (fulfillments.length >= FIRST_PAGE.fulfillments || refunds.length >= FIRST_PAGE.refunds) {
      const data = await read<{ node: { fulfillments: FulfillmentSummary[]; refunds: RefundSummary[] } | null }>(ORDER_FULFILLMENTS_AND_REFUNDS_QUERY, {
        id: order.id,
        fulfillments: ALL_FULFILLMENTS_FIRST,
        refunds: ALL_REFUNDS_FIRST,
      });
      if (data.node) ({ fulfillments, refunds } = data.node);
      if (fulfillments.length >= ALL_FULFILLMENTS_FIRST || refunds.length >= ALL_REFUNDS_FIRST) incomplete.push(order.name);
    }
    orders.push({
      ...order,
      fulfillments,
      refunds,
      lineItems: await restOf(read, ORDER_LINE_ITEMS_QUERY, order.id, order.lineItems, "lineItems"),
      fulfillmentOrders: await restOf(read, ORDER_FULFILLMENT_ORDERS_QUERY, order.id, order.fulfillmentOrders, "fulfillmentOrders"),
    });
  }

  const fulfillmentDetails = await detailsOf<FulfillmentDetails>(
    read,
    FULFILLMENT_DETAILS_QUERY,
    orders.flatMap((o) => o.fulfillments.map((f) => f.id)),
    FULFILLMENTS_PER_DETAILS_QUERY,
  );
  const refundDetails = await detailsOf<RefundDetails>(read, REFUND_DETAILS_QUERY, orders.flatMap((o) => o.refunds.map((r) => r.id)), REFUNDS_PER_DETAILS_QUERY);
  const none = { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };

  const complete: GqlOrder[] = [];
  for (const order of orders) {
    const fulfillments: GqlFulfillment[] = [];
    for (const f of order.fulfillments) {
      const details = fulfillmentDetails.get(f.id);
      fulfillments.push({
        ...f,
        fulfillmentLineItems: { nodes: await restOf(read, FULFILLMENT_LINE_ITEMS_QUERY, f.id, details?.fulfillmentLineItems ?? none, "fulfillmentLineItems") },
        events: { nodes: await restOf(read, FULFILLMENT_EVENTS_QUERY, f.id, details?.events ?? none, "events") },
      });
    }
    const refunds: GqlOrder["refunds"] = [];
    for (const r of order.refunds) {
      const details = refundDetails.get(r.id);
      refunds.push({ ...r, refundLineItems: { nodes: await restOf(read, REFUND_LINE_ITEMS_QUERY, r.id, details?.refundLineItems ?? none, "refundLineItems") } });
    }
    complete.push({ ...order, lineItems: { nodes: order.lineItems }, fulfillmentOrders: { nodes: order.fulfillmentOrders }, fulfillments, refunds });
  }
  return { orders: complete, incomplete };
}
