import type { Db } from "../../db.server";
import { jobErrorMessage } from "../../jobs/scheduler.server";
import type { BackfillState } from "./backfill.server";

export const BACKFILL_JOB = "shopify-backfill";

/**
 * On install (call it before the shop is marked installed): backfill the shop's recent orders at the
 * next scheduler tick. A shop whose backfill exists keeps it, because afterAuth also runs when an
 * offline token is renewed; a reinstall starts a fresh one, as the uninstalled time may be a gap.
 */
export async function scheduleBackfill(db: Db, shop: string, now = new Date()): Promise<void> {
  const existing = await db.jobRun.findUnique({ where: { job_shop: { job: BACKFILL_JOB, shop } }, select: { job: true } });
  const shopRow = await db.shop.findUnique({ where: { domain: shop }, select: { uninstalledAt: true } });
  if (existing && !shopRow?.uninstalledAt) return;
  await db.jobRun.upsert({
    where: { job_shop: { job: BACKFILL_JOB, shop } },
    create: { job: BACKFILL_JOB, shop, nextRunAt: now },
    update: { nextRunAt: now, state: "{}", lastError: null },
  });
}

export type BackfillProgress = {
  /** scheduled: not run yet; listing: Shopify's bulk operation lists the window; comparing: its orders are compared */
  phase: "scheduled" | "listing" | "comparing" | "done";
  /** orders updated since then are compared */
  since: string | null;
  startedAt: string | null;
  /** what the operation has listed (its running objectCount), and how many of them are compared */
  listed: number | null;
  compared: number;
  completedAt: string | null;
  /** the last run failed: why, when, failures in a row, and when it is tried again */
  failure: { error: string; at: string | null; attempts: number; nextTryAt: string } | null;
};

/** The shop's install backfill as the Overview shows it; null when the shop never had one. */
export async function backfillProgress(db: Db, shop: string): Promise<BackfillProgress | null> {
  const row = await db.jobRun.findUnique({
    where: { job_shop: { job: BACKFILL_JOB, shop } },
    select: { state: true, lastError: true, lastFinishedAt: true, nextRunAt: true },
  });
  if (!row) return null;
  const state = JSON.parse(row.state) as BackfillState;
  const comparing = state.operationStatus === "COMPLETED" || state.file === "partial";
  return {
    phase: state.done ? "done" : !state.since ? "scheduled" : comparing ? "comparing" : "listing",
    since: state.since ?? null,
    startedAt: state.startedAt ?? null,
    listed: state.operationId || state.done ? (state.objectCount ?? 0) : null,
    compared: state.processed ?? 0,
    completedAt: state.completedAt ?? null,
    failure: row.lastError
      ? {
          error: jobErrorMessage(row.lastError),
          at: row.lastFinishedAt?.toISOString() ?? null,
          attempts: state.attempts ?? 1,
          nextTryAt: row.nextRunAt.toISOString(),
        }
      : null,
  };
}
