// Entry of a webhook preparation thread, bundled on its own by scripts/build-worker.mjs.
import { parentPort, workerData } from "node:worker_threads";
import type { PreparerReply, PreparerRequest, PreparerWorkerConfig } from "./webhook-preparer-pool.server";
import { createWebhookPreparer } from "./webhook-preparer.server";
import { createWebhookVerifier, dedicateThisThreadToVerification } from "./webhook-verifier.server";

const port = parentPort;
if (!port) throw new Error("webhook-preparer.worker runs as a worker thread");

dedicateThisThreadToVerification();
const prepare = createWebhookPreparer(createWebhookVerifier(workerData as PreparerWorkerConfig));

port.on("message", ({ id, rawBody, headers }: PreparerRequest) => {
  prepare(rawBody, headers).then(
    (prepared) => port.postMessage({ id, prepared } satisfies PreparerReply),
    (error: unknown) => {
      // The name only: a message could quote the payload.
      const name = error instanceof Error ? error.name : "unknown error";
      console.error("webhook preparation failed", name);
      port.postMessage({ id, failed: name } satisfies PreparerReply);
    },
  );
});
