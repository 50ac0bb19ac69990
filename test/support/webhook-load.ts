import http from "node:http";
import type { WebhookDelivery } from "../../app/demo/simulated-store";
import { webhookHeaders } from "../../scripts/lib/webhook-sender";

export type LoadItem = { id: string; body: string; headers: Record<string, string> };

export function prepareDeliveries(deliveries: readonly WebhookDelivery[], shop: string, secret: string, runId: string): LoadItem[] {
  return deliveries.map((d, i) => {
    const id = `${runId}-${i}`;
    const body = JSON.stringify(d.payload);
    return { id, body, headers: webhookHeaders({ ...d, webhookId: id }, shop, body, secret) };
  });
}

export function postWebhook(url: string, item: LoadItem, agent: http.Agent): Promise<number> {
  const target = new URL("/webhooks", url);
  return new Promise((resolve) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { ...item.headers, "Content-Length": Buffer.byteLength(item.body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", () => resolve(0));
      },
    );
    // A connection refused or reset (the app being killed) counts as "not acknowledged".
    req.on("error", () => resolve(0));
    req.end(item.body);
  });
}

/**
 * Sends every item until it is acknowledged with 200, as Shopify retries: whatever happens to the
 * app meanwhile. `targets()` is read per attempt, so the set of app URLs may change under load.
 */
export async function sendUntilAcknowledged(
  targets: () => string[],
  items: readonly LoadItem[],
  options: { concurrency: number; give_up_after_ms?: number; onAcknowledged?: (count: number) => void },
): Promise<{ acknowledged: Set<string>; attempts: number; statuses: Record<number, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const acknowledged = new Set<string>();
  const statuses: Record<number, number> = {};
  let attempts = 0;
  let next = 0;
  const deadline = Date.now() + (options.give_up_after_ms ?? 120_000);
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      while (next < items.length) {
        const item = items[next++];
        for (let attempt = 0; ; attempt++) {
          const urls = targets();
          const status = urls.length ? await postWebhook(urls[(worker + attempt) % urls.length], item, agent) : 0;
          attempts += 1;
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status === 200) {
            acknowledged.add(item.id);
            options.onAcknowledged?.(acknowledged.size);
            break;
          }
          if (status !== 0 && status !== 503) throw new Error(`${item.id} refused with ${status}`);
          if (Date.now() > deadline) throw new Error(`${item.id} never acknowledged`);
          await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt)));
        }
      }
    }),
  );
  agent.destroy();
  return { acknowledged, attempts, statuses };
}
