/**
 * The registry of scheduled work. A job runs for one shop at a time; the scheduler
 * (scheduler.server.ts) makes sure each (job, shop) runs once per interval across every app process
 * sharing the database. See docs/decisions/ (jobs: a lease table).
 */
import type { Db } from "../db.server";

export type JobContext = {
  db: Db;
  shop: string;
  now: Date;
  /** What the job saved last time (its watermark or cursor), {} at first. */
  state: Record<string, unknown>;
  /** Persists the job's position at once, so a crash or restart resumes from here. */
  saveState(state: Record<string, unknown>): Promise<void>;
};

/** A job may ask to run again sooner or later than its interval (e.g. a per-shop schedule). */
export type JobOutcome = void | { runAgainInMs?: number };

/**
 * Thrown by a run that failed and keeps a backoff of its own: the scheduler records `failure` as the
 * run's error, as for any failure, but runs the job again `runAgainInMs` later instead of after its
 * interval (a job whose interval is a month would otherwise not retry for a month).
 */
export class RetryJobLater extends Error {
  constructor(
    readonly failure: unknown,
    readonly runAgainInMs: number,
  ) {
    super(failure instanceof Error ? failure.message : "failed");
    this.name = failure instanceof Error ? failure.name : "Error";
  }
}

export type JobDefinition = {
  name: string;
  everyMs: number;
  runForShop(context: JobContext): Promise<JobOutcome>;
  /** The shops to run for; default: every installed shop. */
  shops(db: Db): Promise<string[]>;
  /** How long a run may hold the lease before another process may take over; renewed while running. */
  leaseMs: number;
};

const jobs = new Map<string, JobDefinition>();

export async function installedShops(db: Db): Promise<string[]> {
  const rows = await db.shop.findMany({ where: { uninstalledAt: null }, select: { domain: true }, orderBy: { domain: "asc" } });
  return rows.map((r) => r.domain);
}

/** Drops shops that uninstalled the app; shops never seen installed (the demo shop) stay. */
export async function withoutUninstalled(db: Db, shops: readonly string[]): Promise<string[]> {
  if (shops.length === 0) return [];
  const gone = new Set((await db.shop.findMany({ where: { domain: { in: [...shops] }, uninstalledAt: { not: null } }, select: { domain: true } })).map((s) => s.domain));
  return shops.filter((s) => !gone.has(s));
}

export function registerJob(
  name: string,
  everyMs: number,
  runForShop: JobDefinition["runForShop"],
  options: { shops?: JobDefinition["shops"]; leaseMs?: number } = {},
): JobDefinition {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`job names are kebab-case: ${name}`);
  if (!(everyMs > 0)) throw new Error(`job ${name}: everyMs must be positive`);
  const job: JobDefinition = { name, everyMs, runForShop, shops: options.shops ?? installedShops, leaseMs: options.leaseMs ?? 5 * 60_000 };
  jobs.set(name, job);
  return job;
}

export function registeredJobs(): JobDefinition[] {
  return [...jobs.values()];
}
