import type { Db } from "./db.server";

export async function markShopInstalled(db: Db, shop: string): Promise<void> {
  await db.shop.upsert({
    where: { domain: shop },
    create: { domain: shop },
    update: { uninstalledAt: null },
  });
}

/** Shop.settings is one JSON object shared by the settings sections; a broken value reads as empty. */
export function shopSettingsObject(text: string | null | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text ?? "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One section of the shop's settings, unparsed: each section validates its own shape. */
export async function readShopSettingsSection(db: Db, shop: string, section: string): Promise<unknown> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
  return shopSettingsObject(row?.settings)[section];
}

/** Rewrites only `section`, in one transaction, so other settings sections keep theirs. */
export async function writeShopSettingsSection(db: Db, shop: string, section: string, value: unknown): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
    const text = JSON.stringify({ ...shopSettingsObject(row?.settings), [section]: value });
    await tx.shop.upsert({ where: { domain: shop }, create: { domain: shop, settings: text }, update: { settings: text } });
  });
}
