/**
 * Carrier tracking updates for one shop: parsed and mapped by app/domain/carrier.ts, matched to
 * shipments by tracking number; a number no shipment carries yet waits in PendingFeedItem.
 */
import { parseCarrierUpdates } from "../../domain/carrier";
import { deliverFeedItems, type FeedDeps } from "../feed-delivery.server";

export type CarrierIntakeResult = {
  accepted: number;
  duplicates: number;
  /** accepted updates whose tracking number no shipment carries yet */
  pending: number;
  rejected: Array<{ index: number; error: string }>;
};

export async function receiveCarrierUpdates(deps: FeedDeps, shop: string, body: unknown, receivedAt: Date): Promise<CarrierIntakeResult> {
  const { updates, rejected } = parseCarrierUpdates(body);
  const outcomes = await deliverFeedItems(
    deps,
    shop,
    updates.map((u) => ({ match: { by: "tracking", number: u.trackingNumber }, event: u.event, raw: u.raw })),
    receivedAt,
  );
  const result: CarrierIntakeResult = { accepted: 0, duplicates: 0, pending: 0, rejected };
  for (const outcome of outcomes) {
    if (outcome === "duplicate") result.duplicates += 1;
    else result.accepted += 1;
    if (outcome === "pending") result.pending += 1;
  }
  await deps.db.feedImport.create({
    data: {
      shop,
      feed: "carrier",
      via: "http",
      receivedAt,
      accepted: result.accepted,
      duplicates: result.duplicates,
      pending: result.pending,
      rejected: rejected.length,
      rejections: JSON.stringify(rejected.slice(0, 50).map((r) => ({ line: r.index, error: r.error }))),
    },
  });
  return result;
}
