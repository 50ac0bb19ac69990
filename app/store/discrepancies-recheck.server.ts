/**
 * The scheduled re-check: time alone opens "stalled" and "past estimate" and ends grace periods, so
 * orders whose answer is due to change are re-evaluated at their DiscrepancyCheck.dueAt.
 *
 * It is a job of the shared scheduler (app/jobs/), so with several app processes on one PostgreSQL
 * each shop is re-checked by one of them at a time.
 */
import type { Db } from "../db.server";
import { registerJob, withoutUninstalled } from "../jobs/registry.server";
import { openEventLogWriter } from "./event-log/index.server";
import { refreshOrders } from "./event-log/event-log-writer.server";
import type { SqlWriterConnection } from "./event-log/sql-session.server";
import { sqlDate } from "./event-log/sql-session.server";

export const RECHECK_JOB = "discrepancy-recheck";
export const RECHECK_EVERY_MS = 60_000;

/**
 * Re-evaluates one shop's orders due by `now`, in batches, each in a transaction of its own through
 * the writer (same locks, same code path as the intake). Returns how many orders were re-checked.
 * Indexed on (shop, dueAt): when nothing is due it is one index probe.
 */
export async function recheckDueOrders(connection: SqlWriterConnection, shop: string, now: Date, batchSize = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await connection.transaction((sql) =>
      sql.all<{ orderId: string }>(`SELECT "orderId" FROM "DiscrepancyCheck" WHERE "shop" = ? AND "dueAt" <= ? ORDER BY "dueAt" LIMIT ${Math.floor(batchSize)}`, [
        shop,
        sqlDate(now, connection.dialect),
      ]),
    );
    if (due.length === 0) return total;
    await refreshOrders(connection, due.map(({ orderId }) => ({ shop, orderId })), { now });
    total += due.length;
    if (due.length < batchSize) return total;
  }
}

/** Shops that have ever sent an event (a few rows), demo shop included, installed or not yet recorded. */
export async function shopsWithEvents(db: Db): Promise<string[]> {
  const rows = await db.sourceHealth.groupBy({ by: ["shop"], orderBy: { shop: "asc" } });
  return rows.map((r) => r.shop);
}

// The intake's writer connection belongs to its group committer (one transaction at a time on SQLite),
// so the re-check writes through a connection of its own; SQLite's busy timeout queues the two.
let recheckWriter: SqlWriterConnection | undefined;

/** Registers the re-check with the shared scheduler (called from app/jobs/app-jobs.server.ts). */
export function registerDiscrepancyRecheckJob(): void {
  registerJob(
    RECHECK_JOB,
    RECHECK_EVERY_MS,
    async ({ shop, now }) => {
      recheckWriter ??= openEventLogWriter();
      await recheckDueOrders(recheckWriter, shop, now);
    },
    { shops: async (db) => withoutUninstalled(db, await shopsWithEvents(db)), leaseMs: 5 * 60_000 },
  );
}
