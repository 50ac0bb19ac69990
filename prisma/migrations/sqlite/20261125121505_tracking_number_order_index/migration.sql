-- DropIndex
DROP INDEX "TrackingNumber_shop_orderId_idx";

-- CreateIndex
CREATE INDEX "TrackingNumber_shop_orderId_trackingNumber_shipmentId_idx" ON "TrackingNumber"("shop", "orderId", "trackingNumber", "shipmentId");
