import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { exportDataRequest } from "../store/privacy-export.server";

/** A customers/data_request's export (Settings → Privacy → Download); only the shop's own requests are found. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const id = /^[1-9][0-9]{0,9}$/.test(params.requestId ?? "") ? Number(params.requestId) : null;
  const exported = id === null ? null : await exportDataRequest(getPrisma(), shop, id, new Date());
  if (!exported) return new Response("No such data request", { status: 404, headers: { "Cache-Control": "no-store" } });
  return new Response(exported.body, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exported.fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
