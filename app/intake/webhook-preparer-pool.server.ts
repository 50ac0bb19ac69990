import { Worker } from "node:worker_threads";
import type { AppConfig } from "../config.server";
import type { PreparedWebhook, WebhookPreparer } from "./webhook-preparer.server";
import type { WebhookHeaders } from "./webhook-verifier.server";

export type PreparerWorkerConfig = Pick<AppConfig, "apiKey" | "apiSecret" | "previousApiSecret" | "appUrl">;
export type PreparerRequest = { id: number; rawBody: string; headers: WebhookHeaders };
export type PreparerReply = { id: number; prepared: PreparedWebhook } | { id: number; failed: string };

/** No worker could take or finish the delivery (died, overloaded, too slow): it was not acknowledged. */
export class PreparerUnavailableError extends Error {}

/** Preparation itself threw on a worker: a bug, answered 500 as it would be on the main thread. */
export class PreparationFailedError extends Error {
  name = "PreparationFailedError";
}

type Pending = { slot: number; resolve: (prepared: PreparedWebhook) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };

/**
 * Runs webhook preparation (Shopify's signature check, JSON parsing, normalisation) on worker
 * threads, so the main thread is left to HTTP and the event-log writer and both cores work.
 * A worker that dies is replaced; the requests it held fail with 503 and Shopify retries them.
 * So does a request that waits too long or finds too many ahead of it: each holds a body.
 */
export function createWebhookPreparerPool(options: {
  workerFile: string | URL;
  threads: number;
  config: PreparerWorkerConfig;
  timeoutMs?: number;
  maxInFlight?: number;
}) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 1024;
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closing = false;

  const settle = (id: number) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (waiting) clearTimeout(waiting.timer);
    return waiting;
  };

  const workers: Array<Worker | undefined> = [];
  const start = (slot: number) => {
    if (closing) return;
    const startedAt = Date.now();
    const worker = new Worker(options.workerFile, { workerData: options.config });
    // An idle pool must not keep the process alive after the server closes.
    worker.unref();
    worker.on("message", (reply: PreparerReply) => {
      const waiting = settle(reply.id);
      if (!waiting) return;
      if ("prepared" in reply) waiting.resolve(reply.prepared);
      else waiting.reject(new PreparationFailedError(reply.failed));
    });
    worker.on("error", (error) => console.error("webhook worker failed", error.name));
    worker.on("exit", (code) => {
      workers[slot] = undefined;
      for (const [id, waiting] of pending) {
        if (waiting.slot === slot) settle(id)?.reject(new PreparerUnavailableError(`webhook worker exited with ${code}`));
      }
      // A worker that cannot even start must not be respawned in a tight loop.
      setTimeout(() => start(slot), Date.now() - startedAt < 1000 ? 1000 : 0).unref();
    });
    workers[slot] = worker;
  };
  for (let slot = 0; slot < options.threads; slot++) start(slot);

  const prepare: WebhookPreparer = (rawBody, headers) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const slot = [id % workers.length, ...workers.keys()].find((s) => workers[s]);
      if (slot === undefined) return reject(new PreparerUnavailableError("no webhook worker is running"));
      if (pending.size >= maxInFlight) return reject(new PreparerUnavailableError("webhook workers are overloaded"));
      const timer = setTimeout(() => settle(id)?.reject(new PreparerUnavailableError("webhook worker did not answer in time")), timeoutMs);
      pending.set(id, { slot, resolve, reject, timer });
      workers[slot]!.postMessage({ id, rawBody, headers } satisfies PreparerRequest);
    });

  return {
    prepare,
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w?.terminate()));
    },
  };
}
