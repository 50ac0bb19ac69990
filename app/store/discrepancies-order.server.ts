/** Everything the order page explains: the status, which events decided it, the timeline, the disagreements. */
import type { Db } from "../db.server";
import { orderTimeline } from "../domain/discrepancies-timeline";
import { orderDiscrepancies } from "./discrepancies.server";
import { getOrder, getSourceClaims, readDocument } from "./order-queries.server";
import { loadOrderEvents, rollupStored } from "./order-store.server";

export async function orderDetail(db: Db, shop: string, orderId: string, now: Date) {
  if (!/^\d{1,20}$/.test(orderId)) return null;
  const [order, stored, sources, discrepancies] = await Promise.all([
    getOrder(db, shop, orderId),
    loadOrderEvents(db, shop, orderId),
    getSourceClaims(db, shop, orderId),
    orderDiscrepancies(db, shop, orderId),
  ]);
  if (!order || stored.length === 0) return null;
  // The stored rollup keeps the status, not why; recomputing it from the log (pure, one order) says why.
  const { decidedBy } = rollupStored(stored);
  return {
    document: readDocument(order.document, now),
    timeline: orderTimeline(stored, decidedBy),
    sources,
    discrepancies,
    adminUrl: `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}/orders/${orderId}`,
    now: now.toISOString(),
  };
}
