import type { Db, DbTransaction } from "../db.server";
import type { OrderEvent } from "../domain/events";
import { rollup, type RollupResult } from "../domain/rollup";

/** An event as the intake hands it over: the normalised event plus what only the intake knows. */
export type IncomingEvent = OrderEvent & { raw: string; sourceEventId?: string | null };

export type EventSubmission = { shop: string; events: readonly IncomingEvent[]; receivedAt: Date };

/** `refused`: nothing of the submission was stored, and why (an order recorded under another shop). */
export type RecordOutcome = { stored: number; duplicates: number; orderIds: string[]; refused?: string };

export type StoredEvent = { event: OrderEvent; receivedAt: Date };

/** The rollup as stored: computed at the latest receipt, so it is a pure function of the log. */
export function rollupStored(stored: readonly StoredEvent[]): RollupResult {
  const latest = new Date(Math.max(...stored.map((s) => s.receivedAt.getTime())));
  return rollup(
    stored.map((s) => s.event),
    latest,
  );
}

/** One order's log through Prisma: the independent reader replay compares the writer against. */
export async function loadOrderEvents(db: DbTransaction | Db, shop: string, orderId: string): Promise<StoredEvent[]> {
  const rows = await db.event.findMany({
    where: { shop, orderId },
    orderBy: { id: "asc" },
    select: { source: true, kind: true, orderId: true, occurredAt: true, dedupeKey: true, data: true, receivedAt: true },
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
