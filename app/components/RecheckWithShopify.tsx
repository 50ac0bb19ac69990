import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button } from "@shopify/polaris";
import type { RecheckResult } from "../sources/feeds-page.server";

/**
 * "Recheck with Shopify" for one order: asks the Admin API now and records what the webhooks missed.
 * Posts to the Feeds page's action; place it anywhere an order id is known (e.g. the order detail).
 */
export function RecheckWithShopify({ orderId }: { orderId: string }) {
  const fetcher = useFetcher<RecheckResult>();
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  return (
    <BlockStack gap="200">
      <fetcher.Form method="post" action="/app/feeds">
        <input type="hidden" name="intent" value="recheck" />
        <input type="hidden" name="orderId" value={orderId} />
        <Button submit loading={fetcher.state !== "idle"}>
          Recheck with Shopify
        </Button>
      </fetcher.Form>
      {result?.error && <Banner tone="warning">{result.error}</Banner>}
      {result?.recheck && (
        <Banner tone={result.recheck.repaired > 0 ? "info" : result.recheck.checked === 0 ? "warning" : "success"}>
          {result.recheck.checked === 0
            ? "Shopify does not know this order (deleted, or another shop's)."
            : result.recheck.repaired > 0
              ? `Shopify knew more than we had heard: ${result.recheck.missed.join("; ")}. Recorded.`
              : "Shopify agrees with what we have."}
        </Banner>
      )}
    </BlockStack>
  );
}
