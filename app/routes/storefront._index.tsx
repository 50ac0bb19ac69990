import type { LoaderFunctionArgs } from "@remix-run/node";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { storefrontPage } from "../storefront/storefront-emulator.server";

/** Demo only: a storefront page hosting the order-status block. */
export async function loader({ request }: LoaderFunctionArgs) {
  if (!appConfig().demo) throw new Response("Not Found", { status: 404 });
  return storefrontPage(getPrisma(), request);
}
