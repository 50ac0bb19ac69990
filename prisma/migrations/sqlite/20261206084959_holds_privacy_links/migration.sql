-- CreateTable
CREATE TABLE "FulfillmentOrderLink" (
    "shop" TEXT NOT NULL,
    "fulfillmentOrderId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "learnedVia" TEXT NOT NULL,
    "learnedAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "fulfillmentOrderId")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ComplianceRequest" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "requestId" TEXT,
    "customerId" TEXT,
    "subject" TEXT NOT NULL DEFAULT '{}',
    "receivedAt" DATETIME NOT NULL,
    "lastError" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "exportedAt" DATETIME,
    "completedAt" DATETIME
);
INSERT INTO "new_ComplianceRequest" ("completedAt", "customerId", "id", "receivedAt", "shop", "topic", "webhookId") SELECT "completedAt", "customerId", "id", "receivedAt", "shop", "topic", "webhookId" FROM "ComplianceRequest";
DROP TABLE "ComplianceRequest";
ALTER TABLE "new_ComplianceRequest" RENAME TO "ComplianceRequest";
CREATE UNIQUE INDEX "ComplianceRequest_webhookId_key" ON "ComplianceRequest"("webhookId");
CREATE INDEX "ComplianceRequest_shop_topic_completedAt_idx" ON "ComplianceRequest"("shop", "topic", "completedAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FulfillmentOrderLink_shop_orderId_idx" ON "FulfillmentOrderLink"("shop", "orderId");
