import type { Db } from "../db.server";
import { readJsonObject } from "../http/json-body.server";
import type { VerifiedProxyQuery } from "./proxy-signature.server";
import { createRateLimiter, type RateLimit, type RateLimiter } from "./rate-limiter";
import { parseLookupClaims } from "./lookup-query";
import { findOrderByContact, recentOrdersOfCustomer } from "./storefront-lookup.server";

/** Per shopper (client IP as Shopify forwards it): a few lookups at once, then one every 6 s. */
export const CLIENT_LIMIT: RateLimit = { capacity: 20, refillPerSecond: 1 / 6 };
/** Per shop, whatever the client: a ceiling that keeps one storefront from starving the others. */
export const SHOP_LIMIT: RateLimit = { capacity: 1000, refillPerSecond: 500 };

// no-transform: the server's compression middleware skips these answers; gzip of a 1-2 KB body
// cost more time on the server than it saves on the wire.
const HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store, no-transform", "X-Content-Type-Options": "nosniff" };
/** An order number and an email or phone, as JSON, with room to spare. */
export const LOOKUP_BODY_LIMIT = 2048;
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
  /** How many proxies of the app's own (load balancer, ingress) append to X-Forwarded-For after Shopify. */
  trustedHops?: number;
  limits?: { client: RateLimiter; shop: RateLimiter };
  now?: () => Date;
};

/**
 * The shopper's address as Shopify's app proxy gave it. Shopify puts the client's IP in
 * X-Forwarded-For; entries left of it are whatever the client sent (anyone can send any), entries
 * right of it were appended by the app's own proxies, `trustedHops` of them. Too few entries for the
 * configured hops means the header did not come the expected way: such requests share one bucket.
 */
function clientAddress(forwardedFor: string | null, trustedHops: number): string {
  const entries = (forwardedFor ?? "").split(",").map((entry) => entry.trim());
  return entries[entries.length - 1 - trustedHops] || "unknown";
}

/** `TRUSTED_PROXY_HOPS`: unset is 0, Shopify's proxy talking to the app directly. */
export function trustedHopsFrom(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  if (!/^\d$/.test(value)) throw new Error("TRUSTED_PROXY_HOPS must be a whole number from 0 to 9");
  return Number(value);
}

/**
 * Requests Shopify forwards from /apps/order-status/* to <app>/proxy/*. The signature is checked
 * before anything else, and the handler reads only the record it verified: the shop and the
 * signed-in customer from there, the shopper's claims from the POST body. GET /lookup answers the
 * signed-in customer's recent orders; POST /lookup one order by number and email or phone.
 */
export function createStorefrontProxy(deps: StorefrontProxyDeps) {
  const limits = deps.limits ?? { client: createRateLimiter(CLIENT_LIMIT), shop: createRateLimiter(SHOP_LIMIT) };
  const now = deps.now ?? (() => new Date());
  const trustedHops = deps.trustedHops ?? 0;

  return async function handle(request: Request, path: string): Promise<Response> {
    const { shop, customerId } = await deps.verifySignature(new URL(request.url).searchParams);
    if (path !== "lookup") return json(404, NOT_FOUND_BODY);
    if (request.method !== "GET" && request.method !== "POST") return json(405, JSON.stringify({ error: "method_not_allowed" }), { Allow: "GET, POST" });

    const at = now();
    // The shopper's bucket first: a refused shopper does not spend the shop's allowance.
    for (const [limiter, key] of [
      [limits.client, `${shop}\n${clientAddress(request.headers.get("x-forwarded-for"), trustedHops)}`],
      [limits.shop, shop],
    ] as const) {
      const decision = limiter.take(key, at.getTime());
      if (!decision.allowed) {
        return json(429, JSON.stringify({ error: "rate_limited" }), { "Retry-After": String(decision.retryAfterSeconds) });
      }
    }

    if (request.method === "GET") {
      const orders = customerId ? await recentOrdersOfCustomer(deps.db, shop, customerId, at) : [];
      return json(200, JSON.stringify({ signedIn: customerId !== null, orders }));
    }
    const body = await readJsonObject(request, LOOKUP_BODY_LIMIT);
    const claims = parseLookupClaims(body.ok ? body.body : undefined);
    if (claims.kind === "invalid") return json(400, JSON.stringify({ error: "invalid_request" }));
    const order = await findOrderByContact(deps.db, shop, claims.name, claims.contact, at);
    return order ? json(200, JSON.stringify(order)) : json(404, NOT_FOUND_BODY);
  };
}
