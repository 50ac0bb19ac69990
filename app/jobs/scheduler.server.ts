/**
 * Runs registered jobs for each of their shops when due. The JobRun row of (job, shop) is the lease:
 * a process takes it with one conditional UPDATE (due, and not leased or lease expired), so however
 * many processes share the database, one of them runs it; the others' UPDATE matches no row.
 * SQLite (one process) takes the same path.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Db } from "../db.server";
import type { JobDefinition } from "./registry.server";

export type RunReport = { job: string; shop: string; ok: boolean; error?: string };

export type SchedulerOptions = {
  db: Db;
  jobs: () => JobDefinition[];
  /** identifies this process in the lease; default host/pid/random */
  owner?: string;
  clock?: () => Date;
  onRun?: (report: RunReport) => void;
};

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "P2002";

export function processOwner(): string {
  return `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

async function ensureRows(db: Db, job: JobDefinition, shops: readonly string[], now: Date) {
  if (shops.length === 0) return;
  const known = new Set((await db.jobRun.findMany({ where: { job: job.name, shop: { in: [...shops] } }, select: { shop: true } })).map((r) => r.shop));
  for (const shop of shops) {
    if (known.has(shop)) continue;
    try {
      await db.jobRun.create({ data: { job: job.name, shop, nextRunAt: now } });
    } catch (error) {
      // Another process created it between our read and our insert.
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

/** Takes the lease of (job, shop) if it is due and free; true when this process now holds it. */
export async function acquireLease(db: Db, job: string, shop: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const taken = await db.jobRun.updateMany({
    where: { job, shop, nextRunAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
    data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs), lastStartedAt: now },
  });
  return taken.count === 1;
}

/** Asks for the job to run at the next tick (e.g. after its settings changed). */
export async function scheduleNow(db: Db, job: string, shop: string, now = new Date()): Promise<void> {
  await db.jobRun.upsert({ where: { job_shop: { job, shop } }, create: { job, shop, nextRunAt: now }, update: { nextRunAt: now } });
}

async function runLeased(db: Db, job: JobDefinition, shop: string, owner: string, clock: () => Date): Promise<RunReport> {
  const row = await db.jobRun.findUniqueOrThrow({ where: { job_shop: { job: job.name, shop } }, select: { state: true } });
  const renew = setInterval(() => {
    void db.jobRun
      .updateMany({ where: { job: job.name, shop, leaseOwner: owner }, data: { leaseUntil: new Date(clock().getTime() + job.leaseMs) } })
      .catch(() => undefined);
  }, Math.max(job.leaseMs / 3, 1000));
  renew.unref();
  let outcome: Awaited<ReturnType<JobDefinition["runForShop"]>> = undefined;
  let error: string | null = null;
  try {
    outcome = await job.runForShop({
      db,
      shop,
      now: clock(),
      state: JSON.parse(row.state) as Record<string, unknown>,
      saveState: async (state) => {
        await db.jobRun.updateMany({ where: { job: job.name, shop, leaseOwner: owner }, data: { state: JSON.stringify(state) } });
      },
    });
  } catch (e) {
    // Only the message: a job's error must not carry tokens or customer data into the log table.
    error = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 1000) : "failed";
  } finally {
    clearInterval(renew);
  }
  const finished = clock();
  const delay = error === null && outcome && typeof outcome.runAgainInMs === "number" ? outcome.runAgainInMs : job.everyMs;
  await db.jobRun.updateMany({
    where: { job: job.name, shop, leaseOwner: owner },
    data: { leaseOwner: null, leaseUntil: null, lastFinishedAt: finished, lastError: error, nextRunAt: new Date(finished.getTime() + delay) },
  });
  return error === null ? { job: job.name, shop, ok: true } : { job: job.name, shop, ok: false, error };
}

/**
 * One pass: for every job and shop that is due, take the lease and run. Returns what ran here
 * (runs of other processes are theirs). Runs of one pass go one after another, so one process never
 * floods a shop's API quota.
 */
export async function runDueJobs(options: SchedulerOptions & { owner: string }): Promise<RunReport[]> {
  const clock = options.clock ?? (() => new Date());
  const reports: RunReport[] = [];
  for (const job of options.jobs()) {
    const now = clock();
    const shops = await job.shops(options.db);
    await ensureRows(options.db, job, shops, now);
    const due = await options.db.jobRun.findMany({
      where: { job: job.name, shop: { in: shops }, nextRunAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
      select: { shop: true },
      orderBy: { nextRunAt: "asc" },
    });
    for (const { shop } of due) {
      if (!(await acquireLease(options.db, job.name, shop, options.owner, clock(), job.leaseMs))) continue;
      const report = await runLeased(options.db, job, shop, options.owner, clock);
      options.onRun?.(report);
      reports.push(report);
    }
  }
  return reports;
}

/** Ticks runDueJobs until stopped; a tick never overlaps the previous one. */
export function startScheduler(options: SchedulerOptions & { tickMs?: number }): { stop(): Promise<void> } {
  const owner = options.owner ?? processOwner();
  const tickMs = options.tickMs ?? 5000;
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = runDueJobs({ ...options, owner })
      .catch((error: unknown) => console.error("scheduled jobs failed:", error instanceof Error ? error.message : "unknown error"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, tickMs);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
