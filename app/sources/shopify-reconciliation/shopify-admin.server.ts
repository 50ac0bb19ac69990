/** The production binding of the reconciliation to Shopify: offline access tokens, per shop. */
import type { Db } from "../../db.server";
import { installedShops } from "../../jobs/registry.server";
import { unauthenticated } from "../../shopify.server";
import { fromShopifyAdmin, type GraphqlCall } from "./admin-graphql.server";

/** Admin GraphQL for a shop through its stored offline session (jobs run outside any request). */
export async function adminGraphqlForShop(shop: string): Promise<GraphqlCall> {
  const { admin } = await unauthenticated.admin(shop);
  return fromShopifyAdmin(admin.graphql);
}

/** Installed shops that granted offline access: the only ones a job can ask Shopify about. */
export async function shopsWithOfflineAccess(db: Db): Promise<string[]> {
  const installed = new Set(await installedShops(db));
  const sessions = await db.session.findMany({ where: { isOnline: false }, distinct: ["shop"], select: { shop: true } });
  return sessions.map((s) => s.shop).filter((shop) => installed.has(shop)).sort();
}
