/**
 * Hold and fulfillment-order webhooks name a fulfillment order, never its order. Their events wait in
 * PendingFeedItem (match key "fulfillment_order:<id>") until the order is known, then go to the log
 * like any feed item. The link is learned from the Admin API (this job) or from reconciliation, and kept
 * in FulfillmentOrderLink so later deliveries for the same fulfillment order resolve at once.
 * See docs/decisions/020-fulfillment-order-webhooks.md.
 */
import type { Db } from "../db.server";
import { FULFILLMENT_ORDER_MATCH_PREFIX, matchPendingItems, type FeedDeps } from "./feed-delivery.server";
import { adminQuery, type GraphqlCall } from "./shopify-reconciliation/admin-graphql.server";

export type FulfillmentOrderLink = { fulfillmentOrderId: string; orderId: string };

export const FULFILLMENT_ORDER_ORDERS_QUERY = `#graphql
  query FulfillmentOrderOrders($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on FulfillmentOrder {
        id
        order {
          id
        }
      }
    }
  }
`;

/** Ids per call: nodes() takes up to 250, and each node costs a point or two. */
export const LOOKUP_BATCH = 50;

const numericId = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

/** Records links; a fulfillment order never changes order, so a known link is left as it is. */
export async function rememberFulfillmentOrderLinks(
  db: Db,
  shop: string,
  links: readonly FulfillmentOrderLink[],
  learnedVia: "api" | "reconciliation" | "demo",
  at: Date,
): Promise<number> {
  const unique = new Map(links.map((l) => [l.fulfillmentOrderId, l]));
  if (unique.size === 0) return 0;
  const known = new Set(
    (await db.fulfillmentOrderLink.findMany({ where: { shop, fulfillmentOrderId: { in: [...unique.keys()] } }, select: { fulfillmentOrderId: true } })).map(
      (r) => r.fulfillmentOrderId,
    ),
  );
  let added = 0;
  for (const link of unique.values()) {
    if (known.has(link.fulfillmentOrderId)) continue;
    try {
      await db.fulfillmentOrderLink.create({ data: { shop, ...link, learnedVia, learnedAt: at } });
      added += 1;
    } catch (error) {
      // Another process learned it first: the same fact.
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  return added;
}

/** Each waiting fulfillment order with the receipt of its first waiting delivery, oldest first. */
async function firstWaitingSince(db: Db, shop: string): Promise<Map<string, Date>> {
  const rows = await db.pendingFeedItem.findMany({
    where: { shop, matchKey: { startsWith: FULFILLMENT_ORDER_MATCH_PREFIX } },
    orderBy: { id: "asc" },
    select: { matchKey: true, receivedAt: true },
  });
  const since = new Map<string, Date>();
  for (const row of rows) {
    const id = row.matchKey.slice(FULFILLMENT_ORDER_MATCH_PREFIX.length);
    const known = since.get(id);
    if (!known || row.receivedAt < known) since.set(id, row.receivedAt);
  }
  return since;
}

/** Fulfillment orders asked about in one run at most: the rest wait for the next minute. */
export const MAX_LOOKUPS_PER_RUN = 10 * LOOKUP_BATCH;
/** Asked every run while this young; Shopify answers a new fulfillment order at once. */
const EVERY_RUN_FOR_MINUTES = 10;

/**
 * Whether a fulfillment order that has waited since `since` is asked about again in a run at `now`
 * (runs are a minute apart). Young ones every run, then each time the wait doubles: one Shopify does
 * not return (deleted, or hidden by the app's scopes) costs about 16 lookups over the 30 days its
 * deliveries wait, not one a minute, and leaves the shop's API budget to reconciliation.
 */
export function dueForLookup(since: Date, now: Date): boolean {
  const minutes = (now.getTime() - since.getTime()) / 60_000;
  if (minutes < EVERY_RUN_FOR_MINUTES) return true;
  return Math.floor(Math.log2(minutes)) !== Math.floor(Math.log2(minutes - 1));
}

export type WaitingHolds = { deliveries: number; fulfillmentOrders: number; oldestReceivedAt: string | null; canAskShopify: boolean };

/** What the Overview shows of hold deliveries still waiting for their order, and whether they can resolve. */
export async function waitingHolds(db: Db, shop: string): Promise<WaitingHolds> {
  const rows = await db.pendingFeedItem.findMany({
    where: { shop, matchKey: { startsWith: FULFILLMENT_ORDER_MATCH_PREFIX } },
    select: { matchKey: true, receivedAt: true },
    orderBy: { receivedAt: "asc" },
  });
  const canAskShopify = rows.length > 0 && (await db.session.count({ where: { shop, isOnline: false } })) > 0;
  return {
    deliveries: rows.length,
    fulfillmentOrders: new Set(rows.map((r) => r.matchKey)).size,
    oldestReceivedAt: rows[0]?.receivedAt.toISOString() ?? null,
    canAskShopify,
  };
}

export async function shopsWithWaitingFulfillmentOrders(db: Db): Promise<string[]> {
  const rows = await db.pendingFeedItem.findMany({
    where: { matchKey: { startsWith: FULFILLMENT_ORDER_MATCH_PREFIX } },
    distinct: ["shop"],
    select: { shop: true },
  });
  return rows.map((r) => r.shop).sort();
}

/**
 * Asks Shopify which order each waiting fulfillment order belongs to, remembers the answers and
 * records the waiting deliveries. A fulfillment order Shopify does not return (deleted, or not visible
 * to the app's scopes) keeps waiting and expires with the other pending items.
 */
export async function resolveWaitingFulfillmentOrders(
  deps: FeedDeps & { graphql: GraphqlCall; sleep?: (ms: number) => Promise<void> },
  shop: string,
  now: Date,
): Promise<{ asked: number; learned: number; matched: number; waiting: number }> {
  const since = await firstWaitingSince(deps.db, shop);
  const waiting = [...since.keys()];
  const known = new Set(
    (await deps.db.fulfillmentOrderLink.findMany({ where: { shop, fulfillmentOrderId: { in: waiting } }, select: { fulfillmentOrderId: true } })).map(
      (r) => r.fulfillmentOrderId,
    ),
  );
  // Newest first: a hold that just arrived is the one a customer may be looking at.
  const unknown = waiting
    .filter((id) => !known.has(id) && dueForLookup(since.get(id)!, now))
    .reverse()
    .slice(0, MAX_LOOKUPS_PER_RUN);
  let learned = 0;
  for (let i = 0; i < unknown.length; i += LOOKUP_BATCH) {
    const ids = unknown.slice(i, i + LOOKUP_BATCH).map((id) => `gid://shopify/FulfillmentOrder/${id}`);
    const data = await adminQuery<{ nodes: Array<{ id?: string; order?: { id: string } | null } | null> }>(
      deps.graphql,
      FULFILLMENT_ORDER_ORDERS_QUERY,
      { ids },
      { sleep: deps.sleep },
    );
    const links = data.nodes.flatMap((node) => (node?.id && node.order?.id ? [{ fulfillmentOrderId: numericId(node.id), orderId: numericId(node.order.id) }] : []));
    learned += await rememberFulfillmentOrderLinks(deps.db, shop, links, "api", now);
  }
  const { matched, waiting: left } = await matchPendingItems(deps, shop, now);
  return { asked: unknown.length, learned, matched, waiting: left };
}
