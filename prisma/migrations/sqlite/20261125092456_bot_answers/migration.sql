-- CreateTable
CREATE TABLE "BotAnswer" (
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
    "eventCount" INTEGER NOT NULL,
    "answeredAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "BotAnswer_shop_answeredAt_idx" ON "BotAnswer"("shop", "answeredAt");

-- CreateIndex
CREATE INDEX "BotAnswer_shop_orderId_idx" ON "BotAnswer"("shop", "orderId");
