import { describe, expect, it } from "vitest";
import { examplesWhere, interchangeableTopics, shopifyExampleBody } from "../../test/support/shopify-examples";
import { parseShopifyJson } from "./shopify-json";
import { FULFILLMENT_ORDER_TOPICS, normalizeFulfillmentOrderWebhook, normalizeShopifyWebhook, SUPPORTED_TOPICS } from "./shopify-webhooks";
import { shopMismatch, topicMismatch } from "./topic-binding";

const SUBSCRIBED: readonly string[] = [...SUPPORTED_TOPICS, ...FULFILLMENT_ORDER_TOPICS];
/** Bodies as the intake reads them: Shopify's exact ids, beyond 2^53 too. */
const EXAMPLE_SHOP = "jsmith.myshopify.com";
const EXAMPLES = examplesWhere((topic) => SUBSCRIBED.includes(topic)).map((e) => ({ ...e, example: parseShopifyJson(shopifyExampleBody(e.version, e.topic)!) }));

const META = { webhookId: "wh-1", triggeredAt: "2026-01-01T00:00:00Z" };

/** What the intake does with a body under a topic: the binding check, then the topic's own schema. */
function accepts(topic: string, body: unknown): boolean {
  if (topicMismatch(topic, body) !== null) return false;
  try {
    if ((FULFILLMENT_ORDER_TOPICS as readonly string[]).includes(topic)) normalizeFulfillmentOrderWebhook(topic, body, META);
    else normalizeShopifyWebhook(topic, body, META);
    return true;
  } catch {
    return false;
  }
}

describe("topicMismatch over Shopify's examples", () => {
  it("has an example of every subscribed order topic", () => {
    expect(SUBSCRIBED.filter((topic) => !EXAMPLES.some((e) => e.topic === topic))).toEqual([]);
  });

  it.each(EXAMPLES.map((e) => [`${e.version} ${e.topic}`, e] as const))("%s is accepted under its own topic", (_name, { topic, example }) => {
    expect(topicMismatch(topic, example)).toBeNull();
  });

  it("with each topic's schema, refuses every example under every other topic, but for bodies Shopify sends alike", () => {
    const accepted: string[] = [];
    for (const { version, topic, example } of EXAMPLES) {
      for (const other of SUBSCRIBED) {
        if (interchangeableTopics(topic, other)) continue;
        if (accepts(other, example)) accepted.push(`${version} ${topic} as ${other}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("refuses an order body sent as orders/delete, naming what it carries", () => {
    const order = EXAMPLES.find((e) => e.topic === "orders/updated")!.example;
    expect(topicMismatch("orders/delete", order)).toMatch(/carries only the order id/);
    expect(topicMismatch("orders/delete", { id: 820982911946154508n })).toBeNull();
  });

  it("refuses a body whose admin_graphql_api_id names another resource, or is no Shopify id", () => {
    expect(topicMismatch("orders/updated", { id: 1, admin_graphql_api_id: "gid://shopify/Fulfillment/1" })).toMatch(/is a Fulfillment/);
    expect(topicMismatch("refunds/create", { id: 1, admin_graphql_api_id: "not a gid" })).toMatch(/not a Shopify id/);
  });

  it("refuses a fulfillment-order body whose status the topic does not leave", () => {
    expect(topicMismatch("fulfillment_orders/hold_released", { fulfillment_order: { id: "gid://shopify/FulfillmentOrder/1", status: "on_hold" } })).toMatch(/on_hold/);
    expect(topicMismatch("fulfillment_orders/cancelled", { fulfillment_order: { id: "gid://shopify/FulfillmentOrder/1" } })).toMatch(/status/);
    expect(topicMismatch("fulfillment_orders/placed_on_hold", { fulfillment_order: { id: "gid://shopify/FulfillmentOrder/1", status: "ON_HOLD" } })).toBeNull();
  });
});

describe("shopMismatch", () => {
  const body = (url: unknown) => ({ id: 1, order_status_url: url });

  it("accepts the shop's own myshopify.com link, whatever its case", () => {
    expect(shopMismatch(body("https://Test-Shop.myshopify.com/548380009/orders/abc/authenticate?key=k"), "test-shop.myshopify.com")).toBeNull();
  });

  it("refuses a body whose link is on another shop's myshopify.com domain", () => {
    expect(shopMismatch(body("https://other-shop.myshopify.com/548380009/orders/abc"), "test-shop.myshopify.com")).toMatch(/other-shop\.myshopify\.com/);
  });

  it("says nothing about custom domains, missing or broken links", () => {
    for (const url of ["https://shop.example.com/548380009/orders/abc", undefined, null, "not a url"]) {
      expect(shopMismatch(body(url), "test-shop.myshopify.com")).toBeNull();
    }
  });

  it("Shopify's order examples name their shop, jsmith.myshopify.com, and are its only", () => {
    const naming = EXAMPLES.filter(({ example }) => shopMismatch(example, "test-shop.myshopify.com") !== null);
    expect(naming.map((e) => e.topic)).toContain("orders/create");
    for (const { example } of EXAMPLES) expect(shopMismatch(example, EXAMPLE_SHOP)).toBeNull();
  });
});
