import type { Db, DbTransaction } from "../db.server";
import { databaseProviderOf } from "../db.server";
import type { OrderEvent } from "../domain/events";
import { rollup, type RollupResult } from "../domain/rollup";

/** An event as the intake hands it over: the normalised event plus what only the intake knows. */
export type IncomingEvent = OrderEvent & { raw: string; sourceEventId?: string | null };

export type RecordOutcome = { stored: number; duplicates: number; orderIds: string[] };

export type EventSubmission = { shop: string; events: readonly IncomingEvent[]; receivedAt: Date };

type StoredEvent = { event: OrderEvent; receivedAt: Date };

/** What the rollup needs of a stored event; the raw payload stays on disk. */
const ROLLUP_COLUMNS = { shop: true, source: true, kind: true, orderId: true, occurredAt: true, dedupeKey: true, data: true, receivedAt: true } as const;

const orderKey = (shop: string, orderId: string) => `${shop}\u0000${orderId}`;

/**
 * Appends the events of several submissions and rewrites the rollup of every order they touch in
 * ONE transaction, so a status is readable the moment its source is acknowledged and a crash never
 * leaves an event without its rollup. Set-based statements keep the cost per transaction nearly
 * flat in the number of submissions, which is what makes group commit pay.
 */
export async function recordSubmissions(db: Db, submissions: readonly EventSubmission[]): Promise<RecordOutcome[]> {
  return db.$transaction(async (tx) => {
    const touchedKeys = new Map<string, { shop: string; orderId: string }>();
    for (const s of submissions) for (const e of s.events) touchedKeys.set(orderKey(s.shop, e.orderId), { shop: s.shop, orderId: e.orderId });
    await lockOrders(db, tx, [...touchedKeys.keys()]);

    const seen = await existingDedupeKeys(tx, submissions);
    const outcomes: RecordOutcome[] = [];
    const fresh: Array<{ shop: string; event: IncomingEvent; receivedAt: Date }> = [];
    const changed = new Map<string, { shop: string; orderId: string }>();
    for (const s of submissions) {
      let stored = 0;
      const orderIds = new Set<string>();
      for (const event of s.events) {
        const key = `${s.shop}\u0000${event.dedupeKey}`;
        if (seen.has(key)) continue;
        seen.add(key);
        fresh.push({ shop: s.shop, event, receivedAt: s.receivedAt });
        changed.set(orderKey(s.shop, event.orderId), { shop: s.shop, orderId: event.orderId });
        orderIds.add(event.orderId);
        stored += 1;
      }
      outcomes.push({ stored, duplicates: s.events.length - stored, orderIds: [...orderIds].sort() });
    }
    if (fresh.length === 0) return outcomes;

    await tx.event.createMany({
      data: fresh.map(({ shop, event, receivedAt }) => ({
        shop,
        orderId: event.orderId,
        source: event.source,
        kind: event.kind,
        dedupeKey: event.dedupeKey,
        sourceEventId: event.sourceEventId ?? null,
        occurredAt: new Date(event.occurredAt),
        receivedAt,
        data: JSON.stringify(event.data),
        raw: event.raw,
      })),
    });
    await refreshOrders(tx, [...changed.values()]);
    return outcomes;
  });
}

export async function recordEvents(db: Db, shop: string, events: readonly IncomingEvent[], receivedAt: Date): Promise<RecordOutcome> {
  const [outcome] = await recordSubmissions(db, [{ shop, events, receivedAt }]);
  return outcome;
}

/**
 * Serialises writers of the same order across processes sharing PostgreSQL; SQLite already
 * serialises write transactions. Locks are taken in one sorted pass so two batches never deadlock.
 */
