import "@shopify/shopify-api/adapters/web-api";
import {
  LogSeverity,
  WebhookValidationErrorReason,
  shopifyApi,
  type WebhookValidation,
} from "@shopify/shopify-api";
import { canonicalizeHeaderName, setAbstractConvertRequestFunc, type Headers as ShopifyHeaders } from "@shopify/shopify-api/runtime";
import { ADMIN_API_VERSION } from "../api-version";
import type { AppConfig } from "../config.server";
import { signHmacSynchronouslyOnThisThread } from "./synchronous-hmac.server";

/** What Shopify's validator requires of a delivery; a delivery missing one is refused with 400. */
const VALIDATED_HEADERS = ["x-shopify-hmac-sha256", "x-shopify-topic", "x-shopify-shop-domain", "x-shopify-api-version", "x-shopify-webhook-id"];
const SHOPIFY_WEBHOOK_HEADERS = [...VALIDATED_HEADERS, "x-shopify-event-id", "x-shopify-triggered-at"];

/** The one thing the intake needs of request headers; fetch's Headers and node's header objects both fit. */
export type HeaderReader = { get(name: string): string | null };

/** Just the headers Shopify's validator reads, as a plain object that can cross to a worker thread. */
export type WebhookHeaders = Record<string, string>;

export function pickWebhookHeaders(headers: HeaderReader): WebhookHeaders {
  // Shopify's validator re-canonicalises every header on every lookup; handing it only the
  // headers it reads keeps that cost flat whatever proxies add in front of us.
  const picked: WebhookHeaders = {};
  for (const name of SHOPIFY_WEBHOOK_HEADERS) {
    const value = headers.get(name);
    if (value !== null) picked[name] = value;
  }
  return picked;
}

/**
 * What Shopify's validator is handed as the request, built from only the headers it requires: it
 * looks every header up again for each one it reads, and the signature covers the body alone.
 * By default a fetch Request, the web-api adapter's form.
 */
let requestFor = (headers: WebhookHeaders): unknown => {
  const validated: WebhookHeaders = {};
  for (const name of VALIDATED_HEADERS) if (name in headers) validated[name] = headers[name];
  return new Request("http://intake.local/webhooks", { method: "POST", headers: validated });
};

/**
 * For a thread that does nothing but verify webhooks (the preparer workers, see
 * webhook-preparer.worker.ts). Never call it on the main thread, where shopify-app-remix needs the
 * web-api adapter and WebCrypto for real requests.
 * - Shopify's validator reads the request through an adapter. This thread's adapter is handed the
 *   library's own header record, built once per delivery with the canonical names worked out here,
 *   instead of a fetch Request (about a fifth of the validator's time) or the library's addHeader,
 *   which re-canonicalises every header already added.
 * - The HMAC the validator computes through WebCrypto runs in place (synchronous-hmac.server.ts).
 */
export function dedicateThisThreadToVerification() {
  const canonical = VALIDATED_HEADERS.map((name) => [name, canonicalizeHeaderName(name)] as const);
  setAbstractConvertRequestFunc(async ({ rawRequest }) => ({ method: "POST", url: "http://intake.local/webhooks", headers: (rawRequest as { headers: ShopifyHeaders }).headers }));
  requestFor = (headers) => {
    const record: ShopifyHeaders = {};
    for (const [name, canonicalName] of canonical) if (name in headers) record[canonicalName] = [headers[name]];
    return { headers: record };
  };
  signHmacSynchronouslyOnThisThread();
}

export type VerifiedWebhook = {
  shop: string;
  topic: string;
  webhookId: string;
  apiVersion: string;
  eventId: string | null;
  triggeredAt: string | null;
};

export type WebhookVerification =
  | { ok: true; webhook: VerifiedWebhook }
  | { ok: false; status: 400 | 401; reason: string };

/**
 * Verifies webhooks with Shopify's own validator. During a secret rotation the previous secret is
 * tried too, so deliveries signed before the switch are not lost.
 */
export function createWebhookVerifier(config: Pick<AppConfig, "apiKey" | "apiSecret" | "previousApiSecret" | "appUrl">) {
  const secrets = [config.apiSecret, config.previousApiSecret].filter((s): s is string => Boolean(s));
  const apis = secrets.map((apiSecretKey) =>
    shopifyApi({
      apiKey: config.apiKey || "unset",
      apiSecretKey,
      apiVersion: ADMIN_API_VERSION,
      hostName: new URL(config.appUrl).host,
      isEmbeddedApp: true,
      logger: { level: LogSeverity.Error, log: () => undefined },
    }),
  );
  const validators = apis.map((api) => api.webhooks.validate);

  return async function verifyWebhook(rawBody: string, headers: WebhookHeaders): Promise<WebhookVerification> {
    // Event id and trigger time are not handed to the validator (see requestFor): they are read here.
    const rawRequest = requestFor(headers);
    let last: WebhookValidation | undefined;
    for (const validate of validators) {
      last = await validate({ rawBody, rawRequest });
      // Only a signature mismatch is worth the other secret; missing headers stay a 400.
      if (last.valid || last.reason !== WebhookValidationErrorReason.InvalidHmac) break;
    }
    if (!last || !last.valid) {
      const reason = last?.reason ?? "no_secret_configured";
      const status = reason === WebhookValidationErrorReason.MissingHeaders ? 400 : 401;
      return { ok: false, status, reason };
    }
    // The header is not signed: only a shop's own myshopify.com name, in one spelling, keys its data.
    const shop = apis[0]!.utils.sanitizeShop(last.domain.trim().toLowerCase());
    if (!shop) return { ok: false, status: 400, reason: "X-Shopify-Shop-Domain is not a myshopify.com shop" };
    return {
      ok: true,
      webhook: {
        shop,
        topic: last.topic,
        webhookId: last.webhookId,
        apiVersion: last.apiVersion,
        eventId: headers["x-shopify-event-id"] || null,
        triggeredAt: headers["x-shopify-triggered-at"] || null,
      },
    };
  };
}
