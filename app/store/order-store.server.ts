import type { Db, DbTransaction } from "../db.server";
import { databaseProviderOf } from "../db.server";
import type { OrderEvent } from "../domain/events";
import { rollup, type RollupResult } from "../domain/rollup";

/** An event as the intake hands it over: the normalised event plus what only the intake knows. */
export type IncomingEvent = OrderEvent & { raw: string; sourceEventId?: string | null };

export type RecordOutcome = { stored: number; duplicates: number; orderIds: string[] };

/**
 * Appends events and rewrites the rollup of every order they touch in ONE transaction, so a status
 * is readable the moment the source is acknowledged and a crash never leaves one without the other.
 */
export async function recordEvents(
  db: Db,
  shop: string,
  events: readonly IncomingEvent[],
  receivedAt: Date,
): Promise<RecordOutcome> {
  if (events.length === 0) return { stored: 0, duplicates: 0, orderIds: [] };
  const orderIds = [...new Set(events.map((e) => e.orderId))].sort();
  return db.$transaction(async (tx) => {
    await lockOrders(db, tx, shop, orderIds);
    const keys = events.map((e) => e.dedupeKey);
    const existing = await tx.event.findMany({
      where: { shop, dedupeKey: { in: keys } },
      select: { dedupeKey: true },
    });
    const seen = new Set(existing.map((e) => e.dedupeKey));
    const fresh = events.filter((e) => {
      if (seen.has(e.dedupeKey)) return false;
      seen.add(e.dedupeKey);
      return true;
    });
    if (fresh.length === 0) return { stored: 0, duplicates: events.length, orderIds: [] };
    await tx.event.createMany({
      data: fresh.map((e) => ({
        shop,
        orderId: e.orderId,
        source: e.source,
        kind: e.kind,
        dedupeKey: e.dedupeKey,
        sourceEventId: e.sourceEventId ?? null,
        occurredAt: new Date(e.occurredAt),
        receivedAt,
        data: JSON.stringify(e.data),
        raw: e.raw,
      })),
    });
    const touched = [...new Set(fresh.map((e) => e.orderId))].sort();
    for (const orderId of touched) await refreshOrder(tx, shop, orderId);
    return { stored: fresh.length, duplicates: events.length - fresh.length, orderIds: touched };
  });
}

/**
 * Serialises writers of the same order across processes sharing PostgreSQL; SQLite already
 * serialises every write transaction.
 */
async function lockOrders(db: Db, tx: DbTransaction, shop: string, orderIds: readonly string[]) {
  if (databaseProviderOf(db) !== "postgresql") return;
  for (const orderId of orderIds) {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${shop}/${orderId}`}, 0))`;
  }
}

export async function loadOrderEvents(tx: DbTransaction | Db, shop: string, orderId: string) {
  const rows = await tx.event.findMany({
    where: { shop, orderId },
    orderBy: { id: "asc" },
  });
  return rows.map((row) => ({
    event: {
      source: row.source,
      kind: row.kind,
      orderId: row.orderId,
      occurredAt: row.occurredAt.toISOString(),
      dedupeKey: row.dedupeKey,
      data: JSON.parse(row.data),
    } as OrderEvent,
    receivedAt: row.receivedAt,
  }));
}

/** Recomputes one order's rollup from its whole log and stores it with its lookup rows. */
export async function refreshOrder(tx: DbTransaction, shop: string, orderId: string): Promise<RollupResult | null> {
  const stored = await loadOrderEvents(tx, shop, orderId);
  const events = stored.map((s) => s.event);
  const result = rollup(events, latestReceivedAt(stored));
  await writeRollup(tx, shop, orderId, result, stored);
  return result;
}

function latestReceivedAt(stored: ReadonlyArray<{ receivedAt: Date }>): Date {
  return new Date(Math.max(...stored.map((s) => s.receivedAt.getTime())));
}

async function writeRollup(
  tx: DbTransaction,
  shop: string,
  orderId: string,
  result: RollupResult,
  stored: ReadonlyArray<{ event: OrderEvent; receivedAt: Date }>,
) {
  const document = JSON.stringify(result.status);
  const updatedAt = new Date(result.status.updatedAt);
  const order = {
    name: result.order.name ?? "",
    emailHash: result.order.emailHash ?? null,
    phoneHash: result.order.phoneHash ?? null,
    customerId: result.order.customerId ?? null,
    status: result.status.status,
    document,
    eventCount: stored.length,
    placedAt: result.order.placedAt ? new Date(result.order.placedAt) : null,
    updatedAt,
  };
  await tx.order.upsert({
    where: { shop_orderId: { shop, orderId } },
    create: { shop, orderId, ...order },
    update: order,
  });

  await tx.shipment.deleteMany({ where: { shop, orderId } });
  await tx.trackingNumber.deleteMany({ where: { shop, orderId } });
  const shipments = result.status.shipments;
  if (shipments.length > 0) {
    await tx.shipment.createMany({
      data: shipments.map((s) => ({
        shop,
        orderId,
        shipmentId: s.id,
        status: s.status,
        carrier: s.carrier,
        trackingNumbers: s.trackingNumbers.join(" "),
        updatedAt,
      })),
    });
    const tracking = shipments.flatMap((s) =>
      [...new Set(s.trackingNumbers)].map((trackingNumber) => ({ shop, trackingNumber, orderId, shipmentId: s.id })),
    );
    if (tracking.length > 0) await tx.trackingNumber.createMany({ data: tracking });
  }

  const receivedBySource = new Map<string, Date>();
  for (const s of stored) {
    const prev = receivedBySource.get(s.event.source);
    if (!prev || prev < s.receivedAt) receivedBySource.set(s.event.source, s.receivedAt);
  }
  await tx.sourceClaim.deleteMany({ where: { shop, orderId } });
  if (result.sources.length > 0) {
    await tx.sourceClaim.createMany({
      data: result.sources.map((claim) => ({
        shop,
        orderId,
        source: claim.source,
        claim: claim.claim,
        occurredAt: new Date(claim.occurredAt),
        receivedAt: receivedBySource.get(claim.source) ?? updatedAt,
      })),
    });
  }
}
