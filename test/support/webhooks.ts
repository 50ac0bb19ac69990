import { randomUUID } from "node:crypto";
import { getHmac } from "@shopify/shopify-api/test-helpers";

export const TEST_SECRET = "test-webhook-secret";

/** Headers exactly as Shopify sends them, signed with Shopify's own test helper. */
export function signedWebhookHeaders(
  topic: string,
  body: string,
  options: { shop?: string; webhookId?: string; secret?: string; triggeredAt?: string; eventId?: string } = {},
): Headers {
  return new Headers({
    "content-type": "application/json",
    "x-shopify-topic": topic,
    "x-shopify-shop-domain": options.shop ?? "test-shop.myshopify.com",
    "x-shopify-api-version": "2026-07",
    "x-shopify-webhook-id": options.webhookId ?? randomUUID(),
    "x-shopify-event-id": options.eventId ?? randomUUID(),
    "x-shopify-triggered-at": options.triggeredAt ?? new Date().toISOString(),
    "x-shopify-hmac-sha256": getHmac(body, options.secret ?? TEST_SECRET),
  });
}
