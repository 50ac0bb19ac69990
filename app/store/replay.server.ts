import type { Db } from "../db.server";
import { loadOrderEvents, rollupStored } from "./order-store.server";


export type ReplayDifference = { shop: string; orderId: string; stored: string | null; replayed: string };
export type ReplayReport = { orders: number; events: number; differences: ReplayDifference[] };

/**
 * Rebuilds every order's rollup from the event log and compares it with what intake stored.
 * Any difference means the stored truth and its history disagree; there must be none.
 */
export async function replayAll(db: Db, options: { shop?: string; batchSize?: number } = {}): Promise<ReplayReport> {
  const report: ReplayReport = { orders: 0, events: 0, differences: [] };
  const batchSize = options.batchSize ?? 500;
  let cursor: { shop: string; orderId: string } | undefined;
  for (;;) {
    const orders = await db.order.findMany({
      where: {
        ...(options.shop ? { shop: options.shop } : {}),
        ...(cursor ? { OR: [{ shop: { gt: cursor.shop } }, { shop: cursor.shop, orderId: { gt: cursor.orderId } }] } : {}),
      },
      orderBy: [{ shop: "asc" }, { orderId: "asc" }],
      take: batchSize,
      select: { shop: true, orderId: true, document: true },
    });
    if (orders.length === 0) break;
    for (const order of orders) {
      const stored = await loadOrderEvents(db, order.shop, order.orderId);
      report.orders += 1;
      report.events += stored.length;
      if (stored.length === 0) {
        report.differences.push({ shop: order.shop, orderId: order.orderId, stored: order.document, replayed: "(no events)" });
        continue;
      }
      const replayed = JSON.stringify(rollupStored(stored).status);
      if (replayed !== order.document) {
        report.differences.push({ shop: order.shop, orderId: order.orderId, stored: order.document, replayed });
      }
    }
    const last = orders[orders.length - 1];
    cursor = { shop: last.shop, orderId: last.orderId };
  }
  // Orders that have events but no stored rollup are differences too.
  const orphanGroups = await db.event.groupBy({
    by: ["shop", "orderId"],
    where: options.shop ? { shop: options.shop } : {},
  });
  if (orphanGroups.length !== report.orders) {
    const known = new Set<string>();
    for (const d of await db.order.findMany({ select: { shop: true, orderId: true }, where: options.shop ? { shop: options.shop } : {} })) {
      known.add(`${d.shop}/${d.orderId}`);
    }
    for (const g of orphanGroups) {
      if (!known.has(`${g.shop}/${g.orderId}`)) report.differences.push({ shop: g.shop, orderId: g.orderId, stored: null, replayed: "(events without a stored order)" });
    }
  }
  return report;
}
