-- DropIndex
DROP INDEX "Discrepancy_shop_orderId_idx";

-- CreateIndex
CREATE INDEX "Discrepancy_shop_orderId_state_idx" ON "Discrepancy"("shop", "orderId", "state");
