import type { LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { authenticate } from "../shopify.server";
import { createProxySignatureCheck } from "../storefront/proxy-signature.server";
import { createStorefrontProxy } from "../storefront/storefront-proxy.server";

let handle: ReturnType<typeof createStorefrontProxy> | undefined;

/**
 * Storefront requests forwarded by Shopify's app proxy (/apps/order-status/*). Nothing here
 * trusts shop or customer ids until Shopify's signature check has passed.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  // One instance per process: its rate limiter buckets must outlive a request.
  handle ??= createStorefrontProxy({
    db: getPrisma(),
    verifySignature: createProxySignatureCheck((r) => authenticate.public.appProxy(r), appConfig()),
  });
  return handle(request, params["*"] ?? "");
}
