/**
 * Reads whole orders from the Admin API within Shopify's per-query cost limit (queries.ts explains the
 * steps). Orders come in as the ReconciledOrder fragment answered them and leave as GqlOrder, every list
 * read to its end, for order-mapping.ts. Plain lists without cursors (Order.fulfillments, Order.refunds)
 * are read up to what one query affords; an order beyond that is named in `incomplete`. An order any part
 * of which Shopify did not show is not compared at all (`unreadable`): recording it with a gap would
 * store, under the facts' own dedupe keys, a fulfillment without its lines that no later read corrects.
 */
import { AdminApiError, EXCEEDS_BUCKET } from "./admin-graphql.server";
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

export type CompleteOrders = {
  orders: GqlOrder[];
  /** orders compared on what one query affords of a plain list (more fulfillments or refunds than that) */
  incomplete: string[];
  /** orders not compared at all, because part of them could not be read; the next read tries again */
  unreadable: string[];
};

/** A part of an order that Shopify did not answer: the order is not compared rather than compared on a gap. */
class UnreadablePart extends Error {}

/**
 * An error that belongs to one order's query (Shopify priced it above our estimate, or refused a field
 * for it) rather than to the shop's access: that order is skipped, the others are read.
 */
function isOrderSpecific(error: unknown): boolean {
  if (error instanceof UnreadablePart) return true;
  if (!(error instanceof AdminApiError) || error.httpStatus !== undefined) return false;
  return !error.codes.some((code) => code === "ACCESS_DENIED" || code === "THROTTLED" || code === EXCEEDS_BUCKET);
}

/** Reads on a connection of one node from `after` to its end. */
async function restOf<T>(read: AdminRead, query: string, id: string, first: Page<T>, field: string): Promise<T[]> {
  const items = [...first.nodes];
  let pageInfo = first.pageInfo;
  while (pageInfo.hasNextPage) {
    const after = pageInfo.endCursor;
    if (!after) throw new UnreadablePart(`${field} of ${id}: a next page without a cursor`);
    const data = await read<{ node: Record<string, Page<T>> | null }>(query, { id, after });
    const page = data.node?.[field];
    if (!page) throw new UnreadablePart(`${field} of ${id}: not shown`);
    if (page.pageInfo.hasNextPage && page.pageInfo.endCursor === after) throw new UnreadablePart(`${field} of ${id}: the cursor did not move`);
    items.push(...page.nodes);
    pageInfo = page.pageInfo;
  }
  return items;
}

/** Nodes by id, in batches; a batch Shopify refuses is asked again one id at a time, so one bad node costs only its own order. */
async function detailsOf<T extends { id: string }>(read: AdminRead, query: string, ids: readonly string[], perQuery: number): Promise<Map<string, T>> {
  const found = new Map<string, T>();
  const ask = async (batch: readonly string[]) => {
    const data = await read<{ nodes: Array<T | null> }>(query, { ids: batch });
    for (const node of data.nodes) if (node && typeof node.id === "string") found.set(node.id, node);
  };
  for (let i = 0; i < ids.length; i += perQuery) {
    const batch = ids.slice(i, i + perQuery);
    try {
      await ask(batch);
    } catch (error) {
      if (!isOrderSpecific(error)) throw error;
      for (const id of batch.length > 1 ? batch : []) {
        try {
          await ask([id]);
        } catch (single) {
          if (!isOrderSpecific(single)) throw single;
        }
      }
    }
  }
  return found;
}

type FirstStep = Omit<OrderFirstPage, "lineItems" | "fulfillmentOrders"> & { lineItems: GqlLineItem[]; fulfillmentOrders: GqlFulfillmentOrder[] };

