/**
 * The install backfill: a bulk operation lists the orders updated in the last BACKFILL_DAYS days, whose
 * details are then compared like a recheck (reconcile.server.ts). Every step is saved in the job's
 * state, so a restart picks up the same operation and skips what was already compared, and every
 * failure is retried minutes later with a backoff of its own (decision 027).
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { RetryJobLater, type JobContext, type JobOutcome } from "../../jobs/registry.server";
import { adminQuery } from "./admin-graphql.server";
import { BULK_OPERATION_QUERY, BY_ID_CHUNK, START_BACKFILL_MUTATION, backfillBulkQuery } from "./queries";
import { emptyReport, reconcileByIds, RUN_TIME_LIMIT_MS, type ReconcileDeps, type ReconcileReport } from "./reconcile.server";

/** BulkOperationStatus of the Admin API (2026-07). */
export type BulkOperationStatus = "CANCELED" | "CANCELING" | "COMPLETED" | "CREATED" | "EXPIRED" | "FAILED" | "RUNNING";

export type BackfillState = {
  /** lower bound of the window, fixed when the backfill first runs: a retry days later still covers it */
  since?: string;
  startedAt?: string;
  /** the bulk operation listing the window, with its status and running object count at the last read */
  operationId?: string;
  operationStatus?: BulkOperationStatus;
  objectCount?: number;
  /** which file of the operation is being compared: its result, or the partial data of a failed one */
  file?: "result" | "partial";
  /** ids of that file compared so far; a restart skips them */
  processed?: number;
  /** failures in a row since the last completed operation: the next try waits retryDelayMs(attempts) */
  attempts?: number;
  done?: boolean;
  completedAt?: string;
};

export type BackfillOutcome =
  | { finished: true; report: ReconcileReport }
  | { finished: false; report: ReconcileReport; runAgainInMs: number; failure?: unknown };

export type BackfillOptions = {
  days?: number;
  pollIntervalMs?: number;
  /** ids compared between two saves of the position (default: one by-id read) */
  chunkSize?: number;
  clock?: () => Date;
  /** a run compares for at most this long, then asks to run again at once (default RUN_TIME_LIMIT_MS) */
  timeLimitMs?: number;
};

export const BACKFILL_DAYS = 60;
/** A finished backfill is not repeated; a reinstall schedules it again (scheduleBackfill). */
export const BACKFILL_DONE_RECHECK_MS = 30 * 24 * 3_600_000;
const POLLS_PER_RUN = 30;
const POLL_INTERVAL_MS = 2000;
/** An operation still running after a run's polls is read again this much later. */
const WAIT_AGAIN_MS = 30_000;
const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 60 * 60_000;

/** 1, 2, 4 … minutes after each failure in a row, at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.max(0, attempts - 1));
}

type BulkOperation = { id: string; status: BulkOperationStatus; errorCode: string | null; objectCount: string; url: string | null; partialDataUrl: string | null };

/** Shopify still works on it: CANCELING ends in CANCELED, after which a new operation is started. */
const UNSETTLED = new Set<BulkOperationStatus>(["CREATED", "RUNNING", "CANCELING"]);

/**
 * A failure of the backfill itself (as opposed to an Admin API call). `startOver`: the operation
 * cannot give its orders any more (failed, cancelled, expired, gone), so the next try starts a new one.
 */
class BackfillFailure extends Error {
  constructor(
    message: string,
    readonly startOver: boolean,
  ) {
    super(message);
    this.name = "BackfillFailure";
  }
}

const withoutOperation = ({ since, startedAt, attempts }: BackfillState): BackfillState => ({ since, startedAt, attempts });

/**
 * Runs the backfill as far as it can now. `finished: false` says when to run again: soon while Shopify
 * builds the list, after a backoff when something failed (`failure`, already counted in the state).
 */
