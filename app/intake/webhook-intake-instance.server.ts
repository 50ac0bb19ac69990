import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { stillInstalled } from "../sources/install-state.server";
import { getEventLogWriter } from "../store/event-log/index.server";
import { GroupCommitter } from "../store/group-commit.server";
import { createWebhookIntake } from "./shopify-webhook-intake.server";
import { createWebhookPreparerPool } from "./webhook-preparer-pool.server";
import { createWebhookPreparer, type WebhookPreparer } from "./webhook-preparer.server";
import { createWebhookVerifier, type HeaderReader } from "./webhook-verifier.server";

const committer = new GroupCommitter(getEventLogWriter);
let prepare: WebhookPreparer = createWebhookPreparer(createWebhookVerifier(appConfig()));

/** The process-wide intake, shared by the Remix route and the lean server path. */
export const receiveWebhook = createWebhookIntake({
  db: getPrisma,
  writer: getEventLogWriter,
  record: (submission) => committer.submit(submission),
  prepare: (rawBody, headers) => prepare(rawBody, headers),
  receivedAt: appConfig().demo ? demoReceivedAt : undefined,
  // The demo has no Shopify to ask; its simulated store never sends an uninstall it did not mean.
  stillInstalled: appConfig().demo ? async () => false : (shop) => stillInstalled(getPrisma(), shop, adminGraphqlFor),
});

/**
 * Moves webhook preparation onto worker threads (the production server calls this; under
 * `shopify app dev` there is no bundled worker and preparation stays on the main thread).
 * WEBHOOK_THREADS sets how many; 0 keeps preparation on the main thread.
 */
let pool: ReturnType<typeof createWebhookPreparerPool> | undefined;

export function prepareWebhooksOnWorkerThreads(workerFile: string) {
  const threads = Number(process.env.WEBHOOK_THREADS ?? Math.max(1, availableParallelism() - 1));
  if (pool || !(threads > 0) || !existsSync(workerFile)) return;
  const { apiKey, apiSecret, previousApiSecret, appUrl } = appConfig();
  pool = createWebhookPreparerPool({ workerFile, threads, config: { apiKey, apiSecret, previousApiSecret, appUrl } });
  prepare = pool.prepare;
}

/**
 * The demo replays weeks of history in seconds; it states when simulated Shopify delivered each
 * webhook so sync lag looks as it would have. Only demo mode, which cannot run in production, reads it.
 */
function demoReceivedAt(headers: HeaderReader): Date {
  const stated = Date.parse(headers.get("x-demo-delivered-at") ?? "");
  return Number.isNaN(stated) ? new Date() : new Date(stated);
}

/**
 * Loaded on first use: the Shopify module opens session storage on import, which the intake needs
 * only for an uninstall, and which processes or tests that never see one should not start.
 */
async function adminGraphqlFor(shop: string) {
  const { adminGraphqlForShop } = await import("../sources/shopify-reconciliation/shopify-admin.server");
  return adminGraphqlForShop(shop);
}
