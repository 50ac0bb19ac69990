-- CreateTable
CREATE TABLE "BotAnswer" (
    "id" SERIAL NOT NULL,
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
    "eventCount" INTEGER NOT NULL,
    "answeredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BotAnswer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BotAnswer_shop_answeredAt_idx" ON "BotAnswer"("shop", "answeredAt");

-- CreateIndex
CREATE INDEX "BotAnswer_shop_orderId_idx" ON "BotAnswer"("shop", "orderId");
