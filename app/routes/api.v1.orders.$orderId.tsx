import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { getOrder } from "../store/order-queries.server";
import { adminView, jsonResponse, requireApiShop } from "../support/support-api.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "orders:read");
  const orderId = params.orderId ?? "";
  const order = /^\d{1,20}$/.test(orderId) ? await getOrder(db, shop, orderId) : null;
  if (!order) return jsonResponse(404, { error: "order not found" });
  return jsonResponse(200, await adminView(db, shop, order, new Date()));
}
