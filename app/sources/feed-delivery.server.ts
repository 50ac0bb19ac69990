/**
 * Where feed items (3PL parcels, carrier scans) meet the event log. An item names its order indirectly
 * (by order name or by tracking number); it is recorded against every order that name resolves to, or
 * kept in PendingFeedItem until one appears. See docs/decisions/ for why unknown items wait.
 */
import type { Db } from "../db.server";
import { normalizeTrackingNumber, type OrderlessEvent } from "../domain/events";
import { recordSubmissions } from "../store/event-log/event-log-writer.server";
import { getEventLogWriter } from "../store/event-log/index.server";
import type { EventSubmission, IncomingEvent, RecordOutcome } from "../store/order-store.server";

export type { OrderlessEvent };

/** An order name (3PL rows), a tracking number (carrier scans) or a fulfillment order (holds). */
export type MatchKey = { by: "order"; name: string } | { by: "tracking"; number: string } | { by: "fulfillment_order"; id: string };

export const FULFILLMENT_ORDER_MATCH_PREFIX = "fulfillment_order:";

export type FeedItem = { match: MatchKey; event: OrderlessEvent; raw: string };

export type ItemOutcome = "stored" | "duplicate" | "pending";

export type RecordEvents = (submissions: readonly EventSubmission[]) => Promise<RecordOutcome[]>;

export type FeedDeps = { db: Db; record: RecordEvents };

/** The process's writer, one transaction per call (feeds are batches already; no group commit needed). */
export const recordDirectly: RecordEvents = (submissions) => recordSubmissions(getEventLogWriter(), submissions);

export function matchKeyText(match: MatchKey): string {
  if (match.by === "fulfillment_order") return `${FULFILLMENT_ORDER_MATCH_PREFIX}${match.id}`;
  return match.by === "order" ? `order:${match.name}` : `tracking:${normalizeTrackingNumber(match.number)}`;
}

// Keeps IN lists and transactions a reasonable size whatever the file holds.
const BATCH = 400;

function batches<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Order ids per match key, for the keys that resolve; always filtered by shop. */
export async function resolveOrders(db: Db, shop: string, matches: readonly MatchKey[]): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>();
  const add = (key: string, orderId: string) => {
    let set = found.get(key);
    if (!set) found.set(key, (set = new Set()));
    set.add(orderId);
  };
  const names = [...new Set(matches.filter((m) => m.by === "order").map((m) => m.name))];
  for (const part of batches(names)) {
    const rows = await db.order.findMany({ where: { shop, name: { in: part } }, select: { orderId: true, name: true } });
    for (const row of rows) add(`order:${row.name}`, row.orderId);
  }
  // TrackingNumber keeps numbers as the shipment's source wrote them; ask for both spellings.
  const numbers = [...new Set(matches.filter((m) => m.by === "tracking").flatMap((m) => [m.number.trim(), normalizeTrackingNumber(m.number)]))];
  for (const part of batches(numbers)) {
    const rows = await db.trackingNumber.findMany({ where: { shop, trackingNumber: { in: part } }, select: { orderId: true, trackingNumber: true } });
    for (const row of rows) add(`tracking:${normalizeTrackingNumber(row.trackingNumber)}`, row.orderId);
  }
  const fulfillmentOrders = [...new Set(matches.flatMap((m) => (m.by === "fulfillment_order" ? [m.id] : [])))];
  for (const part of batches(fulfillmentOrders)) {
    const rows = await db.fulfillmentOrderLink.findMany({ where: { shop, fulfillmentOrderId: { in: part } }, select: { orderId: true, fulfillmentOrderId: true } });
    for (const row of rows) add(`${FULFILLMENT_ORDER_MATCH_PREFIX}${row.fulfillmentOrderId}`, row.orderId);
  }
  return new Map([...found].map(([key, set]) => [key, [...set].sort()]));
}

/** One event per order the item resolves to; the key carries the order so each order dedupes on its own. */
function eventsFor(item: FeedItem, orderIds: readonly string[]): IncomingEvent[] {
  return orderIds.map((orderId) => ({ ...item.event, orderId, dedupeKey: `${item.event.dedupeKey}@${orderId}`, raw: item.raw }) as IncomingEvent);
}

/**
 * Records what resolves, keeps what does not, and says for each item which happened. An item is
 * "stored" when at least one of its events is new to the log.
 */
