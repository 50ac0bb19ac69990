import type { Db } from "../db.server";
import type { SqlWriterConnection } from "../store/event-log/sql-session.server";
import type { EventSubmission, RecordOutcome } from "../store/order-store.server";
import { handleComplianceRequest, uninstallShop, updateGrantedScopes } from "../store/lifecycle.server";
import { isDatabaseUnavailable } from "../store/database-errors.server";
import { deliverFeedItems } from "../sources/feed-delivery.server";
import { PreparerUnavailableError } from "./webhook-preparer-pool.server";
import { readShopNotice } from "./shop-notice-payloads";
import type { PreparedWebhook, WebhookPreparer } from "./webhook-preparer.server";
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
  /** Whether Shopify still honours the shop's token (app/sources/install-state.server.ts). */
  stillInstalled: (shop: string) => Promise<boolean>;
};

const answer = (status: number, body: string, headers?: Record<string, string>): IntakeAnswer => ({ status, body, headers });

/**
 * The one webhook intake, used by the Remix route and by the lean HTTP path alike:
 * verify, normalise, append + roll up in one transaction, then answer.
 */
export function createWebhookIntake({ db, writer, prepare, record, receivedAt: receivedAtOf = () => new Date(), stillInstalled }: Dependencies) {
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
          events: events.map((e) => ({ ...e, raw: prepared.raw, sourceEventId: webhook.eventId })),
          receivedAt,
        });
        if (outcome.refused) return answer(400, outcome.refused);
        return answer(200, outcome.stored === 0 && events.length > 0 ? "duplicate" : "ok");
      }
      if (prepared.kind === "fulfillment-order-events") {
        // Recorded at once when the fulfillment order's order is known, else kept (and acknowledged)
        // until it is: see app/sources/fulfillment-orders.server.ts.
        const outcomes = await deliverFeedItems(
          { db: db(), record: (submissions) => Promise.all(submissions.map(record)) },
          webhook.shop,
          prepared.events.map((event) => ({ match: { by: "fulfillment_order" as const, id: prepared.fulfillmentOrderId }, event, raw: prepared.raw })),
          receivedAt,
        );
        return answer(200, outcomes.every((o) => o === "duplicate") ? "duplicate" : "ok");
      }
      // Shopify signs the body, not the topic or shop headers: a body is believed only for the topic
      // whose shape it has and the shop it names (see shop-notice-payloads.ts).
      const reading = readShopNotice(prepared.topic, prepared.payload, webhook.shop);
      if (!reading.ok) return answer(400, reading.reason);
      const { notice } = reading;
      if (notice.topic === "app/uninstalled") {
        // A captured uninstall sent again after a reinstall: Shopify still takes the token, so it is not one.
        if (await stillInstalled(webhook.shop)) return answer(200, "ignored: Shopify still accepts the app's token for this shop");
        await uninstallShop(db(), webhook.shop, receivedAt);
        return answer(200, "ok");
      }
      if (notice.topic === "app/scopes_update") {
        await updateGrantedScopes(db(), webhook.shop, notice.payload.current);
        return answer(200, "ok");
      }
      const outcome = await handleComplianceRequest(db(), writer(), webhook, notice, receivedAt);
      if (outcome === "conflict") return answer(400, "X-Shopify-Webhook-Id belongs to another compliance request");
      // Acknowledged, so Shopify does not retry what the app will not do; Settings → Privacy shows it.
      return answer(200, outcome === "held" ? "recorded, not carried out while the app is installed" : outcome);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return answer(503, "storage unavailable, retry", { "Retry-After": "5" });
      throw error;
    }
  };
}
