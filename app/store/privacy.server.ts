/** What Settings → Privacy shows and saves: raw payload retention, the shop's GDPR requests, and orders that came without an email. */
import type { Db } from "../db.server";
import { parsePrivacySettings, type PrivacySettings } from "../domain/privacy-settings";
import { readShopSettingsSection, writeShopSettingsSection } from "../shops.server";

export async function getPrivacySettings(db: Db, shop: string): Promise<PrivacySettings> {
  return parsePrivacySettings(await readShopSettingsSection(db, shop, "privacy"));
}

export async function savePrivacySettings(db: Db, shop: string, settings: PrivacySettings): Promise<void> {
  await writeShopSettingsSection(db, shop, "privacy", parsePrivacySettings(settings));
}

export type ComplianceRequestRow = {
  id: number;
  topic: string;
  receivedAt: string;
  state: "pending" | "completed" | "failed";
  attempts: number;
  lastError: string | null;
  completedAt: string | null;
  exportedAt: string | null;
  /** customers/data_request only: the merchant downloads the export and sends it to the customer. */
  downloadable: boolean;
};

/** How far back the Privacy section counts orders that arrived without an email. */
const RECENT_ORDER_DAYS = 30;
const SHOWN_REQUESTS = 50;

export type PrivacySection = {
  settings: PrivacySettings;
  requests: ComplianceRequestRow[];
  /** Orders updated in the last RECENT_ORDER_DAYS, and how many of them have no email to look them up by. */
  recentOrders: { days: number; total: number; withoutEmail: number };
};

export async function privacySection(db: Db, shop: string, now: Date): Promise<PrivacySection> {
  const since = new Date(now.getTime() - RECENT_ORDER_DAYS * 86_400_000);
  // Both counts ride the (shop, updatedAt) index; deleted orders are not looked up, so they do not count.
  const recent = { shop, deleted: false, updatedAt: { gte: since } };
  const [settings, requests, total, withoutEmail] = await Promise.all([
    getPrivacySettings(db, shop),
    db.complianceRequest.findMany({ where: { shop }, orderBy: { receivedAt: "desc" }, take: SHOWN_REQUESTS }),
    db.order.count({ where: recent }),
    db.order.count({ where: { ...recent, emailHash: null } }),
  ]);
  return {
    settings,
    requests: requests.map((r) => ({
      id: r.id,
      topic: r.topic,
      receivedAt: r.receivedAt.toISOString(),
      state: r.completedAt ? "completed" : r.lastError ? "failed" : "pending",
      attempts: r.attempts,
      lastError: r.lastError,
      completedAt: r.completedAt?.toISOString() ?? null,
      exportedAt: r.exportedAt?.toISOString() ?? null,
      downloadable: r.topic === "customers/data_request",
    })),
    recentOrders: { days: RECENT_ORDER_DAYS, total, withoutEmail },
  };
}
