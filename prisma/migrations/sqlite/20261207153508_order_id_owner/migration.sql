-- CreateIndex
CREATE INDEX "Order_orderId_idx" ON "Order"("orderId");
