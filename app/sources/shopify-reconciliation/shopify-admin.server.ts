/** The production binding of the reconciliation to Shopify: offline access tokens, per shop. */
import type { Db } from "../../db.server";
import { installedShops } from "../../jobs/registry.server";
import { unauthenticated } from "../../shopify.server";
import { AdminApiError, fromShopifyAdmin, type GraphqlCall } from "./admin-graphql.server";

/**
 * Admin GraphQL for a shop through its stored offline session (jobs run outside any request). An
 * expiring offline token lives 60 minutes and a long run can outlive it: a 401 loads the session again,
 * which refreshes an expired token, and the call is retried once.
 */
export async function adminGraphqlForShop(shop: string): Promise<GraphqlCall> {
  const connect = async () => fromShopifyAdmin((await unauthenticated.admin(shop)).admin.graphql);
  let call = await connect();
  return async (query, variables) => {
    try {
      return await call(query, variables);
    } catch (error) {
      if (!(error instanceof AdminApiError && error.httpStatus === 401)) throw error;
      call = await connect();
      return call(query, variables);
    }
  };
}

/** Installed shops that granted offline access: the only ones a job can ask Shopify about. */
export async function shopsWithOfflineAccess(db: Db): Promise<string[]> {
  const installed = new Set(await installedShops(db));
  const sessions = await db.session.findMany({ where: { isOnline: false }, distinct: ["shop"], select: { shop: true } });
  return sessions.map((s) => s.shop).filter((shop) => installed.has(shop)).sort();
}
