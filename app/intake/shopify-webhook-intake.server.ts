import type { Db } from "../db.server";
import { normalizeShopifyWebhook, InvalidPayloadError, SUPPORTED_TOPICS, UnsupportedTopicError } from "../domain/shopify-webhooks";
import type { SqlWriterConnection } from "../store/event-log/sql-session.server";
import type { EventSubmission, RecordOutcome } from "../store/order-store.server";
import { eraseCustomer, eraseShop, recordComplianceRequest, uninstallShop, updateGrantedScopes } from "../store/lifecycle.server";
import { isDatabaseUnavailable } from "../store/database-errors.server";
import type { HeaderReader, WebhookVerification } from "./webhook-verifier.server";

/** Shopify's largest order payloads stay well under this; anything bigger is refused with 413. */
export const WEBHOOK_BODY_LIMIT = 2 * 1024 * 1024;

export type IntakeAnswer = { status: number; body: string; headers?: Record<string, string> };

/** Topics whose payload becomes order events: the normaliser's list, as shopify.app.toml subscribes them. */
export const ORDER_TOPICS: ReadonlySet<string> = new Set(SUPPORTED_TOPICS);

export const LIFECYCLE_TOPICS = new Set(["app/uninstalled", "app/scopes_update"]);
export const COMPLIANCE_TOPICS = new Set(["customers/data_request", "customers/redact", "shop/redact"]);

type Dependencies = {
  db: () => Db;
  writer: () => SqlWriterConnection;
  verify: (rawBody: string, headers: HeaderReader) => Promise<WebhookVerification>;
  /** Appends events and rolls up their orders in one transaction (see GroupCommitter). */
  record: (submission: EventSubmission) => Promise<RecordOutcome>;
  /** When the delivery counts as received; the clock, except in demo mode (see simulated-store.ts). */
  receivedAt?: (headers: HeaderReader) => Date;
};

const answer = (status: number, body: string, headers?: Record<string, string>): IntakeAnswer => ({ status, body, headers });

/**
 * The one webhook intake, used by the Remix route and by the lean HTTP path alike:
 * verify, normalise, append + roll up in one transaction, then answer.
 */
export function createWebhookIntake({ db, writer, verify, record, receivedAt: receivedAtOf = () => new Date() }: Dependencies) {
  return async function receiveWebhook(rawBody: string, headers: HeaderReader): Promise<IntakeAnswer> {
    const verification = await verify(rawBody, headers);
    if (!verification.ok) return answer(verification.status, verification.reason);
    const { webhook } = verification;
    // Shopify's validator reports the topic in its storage form; the header keeps Shopify's own spelling.
    const topic = (headers.get("x-shopify-topic") ?? "").toLowerCase();

    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      return answer(400, "body is not JSON");
    }

    const receivedAt = receivedAtOf(headers);
    try {
      if (ORDER_TOPICS.has(topic)) {
        const { events } = normalizeShopifyWebhook(topic, payload, webhook);
        const outcome = await record({
          shop: webhook.shop,
          events: events.map((e) => ({ ...e, raw: rawBody, sourceEventId: webhook.eventId })),
          receivedAt,
        });
        return answer(200, outcome.stored === 0 && events.length > 0 ? "duplicate" : "ok");
      }
      if ((LIFECYCLE_TOPICS.has(topic) || COMPLIANCE_TOPICS.has(topic)) && !payloadNamesShop(payload, webhook.shop)) {
        // Shopify signs the body, not the shop header: a body that names a shop must name this one,
        // or a captured delivery could be replayed against another shop's data.
        return answer(400, "payload does not belong to the shop in X-Shopify-Shop-Domain");
      }
      if (topic === "app/uninstalled") {
        await uninstallShop(db(), webhook.shop, receivedAt);
        return answer(200, "ok");
      }
      if (topic === "app/scopes_update") {
        await updateGrantedScopes(db(), webhook.shop, payload);
        return answer(200, "ok");
      }
      if (COMPLIANCE_TOPICS.has(topic)) {
        const fresh = await recordComplianceRequest(db(), webhook, topic, payload, receivedAt);
        if (fresh && topic === "customers/redact") await eraseCustomer(db(), writer(), webhook.shop, payload, receivedAt);
        if (fresh && topic === "shop/redact") await eraseShop(db(), webhook.shop);
        return answer(200, fresh ? "ok" : "duplicate");
      }
      return answer(400, `unsupported topic ${topic || "(none)"}`);
    } catch (error) {
      if (error instanceof InvalidPayloadError) return answer(400, error.message);
      if (error instanceof UnsupportedTopicError) return answer(400, error.message);
      if (isDatabaseUnavailable(error)) return answer(503, "storage unavailable, retry", { "Retry-After": "5" });
      throw error;
    }
  };
}

/**
 * Lifecycle and compliance payloads name their shop: shop_domain (compliance topics) or
 * myshopify_domain (app/uninstalled, whose `domain` may be a custom domain and is only a fallback).
 * app/scopes_update names none.
 */
function payloadNamesShop(payload: unknown, shop: string): boolean {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return false;
  const fields = payload as Record<string, unknown>;
  const named = [fields.shop_domain, fields.myshopify_domain, fields.domain].find((value): value is string => typeof value === "string");
  if (named === undefined) return "previous" in fields || "current" in fields;
  return named.toLowerCase() === shop.toLowerCase();
}
