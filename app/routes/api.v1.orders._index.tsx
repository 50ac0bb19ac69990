import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { InvalidSearchTextError, searchText } from "../http/search-text.server";
import { findOrdersForSupport, jsonResponse, requireApiShop } from "../support/support-api.server";

/** GET /api/v1/orders?name=#1001. Lookups by email are POST /api/v1/orders/lookup. */
export async function loader({ request }: LoaderFunctionArgs) {
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "orders:read");
  const url = new URL(request.url);
  // Refused rather than ignored, so a caller still sending contact data in the URL learns where it goes.
  if (url.searchParams.has("email")) {
    return jsonResponse(400, { error: "look orders up by email with POST /api/v1/orders/lookup, not in the URL" });
  }
  try {
    const name = searchText(url.searchParams.get("name"), "name", 64);
    if (!name) return jsonResponse(400, { error: "give ?name=#1001" });
    return jsonResponse(200, { orders: await findOrdersForSupport(db, shop, { name }, new Date()) });
  } catch (error) {
    if (error instanceof InvalidSearchTextError) return jsonResponse(400, { error: error.message });
    throw error;
  }
}
