import type { OrderEvent, OrderlessEvent } from "../domain/events";
import { stripPersonalData } from "../domain/personal-data";
import { parseShopifyJson, stringifyShopifyJson } from "../domain/shopify-json";
import { shopMismatch, topicMismatch } from "../domain/topic-binding";
import {
  FULFILLMENT_ORDER_TOPICS,
  InvalidPayloadError,
  normalizeFulfillmentOrderWebhook,
  normalizeShopifyWebhook,
  SUPPORTED_TOPICS,
  UnsupportedTopicError,
} from "../domain/shopify-webhooks";
import type { VerifiedWebhook, WebhookHeaders, WebhookVerification } from "./webhook-verifier.server";

/** Topics whose payload names its order: the normaliser's list, as shopify.app.toml subscribes them. */
const ORDER_BOUND_TOPICS: ReadonlySet<string> = new Set(SUPPORTED_TOPICS);
/** Topics whose payload names only a fulfillment order; the intake finds the order. */
const FULFILLMENT_ORDER_BOUND_TOPICS: ReadonlySet<string> = new Set(FULFILLMENT_ORDER_TOPICS);
/** Every topic whose payload becomes order events. */
export const ORDER_TOPICS: ReadonlySet<string> = new Set([...SUPPORTED_TOPICS, ...FULFILLMENT_ORDER_TOPICS]);
export const LIFECYCLE_TOPICS: ReadonlySet<string> = new Set(["app/uninstalled", "app/scopes_update"]);
export const COMPLIANCE_TOPICS: ReadonlySet<string> = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

/** A delivery after everything that needs no database: verified, parsed and, for order topics, normalised. */
export type PreparedWebhook =
  | { kind: "refused"; status: 400 | 401; reason: string }
  | { kind: "order-events"; webhook: VerifiedWebhook; events: OrderEvent[]; raw: string }
  | { kind: "fulfillment-order-events"; webhook: VerifiedWebhook; fulfillmentOrderId: string; events: OrderlessEvent[]; raw: string }
  | { kind: "shop-notice"; webhook: VerifiedWebhook; topic: string; payload: unknown };

export type WebhookPreparer = (rawBody: string, headers: WebhookHeaders) => Promise<PreparedWebhook>;

/**
 * The CPU-bound half of the intake. It holds no connection and no state, so the production server
 * runs it on worker threads (see webhook-preparer-pool.server.ts) while the main thread writes.
 */
export function createWebhookPreparer(verify: (rawBody: string, headers: WebhookHeaders) => Promise<WebhookVerification>): WebhookPreparer {
  return async function prepareWebhook(rawBody, headers) {
    const verification = await verify(rawBody, headers);
    if (!verification.ok) return { kind: "refused", status: verification.status, reason: verification.reason };
    // X-Shopify-Triggered-At is not signed, and it is the only time hold bodies have: a time to come
    // would let a replayed hold outlast every genuine release.
    const webhook = { ...verification.webhook, triggeredAt: notLaterThanNow(verification.webhook.triggeredAt) };
    // Shopify's validator reports the topic in its storage form; the header keeps Shopify's own spelling.
    const topic = (headers["x-shopify-topic"] ?? "").toLowerCase();

    let payload: unknown;
    try {
      payload = parseShopifyJson(rawBody);
    } catch {
      return { kind: "refused", status: 400, reason: "body is not JSON" };
    }
    if (LIFECYCLE_TOPICS.has(topic) || COMPLIANCE_TOPICS.has(topic)) return { kind: "shop-notice", webhook, topic, payload };
    // The signature covers the body only: the topic and shop headers are believed as far as the body agrees.
    const mismatch = topicMismatch(topic, payload) ?? shopMismatch(payload, webhook.shop);
    if (mismatch) return { kind: "refused", status: 400, reason: mismatch };
    // What the log keeps of the body: no personal field the app does not need (decision 018). The
    // normalised events carry what it does need, so a replay from them is exact.
    const keep = () => stringifyShopifyJson(stripPersonalData(topic, payload));
    try {
      if (ORDER_BOUND_TOPICS.has(topic)) return { kind: "order-events", webhook, events: normalizeShopifyWebhook(topic, payload, webhook).events, raw: keep() };
      if (FULFILLMENT_ORDER_BOUND_TOPICS.has(topic)) {
        return { kind: "fulfillment-order-events", webhook, ...normalizeFulfillmentOrderWebhook(topic, payload, webhook), raw: keep() };
      }
      return { kind: "refused", status: 400, reason: `unsupported topic ${topic || "(none)"}` };
    } catch (error) {
      if (error instanceof InvalidPayloadError || error instanceof UnsupportedTopicError) return { kind: "refused", status: 400, reason: error.message };
      throw error;
    }
  };
}

function notLaterThanNow(triggeredAt: string | null | undefined): string | null {
  if (!triggeredAt) return null;
  const at = Date.parse(triggeredAt);
  if (Number.isNaN(at)) return triggeredAt;
  const now = Date.now();
  return at > now ? new Date(now).toISOString() : triggeredAt;
}
