import "@shopify/shopify-api/adapters/web-api";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { createSHA256HMAC, HashFormat } from "@shopify/shopify-api/runtime";
import { ADMIN_API_VERSION } from "../api-version";
import type { AppConfig } from "../config.server";
import { appProxyMessage, parseProxyQuery } from "./app-proxy-signature.server";

/** Shopify's tolerance for the proxy's timestamp, the one `validateHmac` applies. */
export const TIMESTAMP_TOLERANCE_SECONDS = 90;

/**
 * The parameters Shopify's proxy adds and signs, and the only ones accepted. Shopify concatenates the
 * signed pairs with nothing between them, so with any key of the shopper's in the text, the same
 * signature can be re-cut into other pairs (another shop, another customer); with these four, each
 * exactly once, there is one way to read it. The block sends no parameter of its own.
 */
const PROXY_KEYS = new Set(["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"]);

// Only the check below holds this, so only it can make a VerifiedProxyQuery.
const VERIFIED = Symbol("verified app proxy query");

/**
 * What Shopify's signature vouches for, read from the very record the signature was checked
 * against: the shop the shopper came through, who is signed in (null for a guest) and the proxy path.
 * Made only by `createProxySignatureCheck`.
 */
export class VerifiedProxyQuery {
  readonly shop: string;
  readonly customerId: string | null;
  readonly pathPrefix: string | null;

  // The private token also makes the type nominal: an object of the same shape is not one.
  constructor(
    private readonly token: typeof VERIFIED,
    fields: { shop: string; customerId: string | null; pathPrefix: string | null },
  ) {
    if (this.token !== VERIFIED) throw new TypeError("a VerifiedProxyQuery comes only from the app proxy signature check");
    this.shop = fields.shop;
    this.customerId = fields.customerId;
    this.pathPrefix = fields.pathPrefix;
  }
}

const refused = () => new Response(undefined, { status: 400, statusText: "Bad Request" });

/**
 * The app proxy check: the signature over Shopify's documented canonical form of the query
 * (`appProxyMessage`: repeated keys' values joined with ",", pairs in byte order), a timestamp within
 * 90 s, with the app's secret and, during a secret rotation, the previous one. Shopify's own parameters
 * must each be one valid value once joined, so a key repeated to change who is signed in can never
 * pass. It loads no session (docs/decisions/019-app-proxy-without-session.md).
 *
 * `validateHmac` of @shopify/shopify-api is not used: fed a record it can only see one value per key,
 * and fed arrays it sorts keys with localeCompare rather than in byte order, so a query Shopify signed
 * with mixed-case or punctuated keys fails (docs/decisions/024-proxy-canonical-query-and-post-lookups.md).
 * Its HMAC and constant-time comparison are used instead.
 */
export function createProxySignatureCheck(
  config: Pick<AppConfig, "apiKey" | "apiSecret" | "previousApiSecret" | "appUrl">,
  clock: () => number = Date.now,
): (query: URLSearchParams) => Promise<VerifiedProxyQuery> {
  const secrets = [config.apiSecret, config.previousApiSecret].filter((secret): secret is string => Boolean(secret));
  const api = shopifyApi({
    apiKey: config.apiKey,
    apiSecretKey: config.apiSecret,
    apiVersion: ADMIN_API_VERSION,
    hostName: new URL(config.appUrl).host,
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: () => undefined },
  });

  return async (params) => {
    const query = parseProxyQuery(params);
    // No "=" inside a key or value either: a cut at another "=" would read other pairs.
    for (const [key, values] of query) if (!PROXY_KEYS.has(key) || key.includes("=") || values.some((value) => value.includes("="))) throw refused();
    const one = (key: string) => query.get(key)?.join(",");
    const signature = query.get("signature");
    const shop = one("shop");
    const customer = one("logged_in_customer_id") ?? "";
    const pathPrefix = one("path_prefix") ?? null;
    const timestamp = one("timestamp") ?? "";
    if (
      signature?.length !== 1 ||
      !/^[0-9a-f]{64}$/.test(signature[0]!) ||
      !shop ||
      api.utils.sanitizeShop(shop) !== shop ||
      !/^(\d{1,20})?$/.test(customer) ||
      (pathPrefix !== null && !/^\/[A-Za-z0-9._~/-]{1,200}$/.test(pathPrefix)) ||
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(Math.trunc(clock() / 1000) - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS
    ) {
      throw refused();
    }

    const message = appProxyMessage(query);
    for (const secret of secrets) {
      if (api.auth.safeCompare(signature[0]!, await createSHA256HMAC(secret, message, HashFormat.Hex))) {
        return new VerifiedProxyQuery(VERIFIED, { shop, customerId: customer || null, pathPrefix });
      }
    }
    throw refused();
  };
}
