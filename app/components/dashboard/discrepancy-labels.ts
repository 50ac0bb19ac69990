/**
 * Words for discrepancy codes and sources, for the pages (client-safe: only types come from the domain,
 * whose events module needs node:crypto).
 */
import type { DiscrepancyCode } from "../../domain/discrepancies";

export const DISCREPANCY_LABELS: Readonly<Record<DiscrepancyCode, { label: string; watches: string }>> = {
  fulfilled_without_tracking: { label: "Fulfilled without tracking", watches: "Shopify fulfillments that still have no tracking number" },
  "3pl_shipped_missing_in_shopify": { label: "3PL shipped, missing in Shopify", watches: "parcels your warehouse shipped that Shopify does not show" },
  shopify_shipped_missing_in_3pl: { label: "Shopify shipped, missing in 3PL", watches: "Shopify fulfillments your warehouse's file never confirmed" },
  carrier_ahead_of_shopify: { label: "Carrier ahead of Shopify", watches: "parcels the carrier has moved further than Shopify shows" },
  cancelled_but_shipped: { label: "Cancelled but shipped", watches: "cancelled orders that left the warehouse anyway" },
  quantity_mismatch: { label: "Quantity mismatch", watches: "parcels where the warehouse and Shopify list different quantities" },
  tracking_number_mismatch: { label: "Tracking number mismatch", watches: "parcels whose tracking number differs between the warehouse and Shopify" },
  stalled_no_carrier_scan: { label: "Stalled: no carrier scan", watches: "labels the carrier has not scanned in time" },
  past_estimated_delivery: { label: "Past estimated delivery", watches: "parcels still on the way after their estimated delivery" },
};

export const DISCREPANCY_CODE_LIST = Object.keys(DISCREPANCY_LABELS) as DiscrepancyCode[];

export function discrepancyLabel(code: string): string {
  return (DISCREPANCY_LABELS as Record<string, { label: string }>)[code]?.label ?? code.replace(/_/g, " ");
}

const SOURCE_NAMES: Record<string, string> = { shopify: "Shopify", "3pl": "3PL warehouse", carrier: "Carrier", reconciliation: "Reconciliation" };

export function sourceName(source: string): string {
  return SOURCE_NAMES[source] ?? source;
}

export const SOURCE_OPTIONS = Object.keys(SOURCE_NAMES);