export async function deliverFeedItems(deps: FeedDeps, shop: string, items: readonly FeedItem[], receivedAt: Date): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = new Array(items.length);
  for (const [offset, part] of batches(items).map((b, i) => [i * BATCH, b] as const)) {
    const resolved = await resolveOrders(deps.db, shop, part.map((i) => i.match));
    const submissions: EventSubmission[] = [];
    const owners: number[] = [];
    const waiting: number[] = [];
    part.forEach((item, i) => {
      const orderIds = resolved.get(matchKeyText(item.match)) ?? [];
      if (orderIds.length === 0) return void waiting.push(i);
      submissions.push({ shop, events: eventsFor(item, orderIds), receivedAt });
      owners.push(i);
    });
    const recorded = submissions.length > 0 ? await deps.record(submissions) : [];
    for (const i of part.keys()) outcomes[offset + i] = "duplicate";
    recorded.forEach((outcome, k) => {
      outcomes[offset + owners[k]!] = outcome.stored > 0 ? "stored" : "duplicate";
    });
    const kept = await keepPending(deps.db, shop, waiting.map((i) => part[i]!), receivedAt);
    waiting.forEach((i, k) => {
      outcomes[offset + i] = kept[k] ? "pending" : "duplicate";
    });
  }
  return outcomes;
}

/** Stores unresolved items; false for an item already waiting (the same row or scan sent again). */
async function keepPending(db: Db, shop: string, items: readonly FeedItem[], receivedAt: Date): Promise<boolean[]> {
  if (items.length === 0) return [];
  const existing = new Set(
    (
      await db.pendingFeedItem.findMany({
        where: { shop, dedupeKey: { in: items.map((i) => i.event.dedupeKey) } },
        select: { dedupeKey: true },
      })
    ).map((r) => r.dedupeKey),
  );
  const fresh = items.map((item) => !existing.has(item.event.dedupeKey) && (existing.add(item.event.dedupeKey), true));
  const rows = items.filter((_, i) => fresh[i]).map((item) => ({
    shop,
    matchKey: matchKeyText(item.match),
    dedupeKey: item.event.dedupeKey,
    event: JSON.stringify(item.event),
    raw: item.raw,
    receivedAt,
  }));
  try {
    await db.pendingFeedItem.createMany({ data: rows });
    return fresh;
  } catch (error) {
    if ((error as { code?: string }).code !== "P2002") throw error;
  }
  // A concurrent import of the same file stored some first: those are duplicates, not failures.
  const stored = new Set<string>();
  for (const row of rows) {
    try {
      await db.pendingFeedItem.create({ data: row });
      stored.add(row.dedupeKey);
    } catch (error) {
      if ((error as { code?: string }).code !== "P2002") throw error;
    }
  }
  return items.map((item, i) => fresh[i]! && stored.has(item.event.dedupeKey));
}

export const PENDING_KEEP_DAYS = 30;

/**
 * The matching step: records every waiting item whose order or shipment now exists, and forgets items
 * that waited longer than PENDING_KEEP_DAYS. Cheap when nothing waits (one indexed query).
 */
export async function matchPendingItems(deps: FeedDeps, shop: string, now: Date): Promise<{ matched: number; expired: number; waiting: number }> {
  const expired = await deps.db.pendingFeedItem.deleteMany({
    where: { shop, receivedAt: { lt: new Date(now.getTime() - PENDING_KEEP_DAYS * 86_400_000) } },
  });
  let matched = 0;
  let afterId = 0;
  for (;;) {
    const rows = await deps.db.pendingFeedItem.findMany({ where: { shop, id: { gt: afterId } }, orderBy: { id: "asc" }, take: BATCH });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]!.id;
    const items = rows.map((row) => ({ row, item: pendingToItem(row) }));
    const resolved = await resolveOrders(deps.db, shop, items.map((i) => i.item.match));
    const ready = items.filter(({ item }) => (resolved.get(matchKeyText(item.match)) ?? []).length > 0);
    if (ready.length === 0) continue;
    await deps.record(
      ready.map(({ row, item }) => ({ shop, events: eventsFor(item, resolved.get(matchKeyText(item.match))!), receivedAt: row.receivedAt })),
    );
    await deps.db.pendingFeedItem.deleteMany({ where: { shop, id: { in: ready.map(({ row }) => row.id) } } });
    matched += ready.length;
  }
  const waiting = await deps.db.pendingFeedItem.count({ where: { shop } });
  return { matched, expired: expired.count, waiting };
}

function pendingToItem(row: { matchKey: string; event: string; raw: string }): FeedItem {
  const separator = row.matchKey.indexOf(":");
  const value = row.matchKey.slice(separator + 1);
  const event = JSON.parse(row.event) as OrderlessEvent;
  if (row.matchKey.startsWith(FULFILLMENT_ORDER_MATCH_PREFIX)) return { match: { by: "fulfillment_order", id: value }, event, raw: row.raw };
  if (row.matchKey.slice(0, separator) === "order") return { match: { by: "order", name: value }, event, raw: row.raw };
  // The number as the feed spelled it, so resolveOrders can try that spelling as well as the normalised one.
  const given = event.kind === "carrier_tracking" ? event.data.trackingNumber : value;
  return { match: { by: "tracking", number: given }, event, raw: row.raw };
}

/** Shops with items waiting, for the matching job. */
export async function shopsWithPendingItems(db: Db): Promise<string[]> {
  const rows = await db.pendingFeedItem.findMany({ distinct: ["shop"], select: { shop: true } });
  return rows.map((r) => r.shop).sort();
}
