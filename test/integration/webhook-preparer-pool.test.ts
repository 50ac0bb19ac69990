// Webhook preparation on worker threads: the bundled worker (which hands Shopify's validator the
// picked headers, not a fetch Request) answers exactly as the main thread would, and a worker that
// dies costs only the deliveries it held (answered 503, so Shopify retries).
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookPreparerPool, PreparationFailedError, PreparerUnavailableError } from "../../app/intake/webhook-preparer-pool.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { createWebhookVerifier, pickWebhookHeaders } from "../../app/intake/webhook-verifier.server";
import { PROJECT_ROOT } from "../../scripts/lib/app-process";
import { requireBuild } from "../support/app-server";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "pool.myshopify.com";
const config = { apiKey: "k", apiSecret: TEST_SECRET, previousApiSecret: "old-secret", appUrl: "https://app.example.com" };
const WORKER = path.join(PROJECT_ROOT, "build/server/webhook-preparer.worker.js");

let pool: ReturnType<typeof createWebhookPreparerPool>;

beforeAll(() => {
  requireBuild();
  pool = createWebhookPreparerPool({ workerFile: WORKER, threads: 2, config });
});
afterAll(async () => {
  await pool?.close();
});

function delivery(topic: string, body: string, options: Parameters<typeof signedWebhookHeaders>[2] = {}) {
  return { body, headers: pickWebhookHeaders(signedWebhookHeaders(topic, body, { shop: SHOP, webhookId: "wh-1", eventId: "ev-1", triggeredAt: "2026-11-24T10:00:00.000Z", ...options })) };
}

function withoutHeader({ body, headers }: ReturnType<typeof delivery>, name: string) {
  const rest = { ...headers };
  delete rest[name];
  return { body, headers: rest };
}

describe("webhook preparation on worker threads", () => {
  it("gives the same answer as preparation on the main thread, for every kind of delivery", async () => {
    const onMainThread = createWebhookPreparer(createWebhookVerifier(config));
    const order = JSON.stringify(fixture("two-box-order.create"));
    const cases = [
      delivery("orders/create", order),
      delivery("orders/create", order, { secret: "old-secret" }),
      delivery("orders/create", order, { secret: "forged" }),
      delivery("orders/create", "{not json"),
      delivery("orders/create", JSON.stringify({ id: "x" })),
      delivery("products/create", JSON.stringify({ id: 1 })),
      delivery("customers/redact", JSON.stringify({ shop_domain: SHOP, customer: { id: 1 } })),
      withoutHeader(delivery("orders/create", order), "x-shopify-webhook-id"),
      withoutHeader(delivery("orders/create", order), "x-shopify-hmac-sha256"),
    ];
    const kinds: string[] = [];
    for (const { body, headers } of cases) {
      const expected = await onMainThread(body, headers);
      expect(await pool.prepare(body, headers)).toEqual(expected);
      kinds.push(expected.kind === "refused" ? `${expected.kind} ${expected.status}` : expected.kind);
    }
    const first = await pool.prepare(cases[0].body, cases[0].headers);
    expect(first.kind === "order-events" && first.webhook).toMatchObject({ shop: SHOP, webhookId: "wh-1", eventId: "ev-1", triggeredAt: "2026-11-24T10:00:00.000Z" });
    expect(kinds).toEqual(["order-events", "order-events", "refused 401", "refused 400", "refused 400", "refused 400", "shop-notice", "refused 400", "refused 401"]);
  });

  it("answers 503 for the deliveries a dying worker held, and replaces the worker", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ot-pool-"));
    const flaky = path.join(dir, "flaky-worker.mjs");
    writeFileSync(
      flaky,
      `import { parentPort } from "node:worker_threads";
       parentPort.on("message", ({ id, rawBody }) => {
         if (rawBody === "die") process.exit(3);
         if (rawBody === "hang") return;
         if (rawBody === "throw") return parentPort.postMessage({ id, failed: "TypeError" });
         parentPort.postMessage({ id, prepared: { kind: "refused", status: 400, reason: "echo " + rawBody } });
       });`,
    );
    const flakyPool = createWebhookPreparerPool({ workerFile: flaky, threads: 1, config, timeoutMs: 300, maxInFlight: 3 });
    try {
      const intake = createWebhookIntake({
        db: () => {
          throw new Error("not reached");
        },
        writer: () => {
          throw new Error("not reached");
        },
        record: () => Promise.reject(new Error("not reached")),
        prepare: flakyPool.prepare,
        stillInstalled: async () => false,
      });
      const none = { get: () => null };
      expect(await intake("before", none)).toMatchObject({ status: 400, body: "echo before" });
      // A bug in preparation is not an outage: it is thrown, and the server answers 500 and logs it.
      await expect(intake("throw", none)).rejects.toBeInstanceOf(PreparationFailedError);
      // A worker that never answers, or too many waiting, is: 503, and nothing waits forever.
      const hung = [flakyPool.prepare("hang", {}), flakyPool.prepare("hang", {}), flakyPool.prepare("hang", {})];
      expect(await intake("one too many", none)).toMatchObject({ status: 503 });
      for (const request of hung) await expect(request).rejects.toBeInstanceOf(PreparerUnavailableError);
      await expect(flakyPool.prepare("die", {})).rejects.toBeInstanceOf(PreparerUnavailableError);
      // Until its replacement is up, deliveries are refused for a retry rather than lost or stuck.
      let answer = await intake("after", none);
      expect(answer).toMatchObject({ status: 503, headers: { "Retry-After": "5" } });
      for (let i = 0; answer.status === 503 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50));
        answer = await intake("after", none);
      }
      expect(answer).toMatchObject({ status: 400, body: "echo after" });
    } finally {
      await flakyPool.close();
    }
  });
});
