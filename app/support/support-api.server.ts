import type { Db } from "../db.server";
import { hashEmail } from "../domain/events";
import type { OrderStatus } from "../domain/rollup";
import { getSourceClaims, readDocument } from "../store/order-queries.server";
import { shopForBearer } from "../store/api-keys.server";
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

/** Every bearer-key endpoint (support API, feeds, MCP) starts here: key → shop, then the shop's rate limit. */
export async function requireApiShop(db: Db, request: Request): Promise<string> {
  const shop = await shopForBearer(db, request.headers.get("authorization"));
  if (!shop) {
    throw jsonResponse(401, { error: "invalid or revoked API key" }, { "WWW-Authenticate": 'Bearer realm="order-status"' });
  }
  const decision = apiLimiter.take(shop, Date.now());
  if (!decision.allowed) {
    throw jsonResponse(429, { error: "too many requests for this shop" }, { "Retry-After": String(decision.retryAfterSeconds) });
  }
  return shop;
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
