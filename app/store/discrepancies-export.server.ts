import { stringify } from "csv-stringify/sync";
import type { Db } from "../db.server";
import { spreadsheetSafe } from "../domain/spreadsheet-safe";
import { listDiscrepancies, type DiscrepancyFilters } from "./discrepancies.server";

const COLUMNS = ["order", "order_id", "code", "source", "since", "cleared_at", "detail"];

/** Most a single export holds; a filter narrows a bigger set. */
export const EXPORT_ROW_LIMIT = 50_000;
const EXPORT_PAGE_SIZE = 1000;

/**
 * The discrepancies matching the page's filters as CSV, streamed page by page so a large export never
 * sits in memory whole. Every text cell is made spreadsheet-safe.
 */
export function discrepanciesCsv(db: Db, shop: string, filters: DiscrepancyFilters, now: Date): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = filters.after;
  let written = 0;
  let header = true;
  return new ReadableStream({
    async pull(controller) {
      const page = await listDiscrepancies(db, shop, { ...filters, after }, now, EXPORT_PAGE_SIZE);
      const rows = page.items.slice(0, EXPORT_ROW_LIMIT - written).map((d) =>
        [d.orderName, d.orderId, d.code, d.source ?? "", d.since, d.clearedAt ?? "", d.detail].map((cell) => spreadsheetSafe(String(cell))),
      );
      controller.enqueue(encoder.encode(stringify(rows, { header, columns: COLUMNS })));
      header = false;
      written += rows.length;
      if (!page.next || written >= EXPORT_ROW_LIMIT) controller.close();
      else after = { since: new Date(page.next.since), id: page.next.id };
    },
  });
}
