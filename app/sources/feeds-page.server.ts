/**
 * The Feeds page's server side: what the page shows (recent imports, what waits for a match) and the
 * actions posted to it (settings sections, "recheck with Shopify"), so the route stays thin.
 */
import type { AdminContext } from "../admin.server";
import { appConfig } from "../config.server";
import type { Db } from "../db.server";
import { fromShopifyAdmin } from "./shopify-reconciliation/admin-graphql.server";
import { recheckOrders, type ReconcileReport } from "./shopify-reconciliation/reconcile.server";
import { recordDirectly } from "./feed-delivery.server";
import { saveColumnMapping, saveSftpForm, type SettingsSaveResult } from "./three-pl/feed-settings.server";
import { recentImports } from "./three-pl/import.server";
import { headerRowOf, isPackageMapping, readColumnMapping } from "../domain/three-pl-columns";

export async function feedsPageData(db: Db, shop: string) {
  const [imports, waiting, feed] = await Promise.all([
    recentImports(db, shop),
    db.pendingFeedItem.groupBy({ by: ["matchKey"], where: { shop }, _count: { _all: true } }),
    db.threePlFeed.findUnique({ where: { shop }, select: { columnMapping: true } }),
  ]);
  const count = (prefix: string) => waiting.filter((w) => w.matchKey.startsWith(prefix)).reduce((sum, w) => sum + w._count._all, 0);
  const mapping = readColumnMapping(feed?.columnMapping);
  return {
    imports,
    waiting: { threePl: count("order:"), carrier: count("tracking:") },
    /** the header row the shop's files start with, for the upload hint */
    headerRow: headerRowOf(mapping),
    packageRows: isPackageMapping(mapping),
  };
}

export type RecheckResult = { recheck: ReconcileReport | null; error: string | null };

export type FeedsActionResult = SettingsSaveResult | RecheckResult;

export async function feedsAction(db: Db, admin: AdminContext, form: FormData): Promise<{ status: number; body: FeedsActionResult }> {
  const intent = String(form.get("intent") ?? "");
  if (intent === "save-columns") return { status: 200, body: await saveColumnMapping(db, admin.shop, form) };
  if (intent === "save-sftp") return { status: 200, body: await saveSftpForm(db, admin.shop, form, appConfig().encryptionKey) };
  if (intent === "recheck") {
    const orderIds = form.getAll("orderId").map(String).filter((id) => /^\d+$/.test(id)).slice(0, 50);
    if (orderIds.length === 0) return { status: 400, body: { recheck: null, error: "no order to recheck" } };
    if (!admin.graphql) return { status: 409, body: { recheck: null, error: "The demo store has no Shopify store to recheck with." } };
    const recheck = await recheckOrders({ db, record: recordDirectly, graphql: fromShopifyAdmin(admin.graphql) }, admin.shop, orderIds);
    return { status: 200, body: { recheck, error: null } };
  }
  return { status: 400, body: { ok: false, errors: { form: "Unknown action." } } };
}
