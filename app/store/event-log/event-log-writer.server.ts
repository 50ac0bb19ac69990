import type { OrderEvent } from "../../domain/events";
import type { RollupResult } from "../../domain/rollup";
import { refreshOrderHealthWithin, type OrderEvaluation } from "../discrepancies.server";
import { rollupStored, type EventSubmission, type RecordOutcome, type StoredEvent } from "../order-store.server";
import { recordSyncLagWithin, toDate, type StoredEventFacts } from "../sync-lag.server";
import { syncReadRows, type ReadTable } from "./read-rows.server";
import { chunks, placeholders, sqlDate, valuesList, type SqlSession, type SqlValue, type SqlWriterConnection } from "./sql-session.server";

const orderKey = (shop: string, orderId: string) => `${shop}\u0000${orderId}`;
type OrderRef = { shop: string; orderId: string };

const CHUNK = 400;

function groupByShop(items: ReadonlyArray<{ shop: string; value: string }>): Array<[string, string[]]> {
  const map = new Map<string, Set<string>>();
  for (const { shop, value } of items) {
    let set = map.get(shop);
    if (!set) map.set(shop, (set = new Set()));
    set.add(value);
  }
  return [...map].map(([shop, set]) => [shop, [...set]]);
}

/**
 * Appends the events of several submissions and rewrites the rollup of every order they touch in
 * ONE transaction, so a status is readable the moment its source is acknowledged and a crash never
 * leaves an event without its rollup. See docs/decisions/005-intake-write-path.md.
 */
export async function recordSubmissions(connection: SqlWriterConnection, submissions: readonly EventSubmission[]): Promise<RecordOutcome[]> {
  return connection.transaction(async (sql) => {
    const touched = new Map<string, OrderRef>();
    for (const s of submissions) for (const e of s.events) touched.set(orderKey(s.shop, e.orderId), { shop: s.shop, orderId: e.orderId });
    await lockOrders(sql, [...touched.values()]);

    const seen = await existingDedupeKeys(sql, submissions);
    const shopsOf = await recordedShops(sql, [...touched.values()]);
    const outcomes: RecordOutcome[] = [];
    const fresh: SqlValue[][] = [];
    const facts: StoredEventFacts[] = [];
    const changed = new Map<string, OrderRef>();
    for (const s of submissions) {
      const claimed = s.events.find((e) => shopsOf.has(e.orderId) && !shopsOf.get(e.orderId)!.has(s.shop));
      if (claimed) {
        outcomes.push({ stored: 0, duplicates: 0, orderIds: [], refused: `order ${claimed.orderId} belongs to another shop` });
        continue;
      }
      let stored = 0;
      const orderIds = new Set<string>();
      const receivedAt = sqlDate(s.receivedAt, sql.dialect);
      for (const event of s.events) {
        const key = `${s.shop}\u0000${event.dedupeKey}`;
        if (seen.has(key)) continue;
        seen.add(key);
        fresh.push([
          s.shop,
          event.orderId,
          event.source,
          event.kind,
          event.dedupeKey,
          event.sourceEventId ?? null,
          sqlDate(new Date(event.occurredAt), sql.dialect),
          receivedAt,
          JSON.stringify(event.data),
          event.raw,
        ]);
        facts.push({ shop: s.shop, source: event.source, kind: event.kind, occurredAt: new Date(event.occurredAt), receivedAt: s.receivedAt });
        changed.set(orderKey(s.shop, event.orderId), { shop: s.shop, orderId: event.orderId });
        orderIds.add(event.orderId);
        stored += 1;
      }
      outcomes.push({ stored, duplicates: s.events.length - stored, orderIds: [...orderIds].sort() });
    }
    if (fresh.length === 0) return outcomes;

    for (const rows of chunks(fresh, 100)) {
      await sql.run(
        `INSERT INTO "Event" ("shop", "orderId", "source", "kind", "dedupeKey", "sourceEventId", "occurredAt", "receivedAt", "data", "raw") VALUES ${valuesList(rows.length, 10)}`,
        rows.flat(),
      );
    }
    await recordSyncLagWithin(sql, facts);
    await refreshWithin(sql, [...changed.values()]);
    return outcomes;
  });
}

/**
 * Recomputes the given orders' rollups from their whole logs, in a transaction of their own. `now` is
 * the clock their discrepancies are judged by (the scheduled re-check passes its own).
 */
export async function refreshOrders(connection: SqlWriterConnection, orders: readonly OrderRef[], options: { now?: Date } = {}): Promise<void> {
  if (orders.length === 0) return;
  await connection.transaction(async (sql) => {
    await lockOrders(sql, orders);
    await refreshWithin(sql, orders, options.now ?? new Date());
  });
}

