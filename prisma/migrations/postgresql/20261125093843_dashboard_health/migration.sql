-- CreateTable
CREATE TABLE "Discrepancy" (
    "id" SERIAL NOT NULL,
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "orderName" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "clearedAt" TIMESTAMP(3),
    "detail" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,

    CONSTRAINT "Discrepancy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DiscrepancyCheck" (
    "shop" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DiscrepancyCheck_pkey" PRIMARY KEY ("shop","orderId")
);

-- CreateTable
CREATE TABLE "DiscrepancyTally" (
    "shop" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "opened" INTEGER NOT NULL DEFAULT 0,
    "cleared" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "DiscrepancyTally_pkey" PRIMARY KEY ("shop","code","day")
);

-- CreateTable
CREATE TABLE "OrderStatusTally" (
    "shop" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OrderStatusTally_pkey" PRIMARY KEY ("shop","status")
);

-- CreateTable
CREATE TABLE "SourceHealth" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "firstReceivedAt" TIMESTAMP(3) NOT NULL,
    "lastReceivedAt" TIMESTAMP(3) NOT NULL,
    "lastOccurredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SourceHealth_pkey" PRIMARY KEY ("shop","source")
);

-- CreateTable
CREATE TABLE "SyncLagPeriod" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "span" TEXT NOT NULL,
    "period" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "maxLagMs" DOUBLE PRECISION NOT NULL,
    "shipments" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "SyncLagPeriod_pkey" PRIMARY KEY ("shop","span","period","source")
);

-- CreateTable
CREATE TABLE "SyncLagBin" (
    "shop" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "span" TEXT NOT NULL,
    "period" TIMESTAMP(3) NOT NULL,
    "bin" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "SyncLagBin_pkey" PRIMARY KEY ("shop","span","period","source","bin")
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
