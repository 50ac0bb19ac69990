import type { Db } from "../db.server";
import type { OrderStatus } from "../domain/rollup";
import { applyClock } from "../domain/rollup";

export type OrderListItem = {
  orderId: string;
  name: string;
  status: string;
  attention: string[];
  itemsShipped: number;
  itemsTotal: number;
  updatedAt: string;
};

export const ORDER_PAGE_SIZE = 50;

/** The stored document with its time-dependent flags brought up to `now`. */
export function readDocument(document: string, now: Date): OrderStatus {
  return applyClock(JSON.parse(document) as OrderStatus, now);
}

export async function listOrders(
  db: Db,
  shop: string,
  options: { status?: string | null; query?: string | null; before?: { updatedAt: Date; orderId: string } | null; now: Date },
): Promise<{ orders: OrderListItem[]; next: { updatedAt: string; orderId: string } | null }> {
  const { status, query, before, now } = options;
  const rows = await db.order.findMany({
    where: {
      shop,
      ...(status ? { status } : {}),
      ...(query ? { name: { startsWith: query.startsWith("#") ? query : `#${query}` } } : {}),
      ...(before
        ? {
            OR: [
              { updatedAt: { lt: before.updatedAt } },
              { updatedAt: before.updatedAt, orderId: { lt: before.orderId } },
            ],
          }
        : {}),
    },
    orderBy: [{ updatedAt: "desc" }, { orderId: "desc" }],
    take: ORDER_PAGE_SIZE + 1,
    select: { orderId: true, name: true, status: true, document: true, updatedAt: true },
  });
  const page = rows.slice(0, ORDER_PAGE_SIZE);
  const last = page.at(-1);
  return {
    orders: page.map((row) => {
      const doc = readDocument(row.document, now);
      return {
        orderId: row.orderId,
        name: row.name,
        status: row.status,
        attention: doc.attention,
        itemsShipped: doc.items.shipped,
        itemsTotal: doc.items.total,
        updatedAt: row.updatedAt.toISOString(),
      };
    }),
    next: rows.length > ORDER_PAGE_SIZE && last ? { updatedAt: last.updatedAt.toISOString(), orderId: last.orderId } : null,
  };
}

export async function getOrder(db: Db, shop: string, orderId: string) {
  return db.order.findUnique({ where: { shop_orderId: { shop, orderId } } });
}

export async function getSourceClaims(db: Db, shop: string, orderId: string) {
  const rows = await db.sourceClaim.findMany({ where: { shop, orderId }, orderBy: { source: "asc" } });
  return rows.map((row) => ({
    source: row.source,
    claim: row.claim,
    occurredAt: row.occurredAt.toISOString(),
    receivedAt: row.receivedAt.toISOString(),
  }));
}