/**
 * GDPR erasure of orders: raw payloads replaced, customer lookup keys blanked in the normalised
 * events, rollups rebuilt from the erased log — one transaction, so no half-erased order remains.
 */
export async function eraseOrderContacts(connection: SqlWriterConnection, shop: string, orderIds: readonly string[], redactedRaw: string): Promise<void> {
  if (orderIds.length === 0) return;
  await connection.transaction(async (sql) => {
    await lockOrders(sql, orderIds.map((orderId) => ({ shop, orderId })));
    for (const ids of chunks([...orderIds], CHUNK)) {
      const rows = await sql.all<{ id: number | string; data: string }>(
        `SELECT "id", "data" FROM "Event" WHERE "shop" = ? AND "orderId" IN (${placeholders(ids.length)}) AND "kind" = 'order_snapshot'`,
        [shop, ...ids],
      );
      for (const row of rows) {
        const data = JSON.parse(row.data) as Record<string, unknown>;
        data.customer = { customerId: null, emailHash: null, phoneHash: null };
        // The order status page link carries its own access key: whoever holds it sees the customer's order.
        data.orderStatusUrl = null;
        await sql.run(`UPDATE "Event" SET "data" = ? WHERE "id" = ?`, [JSON.stringify(data), Number(row.id)]);
      }
      await sql.run(`UPDATE "Event" SET "raw" = ? WHERE "shop" = ? AND "orderId" IN (${placeholders(ids.length)})`, [redactedRaw, shop, ...ids]);
    }
    await refreshWithin(sql, orderIds.map((orderId) => ({ shop, orderId })), new Date());
  });
}

