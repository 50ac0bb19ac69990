import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { healthReport } from "../store/sync-lag-report.server";
import { jsonResponse, requireApiShop } from "../support/support-api.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "any");
  return jsonResponse(200, await healthReport(db, shop, new Date()));
}
