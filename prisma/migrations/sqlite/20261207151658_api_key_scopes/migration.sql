-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "scopes" TEXT NOT NULL DEFAULT 'orders:read',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    "lastUsedAt" DATETIME
);
INSERT INTO "new_ApiKey" ("createdAt", "id", "label", "lastUsedAt", "revokedAt", "secretHash", "shop") SELECT "createdAt", "id", "label", "lastUsedAt", "revokedAt", "secretHash", "shop" FROM "ApiKey";
DROP TABLE "ApiKey";
ALTER TABLE "new_ApiKey" RENAME TO "ApiKey";
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");
CREATE INDEX "ApiKey_shop_idx" ON "ApiKey"("shop");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