async function readOrderLists(read: AdminRead, order: OrderFirstPage, incomplete: string[]): Promise<FirstStep> {
  let { fulfillments, refunds } = order;
  if (fulfillments.length >= FIRST_PAGE.fulfillments || refunds.length >= FIRST_PAGE.refunds) {
    const data = await read<{ node: { fulfillments: FulfillmentSummary[]; refunds: RefundSummary[] } | null }>(ORDER_FULFILLMENTS_AND_REFUNDS_QUERY, {
      id: order.id,
      fulfillments: ALL_FULFILLMENTS_FIRST,
      refunds: ALL_REFUNDS_FIRST,
    });
    if (!data.node) throw new UnreadablePart(`fulfillments and refunds of ${order.id}: not shown`);
    ({ fulfillments, refunds } = data.node);
    if (fulfillments.length >= ALL_FULFILLMENTS_FIRST || refunds.length >= ALL_REFUNDS_FIRST) incomplete.push(order.name);
  }
  return {
    ...order,
    fulfillments,
    refunds,
    lineItems: await restOf(read, ORDER_LINE_ITEMS_QUERY, order.id, order.lineItems, "lineItems"),
    fulfillmentOrders: await restOf(read, ORDER_FULFILLMENT_ORDERS_QUERY, order.id, order.fulfillmentOrders, "fulfillmentOrders"),
  };
}

async function withDetails(
  read: AdminRead,
  order: FirstStep,
  fulfillmentDetails: ReadonlyMap<string, FulfillmentDetails>,
  refundDetails: ReadonlyMap<string, RefundDetails>,
): Promise<GqlOrder> {
  const fulfillments: GqlFulfillment[] = [];
  for (const f of order.fulfillments) {
    const details = fulfillmentDetails.get(f.id);
    if (!details) throw new UnreadablePart(`fulfillment ${f.id}: not shown`);
    fulfillments.push({
      ...f,
      fulfillmentLineItems: { nodes: await restOf(read, FULFILLMENT_LINE_ITEMS_QUERY, f.id, details.fulfillmentLineItems, "fulfillmentLineItems") },
      events: { nodes: await restOf(read, FULFILLMENT_EVENTS_QUERY, f.id, details.events, "events") },
    });
  }
  const refunds: GqlOrder["refunds"] = [];
  for (const r of order.refunds) {
    const details = refundDetails.get(r.id);
    if (!details) throw new UnreadablePart(`refund ${r.id}: not shown`);
    refunds.push({ ...r, refundLineItems: { nodes: await restOf(read, REFUND_LINE_ITEMS_QUERY, r.id, details.refundLineItems, "refundLineItems") } });
  }
  return { ...order, lineItems: { nodes: order.lineItems }, fulfillmentOrders: { nodes: order.fulfillmentOrders }, fulfillments, refunds };
}

export async function completeOrders(read: AdminRead, firstPages: readonly OrderFirstPage[]): Promise<CompleteOrders> {
  const incomplete: string[] = [];
  const unreadable: string[] = [];
  const skip = (order: { name: string }, error: unknown) => {
    if (!isOrderSpecific(error)) throw error;
    unreadable.push(order.name);
  };
  const firstSteps: FirstStep[] = [];
  for (const order of firstPages) {
    try {
      firstSteps.push(await readOrderLists(read, order, incomplete));
    } catch (error) {
      skip(order, error);
    }
  }
  const fulfillmentDetails = await detailsOf<FulfillmentDetails>(
    read,
    FULFILLMENT_DETAILS_QUERY,
    firstSteps.flatMap((o) => o.fulfillments.map((f) => f.id)),
    FULFILLMENTS_PER_DETAILS_QUERY,
  );
  const refundDetails = await detailsOf<RefundDetails>(read, REFUND_DETAILS_QUERY, firstSteps.flatMap((o) => o.refunds.map((r) => r.id)), REFUNDS_PER_DETAILS_QUERY);
  const orders: GqlOrder[] = [];
  for (const order of firstSteps) {
    try {
      orders.push(await withDetails(read, order, fulfillmentDetails, refundDetails));
    } catch (error) {
      skip(order, error);
    }
  }
  return { orders, incomplete, unreadable };
}
