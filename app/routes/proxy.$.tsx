import type { LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { createProxySignatureCheck } from "../storefront/proxy-signature.server";
import { createStorefrontProxy } from "../storefront/storefront-proxy.server";

let handle: ReturnType<typeof createStorefrontProxy> | undefined;

/**
 * Storefront requests forwarded by Shopify's app proxy (/apps/order-status/*). Nothing here
 * trusts shop or customer ids until Shopify's signature check has passed. The check stands alone,
 * without `authenticate.public.appProxy`: that one also loads the shop's offline session and may
 * refresh its token, which a lookup answered from our database has no use for
 * (docs/decisions/019-app-proxy-without-session.md).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  // One instance per process: its rate limiter buckets must outlive a request.
  handle ??= createStorefrontProxy({ db: getPrisma(), verifySignature: createProxySignatureCheck(appConfig()) });
  return handle(request, params["*"] ?? "");
}
