import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { findOrdersForSupport, jsonResponse, requireApiShop } from "../support/support-api.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getPrisma();
  const shop = await requireApiShop(db, request);
  const url = new URL(request.url);
  const name = url.searchParams.get("name")?.trim();
  const email = url.searchParams.get("email")?.trim();
  if (!name && !email) return jsonResponse(400, { error: "give ?name=#1001 or ?email=..." });
  const orders = await findOrdersForSupport(db, shop, { name, email }, new Date());
  return jsonResponse(200, { orders });
}
