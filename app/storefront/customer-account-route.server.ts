import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { authenticate } from "../shopify.server";
import { createCustomerAccountStatus } from "./customer-account.server";

let handle: ReturnType<typeof createCustomerAccountStatus> | undefined;

/** One handler per process, on the app's database and Shopify's customer account authentication. */
export function customerAccountStatus() {
  handle ??= createCustomerAccountStatus({
    db: getPrisma(),
    authenticate: (request) => authenticate.public.customerAccount(request),
    apiKey: appConfig().apiKey,
  });
  return handle;
}
