import type { ActionFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { readJsonObject, textField } from "../http/json-body.server";
import { InvalidSearchTextError, searchText } from "../http/search-text.server";
import { findOrdersForSupport, jsonResponse, requireApiShop } from "../support/support-api.server";

const BODY_LIMIT = 4096;

const usePost = () => jsonResponse(405, { error: "use POST with a JSON body" }, { Allow: "POST" });

export const loader = usePost;

/**
 * POST /api/v1/orders/lookup with `{"email": "..."}`: the shop's orders placed with that email. A
 * body, not a query string, so the customer's email stays out of the access logs of every proxy on
 * the way (docs/decisions/024-proxy-canonical-query-and-post-lookups.md).
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return usePost();
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "orders:read");
  const reading = await readJsonObject(request, BODY_LIMIT);
  if (!reading.ok) return jsonResponse(reading.status, { error: reading.error });
  try {
    const given = textField(reading.body, "email");
    const email = given ? searchText(given, "email") : null;
    if (!email) return jsonResponse(400, { error: 'give {"email": "..."}' });
    return jsonResponse(200, { orders: await findOrdersForSupport(db, shop, { email }, new Date()) });
  } catch (error) {
    if (error instanceof InvalidSearchTextError) return jsonResponse(400, { error: error.message });
    throw error;
  }
}
