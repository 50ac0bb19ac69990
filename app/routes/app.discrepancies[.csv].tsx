import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { parseDiscrepancyQuery } from "../store/discrepancies-page.server";
import { discrepanciesCsv } from "../store/discrepancies-export.server";

/** The Discrepancies page's current filter as a CSV download (all pages, not just the one shown). */
export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const now = new Date();
  const params = new URL(request.url).searchParams;
  params.delete("after");
  const filters = parseDiscrepancyQuery(params);
  const day = now.toISOString().slice(0, 10);
  return new Response(discrepanciesCsv(getPrisma(), shop, filters, now), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="discrepancies-${filters.state}-${day}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
