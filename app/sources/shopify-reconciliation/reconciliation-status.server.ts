/** The scheduled reconciliation as the Overview shows it: how far it has compared, and whether it fails. */
import type { Db } from "../../db.server";
import { jobErrorMessage } from "../../jobs/scheduler.server";
import { RECONCILIATION_JOB, type WatermarkState } from "./reconcile.server";

export type ReconciliationStatus = {
  /** every order Shopify updated before this has been compared; null before the first run completes a page */
  comparedUpTo: string | null;
  /** a backlog larger than one run is being worked through */
  catchingUp: boolean;
  lastRunAt: string | null;
  nextRunAt: string;
  /** the last run failed: why, in the merchant's words */
  error: string | null;
};

/** null when the shop has no reconciliation (no offline access yet, or jobs never ran). */
export async function reconciliationStatus(db: Db, shop: string): Promise<ReconciliationStatus | null> {
  const row = await db.jobRun.findUnique({
    where: { job_shop: { job: RECONCILIATION_JOB, shop } },
    select: { state: true, lastError: true, lastFinishedAt: true, nextRunAt: true },
  });
  if (!row) return null;
  const state = JSON.parse(row.state) as WatermarkState;
  return {
    comparedUpTo: state.watermark ?? null,
    catchingUp: state.search !== undefined,
    lastRunAt: row.lastFinishedAt?.toISOString() ?? null,
    nextRunAt: row.nextRunAt.toISOString(),
    error: row.lastError ? jobErrorMessage(row.lastError) : null,
  };
}
