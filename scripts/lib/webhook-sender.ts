import { createHmac } from "node:crypto";
import type { WebhookDelivery } from "../../app/demo/simulated-store";

export function signBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

export function webhookHeaders(delivery: WebhookDelivery, shop: string, body: string, secret: string, apiVersion = "2026-07") {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Shop-Domain": shop,
    "X-Shopify-API-Version": apiVersion,
    "X-Shopify-Webhook-Id": delivery.webhookId,
    "X-Shopify-Event-Id": delivery.eventId,
    "X-Shopify-Triggered-At": delivery.triggeredAt,
    "X-Shopify-Hmac-Sha256": signBody(body, secret),
  };
}

export type SendReport = { sent: number; byStatus: Record<number, number>; failures: string[] };

/** Posts deliveries as Shopify would: signed, a few at a time, retrying 503s like Shopify's retry policy does. */
export async function sendWebhooks(
  appUrl: string,
  shop: string,
  secret: string,
  deliveries: readonly WebhookDelivery[],
  options: { concurrency?: number; demoDeliveredAt?: boolean } = {},
): Promise<SendReport> {
  const report: SendReport = { sent: 0, byStatus: {}, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length) {
      const delivery = deliveries[next++];
      const body = JSON.stringify(delivery.payload);
      const headers: Record<string, string> = webhookHeaders(delivery, shop, body, secret);
      if (options.demoDeliveredAt) headers["X-Demo-Delivered-At"] = delivery.deliveredAt;
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${appUrl}/webhooks`, { method: "POST", headers, body });
        const text = await response.text();
        if (response.status === 503 && attempt < 5) {
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
          continue;
        }
        report.sent += 1;
        report.byStatus[response.status] = (report.byStatus[response.status] ?? 0) + 1;
        if (response.status !== 200) report.failures.push(`${delivery.topic} ${delivery.webhookId}: ${response.status} ${text}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return report;
}
