import type { Db } from "../../db.server";

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
