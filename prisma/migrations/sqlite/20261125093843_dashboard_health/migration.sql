-- CreateTable
CREATE TABLE "Discrepancy" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "orderName" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "since" DATETIME NOT NULL,
    "clearedAt" DATETIME,
    "detail" TEXT NOT NULL,
    "evidence" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "DiscrepancyCheck" (
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "orderId")
);

-- CreateTable
CREATE TABLE "DiscrepancyTally" (
    "shop" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "opened" INTEGER NOT NULL DEFAULT 0,
    "cleared" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shop", "code", "day")
);

-- CreateTable
CREATE TABLE "OrderStatusTally" (
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shop", "status")
);

-- CreateTable
CREATE TABLE "SourceHealth" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "firstReceivedAt" DATETIME NOT NULL,
    "lastReceivedAt" DATETIME NOT NULL,
    "lastOccurredAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "source")
);

-- CreateTable
CREATE TABLE "SyncLagPeriod" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "span" TEXT NOT NULL,
    "period" DATETIME NOT NULL,
    "count" INTEGER NOT NULL,
    "maxLagMs" REAL NOT NULL,
    "shipments" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("shop", "span", "period", "source")
);

-- CreateTable
CREATE TABLE "SyncLagBin" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "span" TEXT NOT NULL,
    "period" DATETIME NOT NULL,
    "bin" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("shop", "span", "period", "source", "bin")
);

-- CreateIndex
CREATE INDEX "Discrepancy_shop_orderId_idx" ON "Discrepancy"("shop", "orderId");

-- CreateIndex
CREATE INDEX "Discrepancy_shop_state_since_idx" ON "Discrepancy"("shop", "state", "since");

-- CreateIndex
CREATE INDEX "Discrepancy_shop_state_code_since_idx" ON "Discrepancy"("shop", "state", "code", "since");

-- CreateIndex
CREATE INDEX "Discrepancy_shop_state_source_since_idx" ON "Discrepancy"("shop", "state", "source", "since");

-- CreateIndex
CREATE INDEX "DiscrepancyCheck_shop_dueAt_idx" ON "DiscrepancyCheck"("shop", "dueAt");
