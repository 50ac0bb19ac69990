/**
 * Runs registered jobs for each of their shops when due. The JobRun row of (job, shop) is the lease:
 * a process takes it with one conditional UPDATE (due, and not leased or lease expired), so however
 * many processes share the database, one of them runs it; the others' UPDATE matches no row.
 * SQLite (one process) takes the same path.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Db } from "../db.server";
import { RetryJobLater, type JobDefinition } from "./registry.server";

/** A recorded run error ("ErrorName: message", as the scheduler stores it) as a merchant reads it: the message. */
export const jobErrorMessage = (lastError: string): string => lastError.replace(/^\w+: /, "");

export type RunReport = { job: string; shop: string; ok: boolean; error?: string };

export type SchedulerOptions = {
  db: Db;
  jobs: () => JobDefinition[];
  /** identifies this process in the lease; default host/pid/random */
  owner?: string;
  clock?: () => Date;
  onRun?: (report: RunReport) => void;
  /** how many shops' runs this process carries at once (DEFAULT_JOB_CONCURRENCY) */
  concurrency?: number;
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
  let retryInMs: number | null = null;
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
    if (e instanceof RetryJobLater) retryInMs = e.runAgainInMs;
  } finally {
    clearInterval(renew);
  }
  const finished = clock();
  const delay = error === null ? (outcome && typeof outcome.runAgainInMs === "number" ? outcome.runAgainInMs : job.everyMs) : (retryInMs ?? job.everyMs);
  await db.jobRun.updateMany({
    where: { job: job.name, shop, leaseOwner: owner },
    data: { leaseOwner: null, leaseUntil: null, lastFinishedAt: finished, lastError: error, nextRunAt: new Date(finished.getTime() + delay) },
  });
  return error === null ? { job: job.name, shop, ok: true } : { job: job.name, shop, ok: false, error };
}

/** How many shops' runs one process carries at once, unless JOBS_CONCURRENCY says otherwise. */
export const DEFAULT_JOB_CONCURRENCY = 4;

/**
 * Runs due work in lanes, one lane per shop: a shop's runs go one after another (one process never
 * floods a shop's API quota), while up to `concurrency` shops run side by side, so a shop whose run
 * is slow or stalled (its SFTP server stops answering) holds up its own lane only.
 */
class JobLanes {
  /** shops with a lane queued or running in this process; a pass leaves them to that lane */
  private readonly busy = new Set<string>();
  private readonly queued: Array<() => void> = [];
  private running = 0;

  constructor(
    private readonly options: SchedulerOptions & { owner: string },
    private readonly concurrency: number,
  ) {}

  /**
   * Finds due (job, shop) pairs and starts a lane for each shop that has some. Resolves once the
   * lanes are started, with `finished`: their reports (in job order, then due order) once they end.
   */
  async startDue(): Promise<{ finished: Promise<RunReport[]> }> {
    const { db } = this.options;
    const clock = this.options.clock ?? (() => new Date());
    const lanes = new Map<string, Array<{ job: JobDefinition; order: number }>>();
    let order = 0;
    for (const job of this.options.jobs()) {
      const now = clock();
      const shops = (await job.shops(db)).filter((shop) => !this.busy.has(shop));
      await ensureRows(db, job, shops, now);
      const due = await db.jobRun.findMany({
        where: { job: job.name, shop: { in: shops }, nextRunAt: { lte: now }, OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }] },
        select: { shop: true },
        orderBy: { nextRunAt: "asc" },
      });
      for (const { shop } of due) lanes.set(shop, [...(lanes.get(shop) ?? []), { job, order: order++ }]);
    }
    for (const shop of lanes.keys()) this.busy.add(shop);
    const started = [...lanes].map(([shop, runs]) => this.runLane(shop, runs));
    return { finished: Promise.all(started).then((reports) => reports.flat().sort((a, b) => a.order - b.order).map(({ report }) => report)) };
  }

  private async runLane(shop: string, runs: Array<{ job: JobDefinition; order: number }>) {
    const { db, owner } = this.options;
    const clock = this.options.clock ?? (() => new Date());
    const reports: Array<{ report: RunReport; order: number }> = [];
    try {
      await this.slot();
      try {
        for (const { job, order } of runs) {
          if (!(await acquireLease(db, job.name, shop, owner, clock(), job.leaseMs))) continue;
          const report = await runLeased(db, job, shop, owner, clock);
          this.options.onRun?.(report);
          reports.push({ report, order });
        }
      } finally {
        this.running -= 1;
        this.queued.shift()?.();
      }
    } finally {
      this.busy.delete(shop);
    }
    return reports;
  }

  private async slot(): Promise<void> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.queued.push(resolve));
    this.running += 1;
  }
}

/**
 * One pass: for every job and shop that is due, take the lease and run, shops side by side (see
 * JobLanes). Returns what ran here once all of it has finished (runs of other processes are theirs).
 */
export async function runDueJobs(options: SchedulerOptions & { owner: string }): Promise<RunReport[]> {
  const { finished } = await new JobLanes(options, options.concurrency ?? DEFAULT_JOB_CONCURRENCY).startDue();
  return await finished;
}

/**
 * Looks for due work every tick until stopped. A tick does not wait for the runs it started: the
 * next one starts lanes for other shops while a slow shop's lane is still busy.
 */
export function startScheduler(options: SchedulerOptions & { tickMs?: number }): { stop(): Promise<void> } {
  const owner = options.owner ?? processOwner();
  const tickMs = options.tickMs ?? 5000;
  const lanes = new JobLanes({ ...options, owner }, options.concurrency ?? DEFAULT_JOB_CONCURRENCY);
  const failed = (error: unknown) => console.error("scheduled jobs failed:", error instanceof Error ? error.message : "unknown error");
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = lanes
      .startDue()
      .then(({ finished }) => {
        const run = finished.catch(failed).finally(() => running.delete(run));
        running.add(run);
      })
      .catch(failed)
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
      await Promise.all(running);
    },
  };
}
