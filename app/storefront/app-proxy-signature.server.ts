import { createHmac } from "node:crypto";

/**
 * The signature Shopify's app proxy adds to every forwarded request: hex HMAC-SHA256, keyed with
 * the app's secret, of the query's `key=value` pairs sorted by key and joined with nothing (values
 * of a repeated key joined with ","), the `signature` parameter itself left out.
 */
export function appProxySignature(params: URLSearchParams, secret: string): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === "signature") continue;
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const message = [...grouped.keys()]
    .sort()
    .map((key) => `${key}=${grouped.get(key)!.join(",")}`)
    .join("");
  return createHmac("sha256", secret).update(message, "utf8").digest("hex");
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