async function lockOrders(sql: SqlSession, orders: readonly OrderRef[]) {
  if (sql.dialect !== "postgresql" || orders.length === 0) return;
  const keys = orders.map((o) => `${o.shop}/${o.orderId}`);
  // Sorted lock order: two transactions locking overlapping orders can never deadlock.
  await sql.run(
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(key, 0) AS k FROM unnest(?::text[]) AS key) AS keys ORDER BY k`,
    [keys],
  );
}

/**
 * The shops each order a batch touches is already recorded under. Shopify's order ids are global, so
 * an event for one of them under another shop is a body sent again under a header it was not signed
 * for (decision 025). One indexed read per batch.
 */
async function recordedShops(sql: SqlSession, orders: readonly OrderRef[]): Promise<Map<string, Set<string>>> {
  const shops = new Map<string, Set<string>>();
  for (const ids of chunks([...new Set(orders.map((o) => o.orderId))], CHUNK)) {
    const rows = await sql.all<{ shop: string; orderId: string }>(`SELECT "shop", "orderId" FROM "Order" WHERE "orderId" IN (${placeholders(ids.length)})`, ids);
    for (const row of rows) shops.set(row.orderId, (shops.get(row.orderId) ?? new Set()).add(row.shop));
  }
  return shops;
}

async function existingDedupeKeys(sql: SqlSession, submissions: readonly EventSubmission[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const byShop = groupByShop(submissions.flatMap((s) => s.events.map((e) => ({ shop: s.shop, value: e.dedupeKey }))));
  for (const [shop, keys] of byShop) {
    for (const part of chunks(keys, CHUNK)) {
      const rows = await sql.all<{ dedupeKey: string }>(
        `SELECT "dedupeKey" FROM "Event" WHERE "shop" = ? AND "dedupeKey" IN (${placeholders(part.length)})`,
        [shop, ...part],
      );
      for (const row of rows) seen.add(`${shop}\u0000${row.dedupeKey}`);
    }
  }
  return seen;
}

type EventRow = { shop: string; orderId: string; source: string; kind: string; dedupeKey: string; occurredAt: unknown; receivedAt: unknown; data: string };

async function loadEvents(sql: SqlSession, orders: readonly OrderRef[]): Promise<Map<string, StoredEvent[]>> {
  const byOrder = new Map<string, StoredEvent[]>();
  for (const [shop, orderIds] of groupByShop(orders.map((o) => ({ shop: o.shop, value: o.orderId })))) {
    for (const ids of chunks(orderIds, CHUNK)) {
      const rows = await sql.all<EventRow>(
        `SELECT "shop", "orderId", "source", "kind", "dedupeKey", "occurredAt", "receivedAt", "data" FROM "Event" WHERE "shop" = ? AND "orderId" IN (${placeholders(ids.length)}) ORDER BY "id"`,
        [shop, ...ids],
      );
      for (const row of rows) {
        const key = orderKey(row.shop, row.orderId);
        let list = byOrder.get(key);
        if (!list) byOrder.set(key, (list = []));
        list.push({
          event: {
            source: row.source,
            kind: row.kind,
            orderId: row.orderId,
            occurredAt: toDate(row.occurredAt).toISOString(),
            dedupeKey: row.dedupeKey,
            data: JSON.parse(row.data),
          } as OrderEvent,
          receivedAt: toDate(row.receivedAt),
        });
      }
    }
  }
  return byOrder;
}

/** `now` judges time-dependent discrepancies; without it, each order is judged as of its latest arrival. */
async function refreshWithin(sql: SqlSession, orders: readonly OrderRef[], now?: Date) {
  const events = await loadEvents(sql, orders);
  const evaluations: OrderEvaluation[] = [];
  const d = (date: Date) => sqlDate(date, sql.dialect);
  const orderRows: SqlValue[][] = [];
  const shipmentRows: SqlValue[][] = [];
  const trackingRows: SqlValue[][] = [];
  const claimRows: SqlValue[][] = [];
  for (const { shop, orderId } of orders) {
    const stored = events.get(orderKey(shop, orderId));
    if (!stored || stored.length === 0) continue;
    const result: RollupResult = rollupStored(stored);
    evaluations.push({ shop, orderId, stored, result });
    const updatedAt = new Date(result.status.updatedAt);
    orderRows.push([
      shop,
      orderId,
      result.order.name ?? "",
      result.order.emailHash,
      result.order.phoneHash,
      result.order.customerId,
      result.status.status,
      // 1/0 reads as a boolean in both SQLite (Prisma's encoding) and PostgreSQL.
      result.deleted ? 1 : 0,
      JSON.stringify(result.status),
      stored.length,
      result.order.placedAt ? d(new Date(result.order.placedAt)) : null,
      d(updatedAt),
    ]);
    for (const s of result.status.shipments) {
      shipmentRows.push([shop, orderId, s.id, s.status, s.carrier, s.trackingNumbers.join(" "), d(updatedAt)]);
      for (const trackingNumber of new Set(s.trackingNumbers)) trackingRows.push([shop, orderId, trackingNumber, s.id]);
    }
    const receivedBySource = new Map<string, Date>();
    for (const s of stored) {
      const prev = receivedBySource.get(s.event.source);
      if (!prev || prev < s.receivedAt) receivedBySource.set(s.event.source, s.receivedAt);
    }
    for (const claim of result.sources) {
      claimRows.push([shop, orderId, claim.source, claim.claim, d(new Date(claim.occurredAt)), d(receivedBySource.get(claim.source) ?? updatedAt)]);
    }
  }

  // Before the Order rows are replaced: the status tally reads the old statuses.
  await refreshOrderHealthWithin(sql, evaluations, now);

  for (const [shop, orderIds] of groupByShop(orders.map((o) => ({ shop: o.shop, value: o.orderId })))) {
    const ofShop = (rows: SqlValue[][]) => rows.filter((row) => row[0] === shop);
    await syncReadRows(sql, ORDER_ROWS, shop, orderIds, ofShop(orderRows));
    await syncReadRows(sql, SHIPMENT_ROWS, shop, orderIds, ofShop(shipmentRows));
    await syncReadRows(sql, TRACKING_NUMBER_ROWS, shop, orderIds, ofShop(trackingRows));
    await syncReadRows(sql, SOURCE_CLAIM_ROWS, shop, orderIds, ofShop(claimRows));
  }
}

const ORDER_ROWS: ReadTable = {
  name: "Order",
  keys: [],
  columns: [
    ["name", "text"],
    ["emailHash", "text"],
    ["phoneHash", "text"],
    ["customerId", "text"],
    ["status", "text"],
    ["deleted", "boolean"],
    ["document", "text"],
    ["eventCount", "integer"],
    ["placedAt", "timestamp"],
    ["updatedAt", "timestamp"],
  ],
};
const SHIPMENT_ROWS: ReadTable = {
  name: "Shipment",
  keys: ["shipmentId"],
  columns: [
    ["status", "text"],
    ["carrier", "text"],
    ["trackingNumbers", "text"],
    ["updatedAt", "timestamp"],
  ],
  stamp: "updatedAt",
};
const TRACKING_NUMBER_ROWS: ReadTable = { name: "TrackingNumber", keys: ["trackingNumber", "shipmentId"], columns: [] };
const SOURCE_CLAIM_ROWS: ReadTable = {
  name: "SourceClaim",
  keys: ["source"],
  columns: [
    ["claim", "text"],
    ["occurredAt", "timestamp"],
    ["receivedAt", "timestamp"],
  ],
};