export async function backfillRecentOrders(
  deps: ReconcileDeps,
  context: { shop: string; now: Date; state: BackfillState; saveState(state: BackfillState): Promise<void> },
  options: BackfillOptions = {},
): Promise<BackfillOutcome> {
  const report = emptyReport();
  const clock = options.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let state = context.state;
  if (state.done) return { finished: true, report };
  const save = async (next: BackfillState) => {
    state = next;
    await context.saveState(next);
  };

  const stopAt = clock().getTime() + (options.timeLimitMs ?? RUN_TIME_LIMIT_MS);
  /**
   * Compares the orders a JSONL file lists, from the saved position on, saving after every chunk; false
   * when the run's time is up first (the next run goes on from the saved position).
   */
  const compareListed = async (url: string): Promise<boolean> => {
    const ids = await listedOrderIds(await (deps.download ?? fetch)(url));
    let processed = state.processed ?? 0;
    while (processed < ids.length) {
      if (clock().getTime() >= stopAt) return false;
      const chunk = ids.slice(processed, processed + (options.chunkSize ?? BY_ID_CHUNK));
      await reconcileByIds(deps, context.shop, chunk, report);
      processed += chunk.length;
      await save({ ...state, processed });
    }
    return true;
  };

  try {
    if (!state.since) {
      const since = new Date(context.now.getTime() - (options.days ?? BACKFILL_DAYS) * 86_400_000).toISOString();
      await save({ since, startedAt: clock().toISOString(), attempts: state.attempts ?? 0 });
    }
    if (!state.operationId) await save({ ...state, ...(await startOperation(deps, state.since!)) });

    let operation: BulkOperation | null = null;
    for (let poll = 1; ; poll += 1) {
      operation = (await adminQuery<{ bulkOperation: BulkOperation | null }>(deps.graphql, BULK_OPERATION_QUERY, { id: state.operationId }, { sleep: deps.sleep })).bulkOperation;
      if (!operation) throw new BackfillFailure(`Shopify no longer knows the bulk operation ${state.operationId}`, true);
      const objectCount = Number(operation.objectCount);
      if (operation.status !== state.operationStatus || objectCount !== state.objectCount) {
        // A completed operation ends the run of failures: a later failure backs off from the start.
        const completed = operation.status === "COMPLETED" && state.operationStatus !== "COMPLETED";
        await save({ ...state, operationStatus: operation.status, objectCount, ...(completed ? { attempts: 0 } : {}) });
      }
      if (!UNSETTLED.has(operation.status) || poll >= POLLS_PER_RUN) break;
      await sleep(options.pollIntervalMs ?? POLL_INTERVAL_MS);
    }
    if (UNSETTLED.has(operation.status)) return { finished: false, report, runAgainInMs: WAIT_AGAIN_MS };

    if (operation.status === "COMPLETED") {
      // No url: nothing was updated in the window.
      if (operation.url && !(await compareListed(operation.url))) return { finished: false, report, runAgainInMs: 0 };
      await save({ done: true, since: state.since, startedAt: state.startedAt, completedAt: clock().toISOString(), objectCount: state.objectCount, processed: state.processed });
      return { finished: true, report };
    }
    // What a failed operation did list is compared before starting over: comparing twice is harmless.
    if (operation.status === "FAILED" && operation.partialDataUrl) {
      if (state.file !== "partial") await save({ ...state, file: "partial", processed: 0 });
      if (!(await compareListed(operation.partialDataUrl))) return { finished: false, report, runAgainInMs: 0 };
    }
    throw new BackfillFailure(`Shopify's bulk operation ${operation.status.toLowerCase()}${operation.errorCode ? ` (${operation.errorCode})` : ""}`, true);
  } catch (failure) {
    const attempts = (state.attempts ?? 0) + 1;
    const next = failure instanceof BackfillFailure && failure.startOver ? withoutOperation(state) : state;
    // The run reports this failure either way; a database that also refuses the save only loses the count.
    await context.saveState({ ...next, attempts }).catch(() => undefined);
    return { finished: false, report, runAgainInMs: retryDelayMs(attempts), failure };
  }
}

async function startOperation(deps: ReconcileDeps, since: string): Promise<BackfillState> {
  const started = await adminQuery<{
    bulkOperationRunQuery: { bulkOperation: { id: string; status: BulkOperationStatus } | null; userErrors: Array<{ message: string }> };
  }>(deps.graphql, START_BACKFILL_MUTATION, { query: backfillBulkQuery(since) }, { sleep: deps.sleep });
  const { bulkOperation, userErrors } = started.bulkOperationRunQuery;
  // Refused (for instance this app's bulk queries on the shop at their limit): tried again after the backoff.
  if (!bulkOperation) throw new BackfillFailure(`Shopify did not start the bulk operation: ${userErrors.map((e) => e.message).join("; ")}`, false);
  return { operationId: bulkOperation.id, operationStatus: bulkOperation.status, objectCount: 0, file: "result", processed: 0 };
}

/** Order gids from a bulk operation's JSONL file (one object per line; child lines carry __parentId). */
async function listedOrderIds(response: Response): Promise<string[]> {
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    // Shopify's storage refuses a file whose signed URL has expired: only a new operation lists the orders again.
    const refused = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    throw new BackfillFailure(`downloading the list of orders failed (HTTP ${response.status})`, refused);
  }
  const ids: string[] = [];
  const lines = createInterface({ input: Readable.fromWeb(response.body as ReadableStream), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (!line.trim()) continue;
    let row: { id?: string; __parentId?: string };
    try {
      row = JSON.parse(line) as typeof row;
    } catch {
      // A damaged file would fail every retry the same way: only a new operation lists the orders again.
      throw new BackfillFailure(`the list of orders is not JSON Lines (line ${number})`, true);
    }
    if (row.id && !row.__parentId && row.id.includes("/Order/")) ids.push(row.id);
  }
  return ids;
}

/**
 * The scheduled job's run: a failure is recorded on the job as any failure, but retried after the
 * backoff rather than after the job's monthly interval.
 */
export async function runBackfillJob(deps: ReconcileDeps, context: JobContext, options: BackfillOptions = {}): Promise<JobOutcome> {
  const outcome = await backfillRecentOrders(deps, { ...context, state: context.state as BackfillState, saveState: (s) => context.saveState(s) }, options);
  if (outcome.finished) return { runAgainInMs: BACKFILL_DONE_RECHECK_MS };
  if (outcome.failure !== undefined) throw new RetryJobLater(outcome.failure, outcome.runAgainInMs);
  return { runAgainInMs: outcome.runAgainInMs };
}
