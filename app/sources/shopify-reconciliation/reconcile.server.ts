/**
 * Reconciliation with Shopify: read orders from the Admin API and record what the event log lacks
 * (order-mapping.ts decides what that is). Three entry points share one write path:
 *  - reconcileUpdatedOrders: the scheduled job, orders updated since the persisted watermark;
 *  - backfillRecentOrders (backfill.server.ts): once per install, the last N days through a bulk operation;
 *  - recheckOrders: on demand, for given orders (the dashboard's "recheck with Shopify").
 */
import type { Db } from "../../db.server";
import { stripPersonalDataOfAdminOrder } from "../../domain/personal-data";
import type { EventSubmission } from "../../store/order-store.server";
import type { RecordEvents } from "../feed-delivery.server";
import { rememberFulfillmentOrderLinks } from "../fulfillment-orders.server";
import { AdminApiError, adminQuery, type GraphqlCall } from "./admin-graphql.server";
import { knownFactsOf, legacyId, reconcileOrder, type GqlOrder } from "./order-mapping";
import { ORDERS_BY_ID_QUERY, UPDATED_ORDERS_QUERY } from "./queries";

export type ReconcileDeps = {
  db: Db;
  record: RecordEvents;
  graphql: GraphqlCall;
  sleep?: (ms: number) => Promise<void>;
  /** downloads the bulk operation's result file (default: global fetch) */
  download?: (url: string) => Promise<Response>;
};

export type ReconcileReport = { checked: number; repaired: number; events: number; missed: string[] };

export const emptyReport = (): ReconcileReport => ({ checked: 0, repaired: 0, events: 0, missed: [] });
const KNOWN_KINDS = ["order_snapshot", "fulfillment_snapshot", "fulfillment_event", "refund"];
/** Missed facts listed in a report; the counts stay exact beyond it. */
const MAX_LISTED = 50;

/** Compares orders as Shopify shows them with the shop's log and records the difference. */
async function applyOrders(deps: ReconcileDeps, shop: string, orders: readonly GqlOrder[], receivedAt: Date, report: ReconcileReport): Promise<void> {
  if (orders.length === 0) return;
  const ids = orders.map((o) => legacyId(o.id));
  const stored = await deps.db.event.findMany({ where: { shop, orderId: { in: ids }, kind: { in: KNOWN_KINDS } }, select: { orderId: true, kind: true, data: true } });
  const byOrder = new Map<string, Array<{ kind: string; data: unknown }>>();
  for (const row of stored) byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), { kind: row.kind, data: JSON.parse(row.data) }]);
  const submissions: EventSubmission[] = [];
  for (const order of orders) {
    const reconciled = reconcileOrder(order, knownFactsOf(byOrder.get(legacyId(order.id)) ?? []));
    report.checked += 1;
    if (reconciled.events.length === 0) continue;
    report.repaired += 1;
    for (const what of reconciled.missed) if (report.missed.length < MAX_LISTED) report.missed.push(`${order.name}: ${what}`);
    const raw = JSON.stringify({ source: "admin-graphql", displayFulfillmentStatus: order.displayFulfillmentStatus, order: stripPersonalDataOfAdminOrder(order) });
    submissions.push({ shop, events: reconciled.events.map((e) => ({ ...e, raw })), receivedAt });
  }
  // Hold webhooks name only a fulfillment order: what is read here resolves them (fulfillment-orders.server.ts).
  const links = orders.flatMap((order) =>
    ((order as GqlOrderWithFulfillmentOrders).fulfillmentOrders?.nodes ?? []).map((fo) => ({ fulfillmentOrderId: legacyId(fo.id), orderId: legacyId(order.id) })),
  );
  await rememberFulfillmentOrderLinks(deps.db, shop, links, "reconciliation", receivedAt);
  if (submissions.length === 0) return;
  const outcomes = await deps.record(submissions);
  report.events += outcomes.reduce((sum, o) => sum + o.stored, 0);
}

