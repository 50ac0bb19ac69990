import { createHmac } from "node:crypto";

/** A proxied query read once: every key with all its values, in the order they came. */
export type ProxyQuery = ReadonlyMap<string, readonly string[]>;

/** The one reading of a proxied query: the signature check and the handler both work from it. */
export function parseProxyQuery(params: URLSearchParams): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    const values = grouped.get(key);
    if (values) values.push(value);
    else grouped.set(key, [value]);
  }
  return grouped;
}

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/**
 * The text Shopify's app proxy signs, as "Authenticate app proxies" on shopify.dev computes it: each
 * key but `signature` as `key=value`, the values of a repeated key joined with ",", the pairs sorted
 * (Ruby's String#sort, byte order) and concatenated with nothing between them.
 */
export function appProxyMessage(query: ProxyQuery): string {
  return [...query]
    .filter(([key]) => key !== "signature")
    .map(([key, values]) => `${key}=${values.join(",")}`)
    .sort(byUtf8)
    .join("");
}

/** Hex HMAC-SHA256 of `appProxyMessage`, keyed with the app's secret: the `signature` Shopify adds. */
export function appProxySignature(params: URLSearchParams, secret: string): string {
  return createHmac("sha256", secret).update(appProxyMessage(parseProxyQuery(params)), "utf8").digest("hex");
}

/**
 * A storefront request as Shopify's proxy forwards it: the shopper's own query plus shop,
 * logged_in_customer_id (empty for guests), path_prefix and timestamp, then the signature.
 */
export function signAppProxyQuery(
  shopperQuery: URLSearchParams,
  options: { shop: string; secret: string; customerId?: string | null; pathPrefix: string; timestamp?: number },
): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of shopperQuery) {
    // Shopify owns these names; a shopper cannot smuggle their own.
    if (!["shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"].includes(key)) params.append(key, value);
  }
  params.set("shop", options.shop);
  params.set("logged_in_customer_id", options.customerId ?? "");
  params.set("path_prefix", options.pathPrefix);
  params.set("timestamp", String(options.timestamp ?? Math.trunc(Date.now() / 1000)));
  params.set("signature", appProxySignature(params, options.secret));
  return params;
}
