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
import { AdminApiError, adminQuery, EXCEEDS_BUCKET, type GraphqlCall, type QueryCost } from "./admin-graphql.server";
import { knownFactsOf, legacyId, reconcileOrder, type StoredFact } from "./order-mapping";
import { completeOrders, type AdminRead, type CompleteOrders, type OrderFirstPage } from "./order-reader.server";
import { BY_ID_CHUNK, ORDERS_BY_ID_QUERY, RECONCILIATION_PAGE_SIZE, UPDATED_ORDERS_QUERY } from "./queries";

export const RECONCILIATION_JOB = "shopify-reconciliation";

export type ReconcileDeps = {
  db: Db;
  record: RecordEvents;
  graphql: GraphqlCall;
  sleep?: (ms: number) => Promise<void>;
  /** downloads the bulk operation's result file (default: global fetch) */
  download?: (url: string) => Promise<Response>;
};

export type ReconcileReport = {
  checked: number;
  repaired: number;
  events: number;
  missed: string[];
  /** orders read only in part: more fulfillments or refunds than one query affords */
  incomplete: string[];
  /** orders not compared, because Shopify did not answer part of them; a later read tries again */
  unreadable: string[];
  /** ids asked for that Shopify did not show: deleted, another shop's, or older than the 60 days read_orders reaches */
  notShown: string[];
};

export const emptyReport = (): ReconcileReport => ({ checked: 0, repaired: 0, events: 0, missed: [], incomplete: [], unreadable: [], notShown: [] });
const KNOWN_KINDS = ["order_snapshot", "fulfillment_snapshot", "fulfillment_event", "refund", "fulfillment_hold_added", "fulfillment_hold_released"];
/** Orders named in a report's lists; the counts stay exact beyond it. */
const MAX_LISTED = 50;
const listIn = (list: string[], item: string) => void (list.length < MAX_LISTED && list.push(item));

/** Compares orders as Shopify shows them with the shop's log and records the difference. */
async function applyOrders(deps: ReconcileDeps, shop: string, read: CompleteOrders & { readAt: Date }, report: ReconcileReport): Promise<void> {
  const { orders } = read;
  for (const name of read.incomplete) listIn(report.incomplete, name);
  for (const name of read.unreadable) listIn(report.unreadable, name);
  if (orders.length === 0) return;
  const receivedAt = new Date();
  const ids = orders.map((o) => legacyId(o.id));
  const stored = await deps.db.event.findMany({
    where: { shop, orderId: { in: ids }, kind: { in: KNOWN_KINDS } },
    select: { orderId: true, kind: true, data: true, occurredAt: true, receivedAt: true },
  });
  const byOrder = new Map<string, StoredFact[]>();
  for (const row of stored) {
    const fact = { kind: row.kind, data: JSON.parse(row.data), occurredAt: row.occurredAt.toISOString(), receivedAt: row.receivedAt.toISOString() };
    byOrder.set(row.orderId, [...(byOrder.get(row.orderId) ?? []), fact]);
  }
  const submissions: EventSubmission[] = [];
  for (const order of orders) {
    const reconciled = reconcileOrder(order, knownFactsOf(byOrder.get(legacyId(order.id)) ?? []), { readAt: read.readAt.toISOString() });
    report.checked += 1;
    if (reconciled.events.length === 0) continue;
    report.repaired += 1;
    for (const what of reconciled.missed) listIn(report.missed, `${order.name}: ${what}`);
    // The order as Shopify answered it is kept once, on the first event; the others name that one.
    const [first, ...rest] = reconciled.events;
    const raw = JSON.stringify({ source: "admin-graphql", displayFulfillmentStatus: order.displayFulfillmentStatus, order: stripPersonalDataOfAdminOrder(order) });
    const reference = JSON.stringify({ source: "admin-graphql", readWith: first!.dedupeKey });
    submissions.push({ shop, events: [{ ...first!, raw }, ...rest.map((e) => ({ ...e, raw: reference }))], receivedAt });
  }
  // Hold webhooks name only a fulfillment order: what is read here resolves them (fulfillment-orders.server.ts).
  const links = orders.flatMap((order) => (order.fulfillmentOrders?.nodes ?? []).map((fo) => ({ fulfillmentOrderId: legacyId(fo.id), orderId: legacyId(order.id) })));
  await rememberFulfillmentOrderLinks(deps.db, shop, links, "reconciliation", receivedAt);
  if (submissions.length === 0) return;
  const outcomes = await deps.record(submissions);
  report.events += outcomes.reduce((sum, o) => sum + o.stored, 0);
}

