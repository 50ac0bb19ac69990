import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { createProxySignatureCheck } from "../storefront/proxy-signature.server";
import { createStorefrontProxy, trustedHopsFrom } from "../storefront/storefront-proxy.server";

let handle: ReturnType<typeof createStorefrontProxy> | undefined;

/**
 * Storefront requests forwarded by Shopify's app proxy (/apps/order-status/*). Nothing here
 * trusts shop or customer ids until the signature check has passed. The check stands alone,
 * without `authenticate.public.appProxy`: that one also loads the shop's offline session and may
 * refresh its token, which a lookup answered from our database has no use for
 * (docs/decisions/019-app-proxy-without-session.md, 024-proxy-canonical-query-and-post-lookups.md).
 */
function proxy({ request, params }: LoaderFunctionArgs | ActionFunctionArgs) {
  // One instance per process: its rate limiter buckets must outlive a request.
  handle ??= createStorefrontProxy({
    db: getPrisma(),
    verifySignature: createProxySignatureCheck(appConfig()),
    trustedHops: trustedHopsFrom(process.env.TRUSTED_PROXY_HOPS),
  });
  return handle(request, params["*"] ?? "");
}

/** GET /proxy/lookup: the signed-in customer's recent orders. */
export const loader = (args: LoaderFunctionArgs) => proxy(args);
/** POST /proxy/lookup: one order by the number, email or phone in the body. */
export const action = (args: ActionFunctionArgs) => proxy(args);
