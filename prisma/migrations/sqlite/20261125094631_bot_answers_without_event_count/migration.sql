/*
  Warnings:

  - You are about to drop the column `eventCount` on the `BotAnswer` table. All the data in the column will be lost.

*/
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_BotAnswer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "orderName" TEXT NOT NULL,
    "integration" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "orderStatus" TEXT NOT NULL,
    "answeredAt" DATETIME NOT NULL
);
INSERT INTO "new_BotAnswer" ("action", "answeredAt", "channel", "id", "integration", "message", "orderId", "orderName", "orderStatus", "reason", "shop", "stage") SELECT "action", "answeredAt", "channel", "id", "integration", "message", "orderId", "orderName", "orderStatus", "reason", "shop", "stage" FROM "BotAnswer";
DROP TABLE "BotAnswer";
ALTER TABLE "new_BotAnswer" RENAME TO "BotAnswer";
CREATE INDEX "BotAnswer_shop_answeredAt_idx" ON "BotAnswer"("shop", "answeredAt");
CREATE INDEX "BotAnswer_shop_orderId_idx" ON "BotAnswer"("shop", "orderId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
