import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { forwardToAppProxy } from "../storefront/storefront-emulator.server";

/** Demo only: the storefront's /apps/order-status/*, forwarded and signed as Shopify's app proxy does. */
function forward({ request, params }: LoaderFunctionArgs | ActionFunctionArgs) {
  const config = appConfig();
  if (!config.demo) throw new Response("Not Found", { status: 404 });
  return forwardToAppProxy(request, params["*"] ?? "", config.apiSecret);
}

export const loader = (args: LoaderFunctionArgs) => forward(args);
// Lookups are POSTs: Shopify's proxy forwards the method and the body as they came.
export const action = (args: ActionFunctionArgs) => forward(args);
