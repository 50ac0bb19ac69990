import type { LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { storefrontAsset } from "../storefront/storefront-emulator.server";

/** Demo only: the block's script and stylesheet, as Shopify's CDN would serve them. */
export async function loader({ params }: LoaderFunctionArgs) {
  if (!appConfig().demo) throw new Response("Not Found", { status: 404 });
  return storefrontAsset(params.file ?? "");
}
