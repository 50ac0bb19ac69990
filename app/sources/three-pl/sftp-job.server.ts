import type { Db } from "../../db.server";
import { withoutUninstalled, type JobContext, type JobOutcome } from "../../jobs/registry.server";
import type { RecordEvents } from "../feed-delivery.server";
import { PICKUP_LIMITS, SftpPickupUnfinished, loadSftpSettings, pickUpFiles, type PickupLimits } from "./sftp-pickup.server";

export const SFTP_PICKUP_JOB = "sftp-pickup";
/** How often the job looks for shops whose pickup was just switched on. */
export const SFTP_IDLE_RECHECK_MS = 60 * 60_000;

export async function shopsWithSftpPickup(db: Db): Promise<string[]> {
  const rows = await db.threePlFeed.findMany({ where: { sftpEnabled: true }, select: { shop: true }, orderBy: { shop: "asc" } });
  return withoutUninstalled(db, rows.map((r) => r.shop));
}

/**
 * One scheduled pickup for one shop; the next one follows the shop's own schedule. A pickup that
 * times out fails the run (its error is shown in Settings), which releases the lease; so does one that
 * stopped at a limit before its last file, once the host key is pinned, so Settings says why.
 */
export async function runSftpPickup(context: JobContext, key: Buffer, record: RecordEvents, limits: PickupLimits = PICKUP_LIMITS): Promise<JobOutcome> {
  const settings = await loadSftpSettings(context.db, context.shop, key);
  if (!settings) return { runAgainInMs: SFTP_IDLE_RECHECK_MS };
  const report = await pickUpFiles({ db: context.db, record }, context.shop, settings, () => new Date(), limits);
  // Trust on first use: the first key seen is pinned, later connections must present the same one.
  if (!settings.hostKey && report.hostKey) {
    await context.db.threePlFeed.update({ where: { shop: context.shop }, data: { sftpHostKey: report.hostKey } });
  }
  if (report.unfinished) throw new SftpPickupUnfinished(report.unfinished);
  return { runAgainInMs: Math.max(settings.everyMinutes, 1) * 60_000 };
}
