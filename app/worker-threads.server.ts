import path from "node:path";
import { prepareWebhooksOnWorkerThreads } from "./intake/webhook-intake-instance.server";
import { checkpointSqliteOnWorkerThread } from "./store/event-log/index.server";

/**
 * Called by the production server with the directory of its build, where scripts/build-worker.mjs
 * puts the worker-thread bundles. Under `shopify app dev` there are none and all work stays inline.
 */
export function startWorkerThreads(buildDirectory: string) {
  prepareWebhooksOnWorkerThreads(path.join(buildDirectory, "webhook-preparer.worker.js"));
  checkpointSqliteOnWorkerThread(path.join(buildDirectory, "sqlite-checkpointer.worker.js"));
}
