import { Worker } from "node:worker_threads";
import type { AppConfig } from "../config.server";
import type { PreparedWebhook, WebhookPreparer } from "./webhook-preparer.server";
import type { WebhookHeaders } from "./webhook-verifier.server";

export type PreparerWorkerConfig = Pick<AppConfig, "apiKey" | "apiSecret" | "previousApiSecret" | "appUrl">;
export type PreparerRequest = { id: number; rawBody: string; headers: WebhookHeaders };
export type PreparerReply = { id: number; prepared: PreparedWebhook } | { id: number; failed: string };

/** A worker thread's end of the pool died or failed a request; the delivery was not acknowledged. */
export class PreparerUnavailableError extends Error {}

type Pending = { resolve: (prepared: PreparedWebhook) => void; reject: (error: Error) => void };

/**
 * Runs webhook preparation (Shopify's signature check, JSON parsing, normalisation) on worker
 * threads, so the main thread is left to HTTP and the event-log writer and both cores work.
 * A worker that dies is replaced; the requests it held fail and Shopify retries them.
 */
export function createWebhookPreparerPool(options: { workerFile: string | URL; threads: number; config: PreparerWorkerConfig }) {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closing = false;
  const owners = new Map<number, number>();

  const workers: Array<Worker | undefined> = [];
  const start = (slot: number) => {
    const startedAt = Date.now();
    const worker = new Worker(options.workerFile, { workerData: options.config });
    // An idle pool must not keep the process alive after the server closes.
    worker.unref();
    worker.on("message", (reply: PreparerReply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      owners.delete(reply.id);
      if (!waiting) return;
      if ("prepared" in reply) waiting.resolve(reply.prepared);
      else waiting.reject(new PreparerUnavailableError(reply.failed));
    });
    const fail = (reason: string) => {
      workers[slot] = undefined;
      for (const [id, slotOf] of owners) {
        if (slotOf !== slot) continue;
        pending.get(id)?.reject(new PreparerUnavailableError(reason));
        pending.delete(id);
        owners.delete(id);
      }
      if (closing) return;
      // A worker that cannot even start must not be respawned in a tight loop.
      const restartIn = Date.now() - startedAt < 1000 ? 1000 : 0;
      setTimeout(() => start(slot), restartIn).unref();
    };
    worker.on("error", (error) => console.error("webhook worker failed", error.name));
    worker.on("exit", (code) => fail(`webhook worker exited with ${code}`));
    workers[slot] = worker;
  };
  for (let slot = 0; slot < options.threads; slot++) start(slot);

  const prepare: WebhookPreparer = (rawBody, headers) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const slot = id % workers.length;
      const worker = workers[slot] ?? workers.find(Boolean);
      if (!worker) return reject(new PreparerUnavailableError("no webhook worker is running"));
      pending.set(id, { resolve, reject });
      owners.set(id, workers.indexOf(worker));
      worker.postMessage({ id, rawBody, headers } satisfies PreparerRequest);
    });

  return {
    prepare,
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w?.terminate()));
    },
  };
}
