import type { LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { forwardToAppProxy } from "../storefront/storefront-emulator.server";

/** Demo only: the storefront's /apps/order-status/*, forwarded and signed as Shopify's app proxy does. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const config = appConfig();
  if (!config.demo) throw new Response("Not Found", { status: 404 });
  return forwardToAppProxy(request, params["*"] ?? "", config.apiSecret);
}
