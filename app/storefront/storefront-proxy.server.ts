import type { Db } from "../db.server";
import type { VerifiedProxyQuery } from "./proxy-signature.server";
import { createRateLimiter, type RateLimit, type RateLimiter } from "./rate-limiter";
import { parseLookupQuery } from "./lookup-query";
import { findOrderByContact, recentOrdersOfCustomer } from "./storefront-lookup.server";

/** Per shopper (client IP as Shopify forwards it): a few lookups at once, then one every 6 s. */
export const CLIENT_LIMIT: RateLimit = { capacity: 20, refillPerSecond: 1 / 6 };
/** Per shop, whatever the client: a ceiling that keeps one storefront from starving the others. */
export const SHOP_LIMIT: RateLimit = { capacity: 1000, refillPerSecond: 500 };

// no-transform: the server's compression middleware skips these answers; gzip of a 1-2 KB body
// cost more time on the server than it saves on the wire.
const HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-transform", "X-Content-Type-Options": "nosniff" };
// One body for every miss, so a wrong email, a missing order and a deleted one read the same.
const NOT_FOUND_BODY = JSON.stringify({ error: "not_found" });

function json(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...HEADERS, ...headers } });
}

export type StorefrontProxyDeps = {
  db: Db;
  /**
   * Shopify's app proxy check; throws a Response (400) unless the query is signed with the app's
   * secret (or the previous one during a rotation), else answers the shop and customer it signed.
   */
  verifySignature: (query: URLSearchParams) => Promise<VerifiedProxyQuery>;
  limits?: { client: RateLimiter; shop: RateLimiter };
  now?: () => Date;
};

/**
 * Shopify forwards the shopper's IP in X-Forwarded-For; a load balancer in front of the app
 * appends its own hop, so the first entry is the shopper.
 */
function clientOf(request: Request): string {
  return request.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
}

/**
 * Requests Shopify forwards from /apps/order-status/* to <app>/proxy/*. The signature is checked
 * before anything else, and `shop` and `logged_in_customer_id` come only from what it verified.
 */
export function createStorefrontProxy(deps: StorefrontProxyDeps) {
  const limits = deps.limits ?? { client: createRateLimiter(CLIENT_LIMIT), shop: createRateLimiter(SHOP_LIMIT) };
  const now = deps.now ?? (() => new Date());

  return async function handle(request: Request, path: string): Promise<Response> {
    const url = new URL(request.url);
    const { shop, customerId } = await deps.verifySignature(url.searchParams);
    if (path !== "lookup") return json(404, NOT_FOUND_BODY);

    const at = now();
    // The shopper's bucket first: a refused shopper does not spend the shop's allowance.
    for (const [limiter, key] of [
      [limits.client, `${shop}\n${clientOf(request)}`],
      [limits.shop, shop],
    ] as const) {
      const decision = limiter.take(key, at.getTime());
      if (!decision.allowed) {
        return json(429, JSON.stringify({ error: "rate_limited" }), { "Retry-After": String(decision.retryAfterSeconds) });
      }
    }

    const query = parseLookupQuery(url.searchParams);
    if (query.kind === "invalid") return json(400, JSON.stringify({ error: "invalid_request" }));
    if (query.kind === "recent") {
      const orders = customerId ? await recentOrdersOfCustomer(deps.db, shop, customerId, at) : [];
      return json(200, JSON.stringify({ signedIn: customerId !== null, orders }));
    }
    const order = await findOrderByContact(deps.db, shop, query.name, query.contact, at);
    return order ? json(200, JSON.stringify(order)) : json(404, NOT_FOUND_BODY);
  };
}
