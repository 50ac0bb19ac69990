/**
 * The install backfill: a bulk operation lists the orders updated in the last BACKFILL_DAYS days, whose
 * details are then compared like a recheck (reconcile.server.ts).
 */
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { AdminApiError, adminQuery } from "./admin-graphql.server";
import { BULK_OPERATION_QUERY, START_BACKFILL_MUTATION, backfillBulkQuery } from "./queries";
import { BY_ID_CHUNK } from "./queries";
import { emptyReport, reconcileByIds, type ReconcileDeps, type ReconcileReport } from "./reconcile.server";

export type BackfillState = { done?: boolean; operationId?: string; since?: string; processed?: number; completedAt?: string };
export type BackfillOutcome = { finished: boolean; report: ReconcileReport };

export const BACKFILL_DAYS = 60;
const POLLS_PER_RUN = 30;
const POLL_INTERVAL_MS = 2000;

type BulkOperation = { id: string; status: string; errorCode: string | null; objectCount: string; url: string | null; partialDataUrl: string | null };

/**
 * The install backfill: a bulk operation lists the orders updated in the last BACKFILL_DAYS days,
 * their details are then compared in pages like a recheck. Every step is saved, so a restart picks up
 * the same operation and skips what was already compared. `finished: false` means "run me again soon".
 */
export async function backfillRecentOrders(
  deps: ReconcileDeps,
  context: { shop: string; now: Date; state: BackfillState; saveState(state: BackfillState): Promise<void> },
  options: { days?: number; pollIntervalMs?: number } = {},
): Promise<BackfillOutcome> {
  const report = emptyReport();
  let state = context.state;
  if (state.done) return { finished: true, report };
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  if (!state.operationId) {
    const since = new Date(context.now.getTime() - (options.days ?? BACKFILL_DAYS) * 86_400_000).toISOString();
    const started = await adminQuery<{ bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: Array<{ message: string }> } }>(
      deps.graphql,
      START_BACKFILL_MUTATION,
      { query: backfillBulkQuery(since) },
      { sleep: deps.sleep },
    );
    const operation = started.bulkOperationRunQuery.bulkOperation;
    if (!operation) throw new AdminApiError(`could not start the backfill: ${started.bulkOperationRunQuery.userErrors.map((e) => e.message).join("; ")}`);
    state = { operationId: operation.id, since, processed: 0 };
    await context.saveState(state);
  }
  let operation: BulkOperation | null = null;
  for (let poll = 0; poll < POLLS_PER_RUN; poll += 1) {
    operation = (await adminQuery<{ bulkOperation: BulkOperation | null }>(deps.graphql, BULK_OPERATION_QUERY, { id: state.operationId }, { sleep: deps.sleep })).bulkOperation;
    if (!operation || operation.status !== "CREATED" && operation.status !== "RUNNING") break;
    await sleep(options.pollIntervalMs ?? POLL_INTERVAL_MS);
  }
  if (operation && (operation.status === "CREATED" || operation.status === "RUNNING")) return { finished: false, report };
  if (!operation || operation.status !== "COMPLETED") {
    // Start over next time: a failed, cancelled or expired operation cannot be resumed.
    await context.saveState({});
    throw new AdminApiError(`backfill bulk operation ${operation ? `${operation.status.toLowerCase()} (${operation.errorCode ?? "no code"})` : "vanished"}`);
  }
  const ids = operation.url ? await orderIdsFrom(await (deps.download ?? fetch)(operation.url)) : [];
  let processed = state.processed ?? 0;
  while (processed < ids.length) {
    const chunk = ids.slice(processed, processed + BY_ID_CHUNK);
    await reconcileByIds(deps, context.shop, chunk, report);
    processed += chunk.length;
    await context.saveState({ ...state, processed });
  }
  await context.saveState({ done: true, completedAt: new Date().toISOString(), since: state.since, processed });
  return { finished: true, report };
}

/** Order gids from a bulk operation's JSONL result (one object per line; child lines carry __parentId). */
async function orderIdsFrom(response: Response): Promise<string[]> {
  if (!response.ok || !response.body) throw new AdminApiError(`could not download the backfill result (HTTP ${response.status})`);
  const ids: string[] = [];
  const lines = createInterface({ input: Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { id?: string; __parentId?: string };
    if (row.id && !row.__parentId && row.id.includes("/Order/")) ids.push(row.id);
  }
  return ids;
}
