import type { Db } from "../db.server";
import type { ApiScope } from "../domain/api-scopes";
import { hashEmail } from "../domain/events";
import type { OrderStatus } from "../domain/rollup";
import { getSourceClaims, readDocument } from "../store/order-queries.server";
import { authenticateBearer, type AuthenticatedKey } from "../store/api-keys.server";
import { createRateLimiter } from "../storefront/rate-limiter";
import { openDiscrepanciesForContract } from "../store/discrepancies.server";

export type AdminOrderView = OrderStatus & {
  sources: Array<{ source: string; claim: string; occurredAt: string; receivedAt: string }>;
  discrepancies: Array<{ code: string; since: string; detail?: string }>;
};

export const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/**
 * Per shop, per process: a bot stuck in a loop cannot starve the other shops. Several processes
 * multiply the budget by their number, which is fine for this purpose (see decision 006).
 */
const apiLimiter = createRateLimiter({
  capacity: Number(process.env.API_RATE_LIMIT_BURST ?? 60),
  refillPerSecond: Number(process.env.API_RATE_LIMIT_PER_SECOND ?? 30),
});

export type ApiRefusal = { status: 401 | 403 | 429; error: string; missingScope?: ApiScope; headers: Record<string, string> };

export type ApiAccess = { key: AuthenticatedKey; refusal?: undefined } | { key?: undefined; refusal: ApiRefusal };

/**
 * Every bearer-key endpoint (support API, WISMO, MCP, feeds) starts here: key → scope → the shop's
 * rate limit. `"any"` is for answers that hold no order data (sync health). A refused scope takes
 * no token, so a misconfigured integration does not use up the shop's budget.
 */
export async function checkApiAccess(db: Db, request: Request, scope: ApiScope | "any"): Promise<ApiAccess> {
  const key = await authenticateBearer(db, request.headers.get("authorization"), new Date());
  if (!key) {
    return { refusal: { status: 401, error: "invalid or revoked API key", headers: { "WWW-Authenticate": 'Bearer realm="order-status"' } } };
  }
  if (scope !== "any" && !key.scopes.includes(scope)) {
    return {
      refusal: {
        status: 403,
        error: `this API key lacks the ${scope} scope; create a key with it in Settings → API keys`,
        missingScope: scope,
        headers: { "WWW-Authenticate": `Bearer realm="order-status", error="insufficient_scope", scope="${scope}"` },
      },
    };
  }
  const decision = apiLimiter.take(key.shop, Date.now());
  if (!decision.allowed) {
    return { refusal: { status: 429, error: "too many requests for this shop", headers: { "Retry-After": String(decision.retryAfterSeconds) } } };
  }
  return { key };
}

export async function requireApiKey(db: Db, request: Request, scope: ApiScope | "any"): Promise<AuthenticatedKey> {
  const access = await checkApiAccess(db, request, scope);
  if (access.refusal) {
    const { status, error, missingScope, headers } = access.refusal;
    throw jsonResponse(status, missingScope ? { error, missingScope } : { error }, headers);
  }
  return access.key;
}

export async function requireApiShop(db: Db, request: Request, scope: ApiScope | "any"): Promise<string> {
  return (await requireApiKey(db, request, scope)).shop;
}

export async function adminView(db: Db, shop: string, row: { orderId: string; document: string }, now: Date): Promise<AdminOrderView> {
  const document = readDocument(row.document, now);
  const [sources, discrepancies] = await Promise.all([getSourceClaims(db, shop, row.orderId), openDiscrepanciesForContract(db, shop, row.orderId)]);
  return { ...document, sources, discrepancies };
}

export async function findOrdersForSupport(
  db: Db,
  shop: string,
  query: { name?: string | null; email?: string | null },
  now: Date,
): Promise<AdminOrderView[]> {
  const where = query.name
    ? { shop, name: query.name.startsWith("#") ? query.name : `#${query.name}` }
    : query.email
      ? { shop, emailHash: hashEmail(query.email) }
      : null;
  if (!where) return [];
  const rows = await db.order.findMany({
    where,
    orderBy: [{ placedAt: "desc" }, { orderId: "desc" }],
    take: 20,
    select: { orderId: true, document: true },
  });
  return Promise.all(rows.map((row) => adminView(db, shop, row, now)));
}
