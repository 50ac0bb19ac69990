-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Order" (
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "emailHash" TEXT,
    "phoneHash" TEXT,
    "customerId" TEXT,
    "status" TEXT NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "document" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "placedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "orderId")
);
INSERT INTO "new_Order" ("customerId", "document", "emailHash", "eventCount", "name", "orderId", "phoneHash", "placedAt", "shop", "status", "updatedAt") SELECT "customerId", "document", "emailHash", "eventCount", "name", "orderId", "phoneHash", "placedAt", "shop", "status", "updatedAt" FROM "Order";
DROP TABLE "Order";
ALTER TABLE "new_Order" RENAME TO "Order";
CREATE INDEX "Order_shop_name_idx" ON "Order"("shop", "name");
CREATE INDEX "Order_shop_emailHash_idx" ON "Order"("shop", "emailHash");
CREATE INDEX "Order_shop_customerId_idx" ON "Order"("shop", "customerId");
CREATE INDEX "Order_shop_status_idx" ON "Order"("shop", "status");
CREATE INDEX "Order_shop_updatedAt_idx" ON "Order"("shop", "updatedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
