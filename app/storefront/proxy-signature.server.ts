import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { ADMIN_API_VERSION } from "../api-version";
import type { AppConfig } from "../config.server";

/**
 * Shopify's app proxy check (`authenticate.public.appProxy`), and during a secret rotation the same
 * check with the previous secret, so storefronts keep working while Shopify switches over.
 */
export function createProxySignatureCheck(
  current: (request: Request) => Promise<unknown>,
  config: Pick<AppConfig, "apiKey" | "previousApiSecret" | "appUrl">,
): (request: Request) => Promise<unknown> {
  if (!config.previousApiSecret) return current;
  const previous = shopifyApi({
    apiKey: config.apiKey || "unset",
    apiSecretKey: config.previousApiSecret,
    apiVersion: ADMIN_API_VERSION,
    hostName: new URL(config.appUrl).host,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: () => undefined },
  });
  return async (request) => {
    try {
      return await current(request);
    } catch (refusal) {
      const query = Object.fromEntries(new URL(request.url).searchParams);
      const valid = await previous.utils.validateHmac(query, { signator: "appProxy" }).catch(() => false);
      if (!valid) throw refusal;
      return undefined;
    }
  };
}