async function lockOrders(db: Db, tx: DbTransaction, keys: readonly string[]) {
  if (databaseProviderOf(db) !== "postgresql" || keys.length === 0) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(key, 0) AS k FROM unnest(${[...keys]}::text[]) AS key) AS keys ORDER BY k`;
}

async function existingDedupeKeys(tx: DbTransaction, submissions: readonly EventSubmission[]): Promise<Set<string>> {
  const byShop = groupByShop(submissions.flatMap((s) => s.events.map((e) => ({ shop: s.shop, value: e.dedupeKey }))));
  if (byShop.length === 0) return new Set();
  const rows = await tx.event.findMany({
    where: { OR: byShop.map(([shop, keys]) => ({ shop, dedupeKey: { in: keys } })) },
    select: { shop: true, dedupeKey: true },
  });
  return new Set(rows.map((r) => `${r.shop}\u0000${r.dedupeKey}`));
}

function groupByShop(items: ReadonlyArray<{ shop: string; value: string }>): Array<[string, string[]]> {
  const map = new Map<string, Set<string>>();
  for (const { shop, value } of items) {
    let set = map.get(shop);
    if (!set) map.set(shop, (set = new Set()));
    set.add(value);
  }
  return [...map].map(([shop, set]) => [shop, [...set]]);
}

export async function loadOrderEvents(tx: DbTransaction | Db, shop: string, orderId: string): Promise<StoredEvent[]> {
  const rows = await tx.event.findMany({ where: { shop, orderId }, orderBy: { id: "asc" }, select: ROLLUP_COLUMNS });
  return rows.map(toStoredEvent);
}

function toStoredEvent(row: { source: string; kind: string; orderId: string; occurredAt: Date; dedupeKey: string; data: string; receivedAt: Date }): StoredEvent {
  return {
    event: {
      source: row.source,
      kind: row.kind,
      orderId: row.orderId,
      occurredAt: row.occurredAt.toISOString(),
      dedupeKey: row.dedupeKey,
      data: JSON.parse(row.data),
    } as OrderEvent,
    receivedAt: row.receivedAt,
  };
}

/** The rollup as stored: computed at the latest receipt, so it is a pure function of the log. */
export function rollupStored(stored: readonly StoredEvent[]): RollupResult {
  const latest = new Date(Math.max(...stored.map((s) => s.receivedAt.getTime())));
  return rollup(
    stored.map((s) => s.event),
    latest,
  );
}

/** Recomputes the rollups of the given orders from their whole logs and rewrites their read rows. */
export async function refreshOrders(tx: DbTransaction, orders: ReadonlyArray<{ shop: string; orderId: string }>): Promise<void> {
  if (orders.length === 0) return;
  const byShop = groupByShop(orders.map((o) => ({ shop: o.shop, value: o.orderId })));
  const where = { OR: byShop.map(([shop, orderIds]) => ({ shop, orderId: { in: orderIds } })) };
  const rows = await tx.event.findMany({ where, orderBy: { id: "asc" }, select: ROLLUP_COLUMNS });
  const eventsByOrder = new Map<string, StoredEvent[]>();
  for (const row of rows) {
    const key = orderKey(row.shop, row.orderId);
    let list = eventsByOrder.get(key);
    if (!list) eventsByOrder.set(key, (list = []));
    list.push(toStoredEvent(row));
  }

  const orderRows = [];
  const shipmentRows = [];
  const trackingRows = [];
  const claimRows = [];
  for (const { shop, orderId } of orders) {
    const stored = eventsByOrder.get(orderKey(shop, orderId));
    if (!stored || stored.length === 0) continue;
    const result = rollupStored(stored);
    const updatedAt = new Date(result.status.updatedAt);
    orderRows.push({
      shop,
      orderId,
      name: result.order.name ?? "",
      emailHash: result.order.emailHash,
      phoneHash: result.order.phoneHash,
      customerId: result.order.customerId,
      status: result.status.status,
      document: JSON.stringify(result.status),
      eventCount: stored.length,
      placedAt: result.order.placedAt ? new Date(result.order.placedAt) : null,
      updatedAt,
    });
    for (const s of result.status.shipments) {
      shipmentRows.push({ shop, orderId, shipmentId: s.id, status: s.status, carrier: s.carrier, trackingNumbers: s.trackingNumbers.join(" "), updatedAt });
      for (const trackingNumber of new Set(s.trackingNumbers)) trackingRows.push({ shop, trackingNumber, orderId, shipmentId: s.id });
    }
    const receivedBySource = new Map<string, Date>();
    for (const s of stored) {
      const prev = receivedBySource.get(s.event.source);
      if (!prev || prev < s.receivedAt) receivedBySource.set(s.event.source, s.receivedAt);
    }
    for (const claim of result.sources) {
      claimRows.push({
        shop,
        orderId,
        source: claim.source,
        claim: claim.claim,
        occurredAt: new Date(claim.occurredAt),
        receivedAt: receivedBySource.get(claim.source) ?? updatedAt,
      });
    }
  }

  // Replacing rows wholesale keeps this set-based: no per-order upserts inside the transaction.
  await tx.order.deleteMany({ where });
  await tx.shipment.deleteMany({ where });
  await tx.trackingNumber.deleteMany({ where });
  await tx.sourceClaim.deleteMany({ where });
  if (orderRows.length) await tx.order.createMany({ data: orderRows });
  if (shipmentRows.length) await tx.shipment.createMany({ data: shipmentRows });
  if (trackingRows.length) await tx.trackingNumber.createMany({ data: trackingRows });
  if (claimRows.length) await tx.sourceClaim.createMany({ data: claimRows });
}
