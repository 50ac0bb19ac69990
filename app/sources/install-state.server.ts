/**
 * Whether a shop still has the app installed, as Shopify sees it. app/uninstalled is signed, but a
 * captured one stays valid forever: sent again after the merchant reinstalled, it would delete the
 * shop's sessions and keys, and let a replayed shop/redact erase the shop (decision 025). An
 * uninstall revokes the app's access token, so Shopify's own answer to that token decides.
 */
import type { Db } from "../db.server";
import { AdminApiError, type GraphqlCall } from "./shopify-reconciliation/admin-graphql.server";

export const STILL_INSTALLED_QUERY = `#graphql
  query StillInstalled {
    shop {
      id
    }
  }`;

/** HTTP answers that mean Shopify no longer honours the token: 401 from the API, 400/401 from a token refresh. */
function refusedByShopify(error: unknown): boolean {
  if (error instanceof AdminApiError) return error.httpStatus === 401;
  const code = (error as { response?: { code?: unknown } } | null)?.response?.code;
  return code === 400 || code === 401;
}

/**
 * True while Shopify accepts the shop's offline token. A shop with no offline token is not
 * installed as far as the app can act on it. Any other failure (network, 5xx, throttling) is thrown:
 * the caller answers 503 and Shopify delivers again.
 */
export async function stillInstalled(db: Db, shop: string, graphqlFor: (shop: string) => Promise<GraphqlCall>): Promise<boolean> {
  if ((await db.session.count({ where: { shop, isOnline: false } })) === 0) return false;
  try {
    const body = await (await graphqlFor(shop))(STILL_INSTALLED_QUERY, {});
    if ((body.data as { shop?: { id?: string } } | null | undefined)?.shop?.id) return true;
    // Throttled or failing: not an answer about the token, so no reason to act either way.
    throw new AdminApiError("Admin API answered without the shop", (body.errors ?? []).map((e) => e.extensions?.code ?? ""));
  } catch (error) {
    if (refusedByShopify(error)) return false;
    throw error;
  }
}
