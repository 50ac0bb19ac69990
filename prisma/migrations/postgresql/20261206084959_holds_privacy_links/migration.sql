-- AlterTable
ALTER TABLE "ComplianceRequest" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "exportedAt" TIMESTAMP(3),
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "requestId" TEXT,
ADD COLUMN     "subject" TEXT NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "FulfillmentOrderLink" (
    "shop" TEXT NOT NULL,
    "fulfillmentOrderId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "learnedVia" TEXT NOT NULL,
    "learnedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FulfillmentOrderLink_pkey" PRIMARY KEY ("shop","fulfillmentOrderId")
);

-- CreateIndex
CREATE INDEX "FulfillmentOrderLink_shop_orderId_idx" ON "FulfillmentOrderLink"("shop", "orderId");

-- CreateIndex
CREATE INDEX "ComplianceRequest_shop_topic_completedAt_idx" ON "ComplianceRequest"("shop", "topic", "completedAt");
