import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { InvalidSearchTextError, searchText } from "../http/search-text.server";
import { findOrdersForSupport, jsonResponse, requireApiShop } from "../support/support-api.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "orders:read");
  const url = new URL(request.url);
  try {
    const name = searchText(url.searchParams.get("name"), "name", 64);
    const email = searchText(url.searchParams.get("email"), "email");
    if (!name && !email) return jsonResponse(400, { error: "give ?name=#1001 or ?email=..." });
    const orders = await findOrdersForSupport(db, shop, { name, email }, new Date());
    return jsonResponse(200, { orders });
  } catch (error) {
    if (error instanceof InvalidSearchTextError) return jsonResponse(400, { error: error.message });
    throw error;
  }
}