type OrdersPage = { orders: { nodes: OrderFirstPage[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

export type WatermarkState = {
  /** updatedAt (whole seconds) up to which every order Shopify's search showed has been compared */
  watermark?: string;
  /** the search in progress: its lower bound, the next page's cursor, how many orders it has listed */
  search?: { since: string; cursor: string | null; listed: number };
};

/**
 * Shopify's search index trails writes: an order saved just before the watermark may be listed only
 * later, so each run starts this far before it. Re-reading adds nothing (dedupe keys).
 */
export const SEARCH_LAG_MARGIN_MS = 5 * 60_000;
/** Without a watermark (first run), look this far back; the install backfill covers the rest. */
const FIRST_RUN_LOOKBACK_MS = 24 * 3_600_000;
/**
 * Shopify stops paginating a listing after 25,000 objects (https://shopify.dev/docs/api/usage/limits;
 * decision 012): a search is started afresh from the watermark before it lists this many.
 */
export const ORDERS_PER_SEARCH = 20_000;

const wholeSecond = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace(".000Z", "Z");
const laterOf = (a: string | undefined, b: string) => (a && Date.parse(a) >= Date.parse(b) ? a : b);

function readerFor(deps: ReconcileDeps, onCost?: (cost: QueryCost) => void): AdminRead {
  return (query, variables) => adminQuery(deps.graphql, query, variables, { sleep: deps.sleep, onCost });
}

/** A run stops after this long and asks to run again at once, so one shop's backlog never holds its job lane for hours. */
export const RUN_TIME_LIMIT_MS = 10 * 60_000;
/** How many of a page's last orders bound its position (see pagePosition). */
const POSITION_SAMPLE = 3;

/**
 * Where a page leaves the search: the earliest update time among its last few orders. Shopify sorts
 * by the update time its search index holds but answers each order as it is now, so an order changed
 * while the index lags shows a later time than its place in the list; one such order must not carry
 * the position (and a new search) past orders not listed yet.
 */
function pagePosition(nodes: readonly OrderFirstPage[]): string | null {
  const times = nodes
    .slice(-POSITION_SAMPLE)
    .map((n) => Date.parse(n.updatedAt))
    .filter((t) => Number.isFinite(t));
  return times.length === 0 ? null : wholeSecond(new Date(Math.min(...times)).toISOString());
}

function highestUpdate(nodes: readonly OrderFirstPage[], than: string | undefined): string | undefined {
  let highest = than;
  for (const n of nodes) if (Number.isFinite(Date.parse(n.updatedAt))) highest = laterOf(highest, wholeSecond(n.updatedAt));
  return highest;
}

/** A refusal of the page itself, which asking again with a smaller page can cure. */
const isPageTooLarge = (error: unknown) => error instanceof AdminApiError && (error.codes.includes("MAX_COST_EXCEEDED") || error.codes.includes(EXCEEDS_BUCKET));
/** Shopify refused the query (not the token, not the rate): a saved cursor it no longer takes, for one. */
const isQueryRefused = (error: unknown) => error instanceof AdminApiError && error.httpStatus === undefined && !error.codes.some((c) => c === "THROTTLED" || c === "ACCESS_DENIED");

/**
 * Orders updated since the watermark, oldest update first. The watermark moves with every page, so a
 * run stopped anywhere (restart, error, a backlog of any size, its time limit) continues from where it
 * was; a search nearing Shopify's pagination cap is started again from where it stands.
 */
export async function reconcileUpdatedOrders(
  deps: ReconcileDeps,
  context: { shop: string; now: Date; state: WatermarkState; saveState(state: WatermarkState): Promise<void> },
  options: { ordersPerSearch?: number; timeLimitMs?: number; clock?: () => number } = {},
): Promise<ReconcileReport & { more: boolean }> {
  const ordersPerSearch = options.ordersPerSearch ?? ORDERS_PER_SEARCH;
  const clock = options.clock ?? Date.now;
  const stopAt = clock() + (options.timeLimitMs ?? RUN_TIME_LIMIT_MS);
  let watermark = context.state.watermark;
  const freshSearch = () => {
    const start = watermark ? Date.parse(watermark) - SEARCH_LAG_MARGIN_MS : context.now.getTime() - FIRST_RUN_LOOKBACK_MS;
    return { since: wholeSecond(new Date(start).toISOString()), cursor: null, listed: 0 };
  };
  let search: NonNullable<WatermarkState["search"]> = context.state.search ?? freshSearch();
  let highest = watermark;
  let pageSize = RECONCILIATION_PAGE_SIZE;
  /** the largest page not refused in this run */
  let ceiling = RECONCILIATION_PAGE_SIZE;
  let pageCost: QueryCost | null = null;
  let cursorRetried = false;
  const readPage = readerFor(deps, (cost) => (pageCost = cost));
  const read = readerFor(deps);
  const report = emptyReport();
  for (;;) {
    let page: OrdersPage;
    const readAt = new Date();
    try {
      page = await readPage<OrdersPage>(UPDATED_ORDERS_QUERY, { first: pageSize, after: search.cursor, query: `updated_at:>='${search.since}'` });
    } catch (error) {
      // A page Shopify finds too costly (its pricing is ours to estimate), or larger than the shop's
      // bucket, is asked again smaller.
      if (isPageTooLarge(error) && pageSize > 1) {
        pageSize = ceiling = Math.max(1, Math.floor(pageSize / 2));
        continue;
      }
      // A saved cursor Shopify no longer takes (a new API version, a changed search) would refuse every
      // run: the search starts again from the watermark, once.
      if (search.cursor && !cursorRetried && isQueryRefused(error)) {
        cursorRetried = true;
        search = freshSearch();
        continue;
      }
      throw error;
    }
    const { nodes, pageInfo } = page.orders;
    await applyOrders(deps, context.shop, { ...(await completeOrders(read, nodes)), readAt }, report);
    highest = highestUpdate(nodes, highest);
    if (!pageInfo.hasNextPage || !pageInfo.endCursor || pageInfo.endCursor === search.cursor) break;
    const position = pagePosition(nodes);
    if (position) watermark = laterOf(watermark, position);
    search = { since: search.since, cursor: pageInfo.endCursor, listed: search.listed + nodes.length };
    // Orders saved in the position's second are listed again by the new search: ties are read twice, never skipped.
    if (search.listed + pageSize > ordersPerSearch && position && Date.parse(position) > Date.parse(search.since)) {
      search = { since: position, cursor: null, listed: 0 };
    }
    pageSize = Math.min(ceiling, affordablePageSize(pageSize, pageCost));
    await context.saveState({ watermark, search });
    if (clock() >= stopAt) return { ...report, more: true };
  }
  // Every order the search listed has been compared: the next run starts from the latest of them.
  await context.saveState({ watermark: highest });
  return { ...report, more: false };
}

/** A page must fit the shop's bucket, whose size depends on its plan: never ask more than it holds. */
function affordablePageSize(current: number, cost: QueryCost | null): number {
  if (!cost || current <= 0) return current;
  const perOrder = Math.max(1, (cost.requestedQueryCost - 2) / current);
  const fits = Math.floor((cost.throttleStatus.maximumAvailable - 2) / perOrder);
  return Math.max(1, Math.min(RECONCILIATION_PAGE_SIZE, fits));
}

export async function reconcileByIds(deps: ReconcileDeps, shop: string, orderIds: readonly string[], report: ReconcileReport): Promise<void> {
  const read = readerFor(deps);
  for (let i = 0; i < orderIds.length; i += BY_ID_CHUNK) {
    const ids = orderIds.slice(i, i + BY_ID_CHUNK).map((id) => (id.startsWith("gid://") ? id : `gid://shopify/Order/${id}`));
    const readAt = new Date();
    const data = await read<{ nodes: Array<OrderFirstPage | null> }>(ORDERS_BY_ID_QUERY, { ids });
    // nodes() answers null (or an empty object) for ids that are not orders this app may read.
    const shown = data.nodes.filter((n): n is OrderFirstPage => !!n && typeof n.id === "string");
    const shownIds = new Set(shown.map((o) => o.id));
    for (const id of ids) if (!shownIds.has(id)) listIn(report.notShown, legacyId(id));
    await applyOrders(deps, shop, { ...(await completeOrders(read, shown)), readAt }, report);
  }
}

/** "Recheck with Shopify": compares the given orders (numeric ids or gids) now and records what was missed. */
export async function recheckOrders(deps: ReconcileDeps, shop: string, orderIds: readonly string[]): Promise<ReconcileReport> {
  const report = emptyReport();
  await reconcileByIds(deps, shop, [...new Set(orderIds)], report);
  return report;
}
