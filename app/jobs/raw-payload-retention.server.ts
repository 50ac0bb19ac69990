/**
 * Raw payload retention: each event's raw copy (the body as received) is replaced by a marker once it
 * is older than the shop's rawPayloadRetentionDays. The normalised event (Event.data), which the
 * rollup and `npm run replay` read, stays; only re-normalising an old body becomes impossible.
 * See docs/decisions/018-personal-data-and-compliance.md.
 */
import type { Db } from "../db.server";
import { SOURCES } from "../domain/events";
import { PENDING_KEEP_DAYS } from "../sources/feed-delivery.server";
import { shopsWithEvents } from "../store/discrepancies-recheck.server";
import { getPrivacySettings } from "../store/privacy.server";
import { registerJob, type JobContext, type JobOutcome } from "./registry.server";

export const RAW_PAYLOAD_RETENTION_JOB = "raw-payload-retention";
export const PRUNED_RAW = JSON.stringify({ pruned: true });
const DAY = 86_400_000;

/**
 * A feed row that waited for its order is recorded with the time it arrived, up to PENDING_KEEP_DAYS
 * back, so a sweep looks that far behind where the last one ended.
 */
const LATE_RECORDING_MS = PENDING_KEEP_DAYS * DAY;

/**
 * Where pruning stands. `sweptBefore`: every event received before it was pruned at the end of the
 * last complete sweep. `resume`: per source, how far the sweep under way has come.
 */
type RetentionState = { sweptBefore?: string; resume?: Partial<Record<string, string>> };

export type RetentionLimits = { batchSize: number; batchesPerRun: number };
const LIMITS: RetentionLimits = { batchSize: 500, batchesPerRun: 40 };

/**
 * One run for one shop. Per source, events are read in receivedAt order on the (shop, source,
 * receivedAt) index and rewritten a batch at a time, each batch its own short write, so the intake
 * is never held up for long. A run stops after `batchesPerRun` batches and asks to run again soon;
 * the saved position keeps the next run from re-reading what this one did.
 */
export async function pruneRawPayloads(context: JobContext, limits: RetentionLimits = LIMITS): Promise<JobOutcome> {
  const { db, shop, now } = context;
  const state = context.state as RetentionState;
  const { rawPayloadRetentionDays } = await getPrivacySettings(db, shop);
  const cutoff = new Date(now.getTime() - rawPayloadRetentionDays * DAY);
  const sweepFrom = state.sweptBefore ? new Date(Date.parse(state.sweptBefore) - LATE_RECORDING_MS) : new Date(0);
  const resume = { ...state.resume };
  // Only batches that rewrote rows count against the run's budget: finding nothing is one index probe.
  let writes = 0;
  for (const source of SOURCES) {
    let from = resume[source] ? new Date(resume[source]) : sweepFrom;
    for (;;) {
      if (writes === limits.batchesPerRun) {
        await context.saveState({ ...state, resume: { ...resume, [source]: from.toISOString() } });
        return { runAgainInMs: 1000 };
      }
      const rows = await pruneBatch(db, shop, source, from, cutoff, limits.batchSize);
      if (rows.length === 0) break;
      writes += 1;
      from = rows[rows.length - 1]!.receivedAt;
      if (rows.length < limits.batchSize) break;
    }
    resume[source] = cutoff.toISOString();
  }
  await context.saveState({ sweptBefore: cutoff.toISOString() });
}

async function pruneBatch(db: Db, shop: string, source: string, from: Date, cutoff: Date, size: number) {
  const rows = await db.event.findMany({
    where: { shop, source, receivedAt: { gte: from, lt: cutoff }, raw: { not: PRUNED_RAW } },
    orderBy: { receivedAt: "asc" },
    take: size,
    select: { id: true, receivedAt: true },
  });
  if (rows.length > 0) await db.event.updateMany({ where: { id: { in: rows.map((r) => r.id) } }, data: { raw: PRUNED_RAW } });
  return rows;
}

/** Registered from app/jobs/app-jobs.server.ts. Uninstalled shops are swept too: their data stays until shop/redact. */
export function registerRawPayloadRetentionJob(): void {
  registerJob(RAW_PAYLOAD_RETENTION_JOB, DAY, pruneRawPayloads, { shops: shopsWithEvents });
}
