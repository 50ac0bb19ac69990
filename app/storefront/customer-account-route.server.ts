import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { authenticate } from "../shopify.server";
import { createCustomerAccountStatus } from "./customer-account.server";
import { trustedHopsFrom } from "./storefront-proxy.server";

let handle: ReturnType<typeof createCustomerAccountStatus> | undefined;

/**
 * One handler per process (its rate limiter buckets outlive a request), on the app's database and
 * Shopify's customer account authentication.
 */
export function customerAccountStatus() {
  handle ??= createCustomerAccountStatus({
    db: getPrisma(),
    authenticate: (request) => authenticate.public.customerAccount(request),
    apiKey: appConfig().apiKey,
    trustedHops: trustedHopsFrom(process.env.TRUSTED_PROXY_HOPS),
  });
  return handle;
}

/** The connection's address, which `npm start` (server/index.js) hands each request in Remix's load context. */
export function peerAddress(context: unknown): string | undefined {
  const address = (context as { remoteAddress?: unknown } | undefined)?.remoteAddress;
  return typeof address === "string" ? address : undefined;
}
