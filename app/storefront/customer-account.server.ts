import type { JwtPayload } from "@shopify/shopify-api";
import type { Db } from "../db.server";
import { readDocument } from "../store/order-queries.server";
import { storefrontView } from "./lookup-query";
import { createRateLimiter, type RateLimiter } from "./rate-limiter";
import { CLIENT_LIMIT, SHOP_LIMIT } from "./storefront-proxy.server";
import { recentOrdersOfCustomer } from "./storefront-lookup.server";

/**
 * What `authenticate.public.customerAccount` gives: the session token, checked for Shopify's
 * signature (HS256 with the app's secret), `exp` and `nbf`, and a helper that adds the CORS
 * headers an extension's fetch needs. It throws a Response for a preflight, a bot or a bad token.
 */
export type CustomerAccountAuthentication = (request: Request) => Promise<{ sessionToken: JwtPayload; cors: (response: Response) => Response }>;

export type CustomerAccountDeps = {
  db: Db;
  authenticate: CustomerAccountAuthentication;
  /** The app's client id: the `aud` every session token for this app carries. */
  apiKey: string;
  /** How many proxies of the app's own (load balancer, ingress) stand between the customer's browser and the app. */
  trustedHops?: number;
  limits?: { client: RateLimiter; shop: RateLimiter };
  now?: () => Date;
};

const HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
// One body for every miss: a missing order, a deleted one, another shop's or another customer's read the same.
const NOT_FOUND_BODY = JSON.stringify({ error: "not_found" });
const UNAUTHORIZED_BODY = JSON.stringify({ error: "unauthorized" });
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;
const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,20})$/;
const ORDER_ID = /^\d{1,20}$/;

/** The shop's myshopify domain from a `dest` or `iss` claim, given with or without a scheme and path. */
export function shopDomainOf(claim: unknown): string | null {
  if (typeof claim !== "string" || !claim) return null;
  let host: string;
  try {
    host = new URL(claim.includes("://") ? claim : `https://${claim}`).hostname.toLowerCase();
  } catch {
    return null;
  }
  return SHOP_DOMAIN.test(host) ? host : null;
}

/**
 * The customer's address. The extension's fetch comes straight from the browser: with no proxy of
 * the app's own the connection's peer is the customer; each such proxy appends the address it
 * received from to X-Forwarded-For, so the customer is `trustedHops` entries left of the peer, and
 * whatever lies further left is what the browser sent. Unknown addresses share one bucket.
 */
export function clientAddress(forwardedFor: string | null, peer: string | undefined, trustedHops: number): string {
  const chain = [...(forwardedFor ?? "").split(","), peer ?? ""].map((entry) => entry.trim());
  return chain[chain.length - 1 - trustedHops] || "unknown";
}

type Caller = { shop: string; customerId: string | null };

/**
 * Whom a verified token speaks for. Shopify's library leaves `aud` unchecked for extension tokens,
 * so it is checked here, as Shopify asks of every session token. The shop is `dest`, as Shopify's
 * Session Token API says; an `iss` that names another shop is refused. `sub` is the signed-in
 * customer's GID, absent while the Order status page is only pre-authenticated
 * (docs/decisions/028-order-status-page-extension.md); present, it must be one.
 */
function callerOf(token: JwtPayload, apiKey: string): Caller | null {
  // The library checks `exp` only when a token has one; Shopify's always do, so one without is no token of theirs.
  if (token.aud !== apiKey || typeof token.exp !== "number") return null;
  const shop = shopDomainOf(token.dest);
  const issuer = shopDomainOf(token.iss);
  if (!shop || (issuer !== null && issuer !== shop)) return null;
  if (token.sub === undefined) return { shop, customerId: null };
  const customer = CUSTOMER_GID.exec(String(token.sub));
  return customer ? { shop, customerId: customer[1]! } : null;
}

/**
 * Requests of the customer account UI extensions (Order status and Order index pages), each with
 * Shopify's session token. `GET /customer-account/orders/<id>`: that order, only to its own
 * signed-in customer. `GET /customer-account/orders`: the signed-in customer's recent orders.
 * Without a customer (`sub`) nothing is read: any token of the shop would otherwise open any of
 * its orders by id, where Shopify's own pre-authenticated page needs the notification's secret link.
 */
export function createCustomerAccountStatus(deps: CustomerAccountDeps) {
  const now = deps.now ?? (() => new Date());
  const limits = deps.limits ?? { client: createRateLimiter(CLIENT_LIMIT), shop: createRateLimiter(SHOP_LIMIT) };
  const trustedHops = deps.trustedHops ?? 0;

  /** `peer`: the address the app's server accepted the connection from. */
  return async function handle(request: Request, orderId: string | null, peer?: string): Promise<Response> {
    let authenticated: Awaited<ReturnType<CustomerAccountAuthentication>>;
    try {
      authenticated = await deps.authenticate(request);
    } catch (thrown) {
      if (!(thrown instanceof Response)) throw thrown;
      // The library answers a refused token without CORS headers; with them the extension can tell
      // a refusal from a network failure.
      if (!thrown.headers.has("Access-Control-Allow-Origin")) thrown.headers.set("Access-Control-Allow-Origin", "*");
      thrown.headers.set("Cache-Control", "no-store");
      return thrown;
    }
    const { sessionToken, cors } = authenticated;
    const json = (status: number, body: string, headers: Record<string, string> = {}) => cors(new Response(body, { status, headers: { ...HEADERS, ...headers } }));

    const caller = callerOf(sessionToken, deps.apiKey);
    if (!caller) return json(401, UNAUTHORIZED_BODY);
    if (request.method !== "GET") return json(405, JSON.stringify({ error: "method_not_allowed" }), { Allow: "GET" });
    const { shop, customerId } = caller;
    const at = now();
    // The customer's bucket first: a refused customer does not spend the shop's allowance.
    for (const [limiter, key] of [
      [limits.client, `${shop}\n${clientAddress(request.headers.get("x-forwarded-for"), peer, trustedHops)}`],
      [limits.shop, shop],
    ] as const) {
      const decision = limiter.take(key, at.getTime());
      if (!decision.allowed) return json(429, JSON.stringify({ error: "rate_limited" }), { "Retry-After": String(decision.retryAfterSeconds) });
    }
    if (customerId === null) return json(200, JSON.stringify(orderId === null ? { signedIn: false, orders: [] } : { signedIn: false, order: null }));

    if (orderId === null) return json(200, JSON.stringify({ signedIn: true, orders: await recentOrdersOfCustomer(deps.db, shop, customerId, at) }));
    if (!ORDER_ID.test(orderId)) return json(404, NOT_FOUND_BODY);
    const row = await deps.db.order.findFirst({ where: { shop, orderId, customerId, deleted: false }, select: { document: true } });
    if (!row) return json(404, NOT_FOUND_BODY);
    return json(200, JSON.stringify({ signedIn: true, order: storefrontView(readDocument(row.document, at)) }));
  };
}