type GqlOrderWithFulfillmentOrders = GqlOrder & { fulfillmentOrders?: { nodes: Array<{ id: string }> } };

type OrdersPage = { orders: { nodes: GqlOrder[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

export type WatermarkState = {
  /** updatedAt up to which every order has been compared */
  watermark?: string;
  /** the run in progress: its lower bound, the next page's cursor, the latest updatedAt seen so far */
  since?: string;
  cursor?: string | null;
  highest?: string;
};

export const RECONCILIATION_PAGE_SIZE = 10;
/** An order saved in the same second as the watermark is read again rather than missed. */
const OVERLAP_MS = 60_000;
/** Without a watermark (first run), look this far back; the install backfill covers the rest. */
const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;

/**
 * Orders updated since the watermark, page by page (cursors). The position is saved after every page,
 * so a restart mid-run resumes at the next page; the watermark moves only when the run completes.
 */
export async function reconcileUpdatedOrders(
  deps: ReconcileDeps,
  context: { shop: string; now: Date; state: WatermarkState; saveState(state: WatermarkState): Promise<void> },
): Promise<ReconcileReport> {
  const { state } = context;
  const since =
    state.since ?? new Date(state.watermark ? Date.parse(state.watermark) - OVERLAP_MS : context.now.getTime() - FIRST_RUN_LOOKBACK_MS).toISOString();
  let cursor = state.cursor ?? null;
  let highest = state.highest ?? state.watermark ?? since;
  let pageSize = RECONCILIATION_PAGE_SIZE;
  const report = emptyReport();
  for (;;) {
    let page: OrdersPage;
    try {
      page = await adminQuery<OrdersPage>(deps.graphql, UPDATED_ORDERS_QUERY, { first: pageSize, after: cursor, query: `updated_at:>='${since}'` }, { sleep: deps.sleep });
    } catch (error) {
      // A page Shopify finds too costly is asked again, smaller.
      if (error instanceof AdminApiError && error.codes.includes("MAX_COST_EXCEEDED") && pageSize > 1) {
        pageSize = Math.max(1, Math.floor(pageSize / 2));
        continue;
      }
      throw error;
    }
    await applyOrders(deps, context.shop, page.orders.nodes, new Date(), report);
    for (const o of page.orders.nodes) if (Date.parse(o.updatedAt) > Date.parse(highest)) highest = new Date(Date.parse(o.updatedAt)).toISOString();
    cursor = page.orders.pageInfo.endCursor;
    if (!page.orders.pageInfo.hasNextPage) break;
    await context.saveState({ watermark: state.watermark, since, cursor, highest });
  }
  await context.saveState({ watermark: highest });
  return report;
}

export const BY_ID_CHUNK = 25;

export async function reconcileByIds(deps: ReconcileDeps, shop: string, orderIds: readonly string[], report: ReconcileReport): Promise<void> {
  for (let i = 0; i < orderIds.length; i += BY_ID_CHUNK) {
    const ids = orderIds.slice(i, i + BY_ID_CHUNK).map((id) => (id.startsWith("gid://") ? id : `gid://shopify/Order/${id}`));
    const data = await adminQuery<{ nodes: Array<GqlOrder | null> }>(deps.graphql, ORDERS_BY_ID_QUERY, { ids }, { sleep: deps.sleep });
    // nodes() answers null (or an empty object) for ids that are not orders of this shop.
    await applyOrders(deps, shop, data.nodes.filter((n): n is GqlOrder => !!n && typeof n.id === "string"), new Date(), report);
  }
}

/** "Recheck with Shopify": compares the given orders (numeric ids or gids) now and records what was missed. */
export async function recheckOrders(deps: ReconcileDeps, shop: string, orderIds: readonly string[]): Promise<ReconcileReport> {
  const report = emptyReport();
  await reconcileByIds(deps, shop, [...new Set(orderIds)], report);
  return report;
}
