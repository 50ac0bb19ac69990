import type { Db } from "./db.server";

export async function markShopInstalled(db: Db, shop: string): Promise<void> {
  await db.shop.upsert({
    where: { domain: shop },
    create: { domain: shop },
    update: { uninstalledAt: null },
  });
}
