import type { Db } from "../db.server";
import type { SqlWriterConnection } from "../store/event-log/sql-session.server";
import type { EventSubmission, RecordOutcome } from "../store/order-store.server";
import { eraseCustomer, eraseShop, recordComplianceRequest, uninstallShop, updateGrantedScopes } from "../store/lifecycle.server";
import { isDatabaseUnavailable } from "../store/database-errors.server";
import { PreparerUnavailableError } from "./webhook-preparer-pool.server";
import { COMPLIANCE_TOPICS, type PreparedWebhook, type WebhookPreparer } from "./webhook-preparer.server";
import { pickWebhookHeaders, type HeaderReader } from "./webhook-verifier.server";

/** Shopify's largest order payloads stay well under this; anything bigger is refused with 413. */
export const WEBHOOK_BODY_LIMIT = 2 * 1024 * 1024;

export type IntakeAnswer = { status: number; body: string; headers?: Record<string, string> };

type Dependencies = {
  db: () => Db;
  writer: () => SqlWriterConnection;
  /** Verifies, parses and normalises (see webhook-preparer.server.ts). */
  prepare: WebhookPreparer;
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
export function createWebhookIntake({ db, writer, prepare, record, receivedAt: receivedAtOf = () => new Date() }: Dependencies) {
  return async function receiveWebhook(rawBody: string, headers: HeaderReader): Promise<IntakeAnswer> {
    let prepared: PreparedWebhook;
    try {
      prepared = await prepare(rawBody, pickWebhookHeaders(headers));
    } catch (error) {
      if (error instanceof PreparerUnavailableError) return answer(503, "intake busy, retry", { "Retry-After": "5" });
      throw error;
    }
    if (prepared.kind === "refused") return answer(prepared.status, prepared.reason);
    const { webhook } = prepared;
    const receivedAt = receivedAtOf(headers);
    try {
      if (prepared.kind === "order-events") {
        const { events } = prepared;
        const outcome = await record({
          shop: webhook.shop,
          events: events.map((e) => ({ ...e, raw: rawBody, sourceEventId: webhook.eventId })),
          receivedAt,
        });
        return answer(200, outcome.stored === 0 && events.length > 0 ? "duplicate" : "ok");
      }
      const { topic, payload } = prepared;
      if (!payloadNamesShop(payload, webhook.shop)) {
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
      throw new Error(`shop notice for a topic the intake does not handle: ${topic}`);
    } catch (error) {
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
