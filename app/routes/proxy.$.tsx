import type { LoaderFunctionArgs } from "@remix-run/node";
import { authenticate } from "../shopify.server";

/**
 * Storefront requests forwarded by Shopify's app proxy (/apps/order-status/*). Nothing here
 * trusts shop or customer ids until Shopify's signature check has passed.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await authenticate.public.appProxy(request);
  return new Response(JSON.stringify({ ok: true }), {
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}
