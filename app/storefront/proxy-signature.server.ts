import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { ADMIN_API_VERSION } from "../api-version";
import type { AppConfig } from "../config.server";

/** What Shopify's signature vouches for: the shop the shopper came through and who is signed in. */
export type VerifiedProxyQuery = { shop: string; customerId: string | null };

/**
 * Shopify's app proxy check (`validateHmac`, appProxy signator: the signature over the query and a
 * timestamp within its tolerance) with the app's secret, and during a secret rotation also with the
 * previous one, so storefronts keep working while Shopify switches over. It loads no session: the
 * lookup never calls Shopify, and loading one would refresh an expiring offline token on a
 * shopper's request (docs/decisions/019-app-proxy-without-session.md).
 */
export function createProxySignatureCheck(
  config: Pick<AppConfig, "apiKey" | "apiSecret" | "previousApiSecret" | "appUrl">,
): (query: URLSearchParams) => Promise<VerifiedProxyQuery> {
  const validators = [config.apiSecret, config.previousApiSecret]
    .filter((secret): secret is string => Boolean(secret))
    .map(
      (secret) =>
        shopifyApi({
          apiKey: config.apiKey,
          apiSecretKey: secret,
          apiVersion: ADMIN_API_VERSION,
          hostName: new URL(config.appUrl).host,
          isEmbeddedApp: true,
          logger: { level: LogSeverity.Error, log: () => undefined },
        }).utils.validateHmac,
    );
  return async (query) => {
    const signed = Object.fromEntries(query);
    for (const validate of validators) {
      // The validator throws for a missing signature or a stale timestamp: a refusal like a wrong signature.
      if (await validate(signed, { signator: "appProxy" }).catch(() => false)) {
        // Read from the very record that was checked, not from the query again.
        return { shop: signed.shop ?? "", customerId: signed.logged_in_customer_id || null };
      }
    }
    throw new Response(undefined, { status: 400, statusText: "Bad Request" });
  };
}
