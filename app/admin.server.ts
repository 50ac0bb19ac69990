import { appConfig, DEMO_SHOP } from "./config.server";
import { authenticate } from "./shopify.server";

export type AdminContext = {
  shop: string;
  demo: boolean;
  /** Shopify's Admin API client; null in demo mode, which has no store behind it. */
  graphql: ((query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>) | null;
};

/**
 * Every admin loader and action starts here. Demo mode (guarded in config.server.ts) stands in
 * for the embedded session; everything else goes through Shopify's token-exchange auth.
 */
export async function requireAdmin(request: Request): Promise<AdminContext> {
  if (appConfig().demo) return { shop: DEMO_SHOP, demo: true, graphql: null };
  const { session, admin } = await authenticate.admin(request);
  return { shop: session.shop, demo: false, graphql: admin.graphql };
}
