import type { Db } from "../db.server";
import { hashEmail, hashPhone } from "../domain/events";
import { readDocument } from "../store/order-queries.server";
import { storefrontView, type StorefrontOrder } from "./lookup-query";

export const RECENT_ORDERS = 5;

/**
 * One order by its name and the email or phone given at checkout. A wrong contact and a missing
 * order are the same single indexed query that finds no row, so neither answer nor timing tells
 * them apart. Deleted orders are never found.
 */
export async function findOrderByContact(
  db: Db,
  shop: string,
  name: string,
  contact: { email: string } | { phone: string },
  now: Date,
): Promise<StorefrontOrder | null> {
  const match = "email" in contact ? { emailHash: hashEmail(contact.email) ?? "" } : { phoneHash: hashPhone(contact.phone) ?? "" };
  const row = await db.order.findFirst({
    where: { shop, name, deleted: false, ...match },
    orderBy: { orderId: "desc" },
    select: { document: true },
  });
  return row ? storefrontView(readDocument(row.document, now)) : null;
}

/** The signed-in customer's latest orders, newest first; only ever filtered by their own id. */
export async function recentOrdersOfCustomer(db: Db, shop: string, customerId: string, now: Date, take = RECENT_ORDERS): Promise<StorefrontOrder[]> {
  const rows = await db.order.findMany({
    where: { shop, customerId, deleted: false },
    orderBy: [{ placedAt: "desc" }, { orderId: "desc" }],
    take,
    select: { document: true },
  });
  return rows.map((row) => storefrontView(readDocument(row.document, now)));
}
