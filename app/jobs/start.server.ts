import { getPrisma } from "../db.server";
import { registerAppJobs } from "./app-jobs.server";
import { registeredJobs } from "./registry.server";
import { DEFAULT_JOB_CONCURRENCY, startScheduler } from "./scheduler.server";

let running: { stop(): Promise<void> } | null = null;

/**
 * Starts the scheduler in this process (server/index.js calls it once). JOBS=0 turns it off, e.g. for
 * a web-only process; under the test runner it stays off unless a test sets JOBS=1.
 */
export function startJobs(env: Record<string, string | undefined> = process.env): { stop(): Promise<void> } | null {
  if (running) return running;
  if (env.JOBS === "0" || (env.VITEST && env.JOBS !== "1")) return null;
  registerAppJobs();
  running = startScheduler({
    db: getPrisma(),
    jobs: registeredJobs,
    tickMs: Number(env.JOBS_TICK_MS) || 5000,
    concurrency: Number(env.JOBS_CONCURRENCY) || DEFAULT_JOB_CONCURRENCY,
    onRun: (report) => {
      if (!report.ok) console.error(`job ${report.job} failed for ${report.shop}: ${report.error}`);
    },
  });
  return running;
}
