import { parse, parseNumberAndBigInt } from "lossless-json";
import { describe, expect, it } from "vitest";
import { examplesWhere, shopifyExampleBody } from "../../test/support/shopify-examples";
import type { OrderEvent } from "./events";
import { stripPersonalData } from "./personal-data";
import { parseShopifyJson, stringifyShopifyJson } from "./shopify-json";
import { InvalidPayloadError, normalizeShopifyWebhook, SUPPORTED_TOPICS } from "./shopify-webhooks";

const ORDER_FAMILY = /^(orders|fulfillments|fulfillment_events|refunds|fulfillment_holds|fulfillment_orders)\//;
/** Shopify's examples as the intake reads them: exact ids, bigint beyond 2^53. */
const exampleOf = (version: string, topic: string) => parseShopifyJson(shopifyExampleBody(version, topic)!) as Record<string, unknown>;
const EXAMPLES = examplesWhere((topic) => ORDER_FAMILY.test(topic)).map((e) => ({ ...e, example: exampleOf(e.version, e.topic) }));

/** Objects that describe a person, and in them the fields that name or reach that person. */
const PERSON_OBJECTS = new Set(["customer", "billing_address", "shipping_address", "destination", "default_address"]);
const PERSON_FIELDS = new Set(["email", "phone", "first_name", "last_name", "name", "company", "address1", "address2", "zip", "city"]);
const CONTACT_FIELDS = new Set(["email", "contact_email", "phone"]);

/** The strings of `payload` that name or reach a person: what must not survive stripping. */
function personalStrings(value: unknown, inPerson = false, key = ""): string[] {
  if (typeof value === "string") return value.length >= 3 && ((inPerson && PERSON_FIELDS.has(key)) || CONTACT_FIELDS.has(key)) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => personalStrings(item, inPerson, key));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => personalStrings(v, inPerson || PERSON_OBJECTS.has(k), k));
  return [];
}

const META = { webhookId: "wh-1", triggeredAt: "2026-01-01T00:00:00Z" };

function normalised(topic: string, payload: unknown): OrderEvent[] | string {
  try {
    return normalizeShopifyWebhook(topic, payload, META).events;
  } catch (error) {
    if (error instanceof InvalidPayloadError) return error.message;
    throw error;
  }
}

/**
 * The events without the email and phone hashes and the order status link: what the stripped payload
 * cannot give, because the event itself holds it.
 */
function withoutContactHashes(events: OrderEvent[] | string) {
  if (typeof events === "string") return events;
  return events.map((event) => {
    if (event.kind !== "order_snapshot") return event;
    const { emailHash: _email, phoneHash: _phone, ...customer } = event.data.customer;
    const { orderStatusUrl: _link, ...data } = event.data;
    return { ...event, data: { ...data, customer } };
  });
}

describe("stripPersonalData over Shopify's order-topic examples", () => {
  it("has examples of every family to strip", () => {
    for (const family of ["orders/", "fulfillments/", "fulfillment_events/", "refunds/", "fulfillment_holds/", "fulfillment_orders/"]) {
      expect(EXAMPLES.filter((e) => e.topic.startsWith(family)).length, family).toBeGreaterThan(0);
    }
    expect(EXAMPLES.flatMap((e) => personalStrings(e.example))).toEqual(expect.arrayContaining(["jon@example.com", "Steve Shipper", "123 Shipping Street", "555-555-SHIP", "John"]));
  });

  it.each(EXAMPLES.map((e) => [`${e.version} ${e.topic}`, e] as const))("%s: no name, email, phone or address of the original remains", (_name, { topic, example }) => {
    const text = stringifyShopifyJson(stripPersonalData(topic, example));
    for (const value of personalStrings(example)) expect(text, value).not.toContain(JSON.stringify(value).slice(1, -1));
  });

  const normalisable = EXAMPLES.filter((e) => (SUPPORTED_TOPICS as readonly string[]).includes(e.topic));
  it.each(normalisable.map((e) => [`${e.version} ${e.topic}`, e] as const))("%s: normalises to the same events but for the contact hashes", (_name, { topic, example }) => {
    const stripped = stripPersonalData(topic, example);
    expect(withoutContactHashes(normalised(topic, stripped))).toEqual(withoutContactHashes(normalised(topic, example)));
  });

  it("the hashes and the status link are what differs: the example gives them, the stripped copy does not", () => {
    const example = exampleOf("2026-07", "orders/create");
    const [original] = normalised("orders/create", example) as OrderEvent[];
    const [stripped] = normalised("orders/create", stripPersonalData("orders/create", example)) as OrderEvent[];
    if (original.kind !== "order_snapshot" || stripped.kind !== "order_snapshot") throw new Error("not a snapshot");
    expect(original.data.customer.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(stripped.data.customer).toEqual({ customerId: original.data.customer.customerId, emailHash: null, phoneHash: null });
    expect(original.data.orderStatusUrl).toBe(example.order_status_url);
    expect(stripped.data.orderStatusUrl).toBeNull();
  });
});

describe("stripPersonalData", () => {
  const order = () => {
    const example = exampleOf("2026-07", "orders/create");
    const lines = example.line_items as Array<Record<string, unknown>>;
    return {
      ...example,
      browser_ip: "203.0.113.7",
      client_details: { browser_ip: "203.0.113.7", user_agent: "Mozilla/5.0 (Jon's phone)" },
      note: "Leave it with Mrs Hudson at number 221B",
      note_attributes: [{ name: "gift_message", value: "Happy birthday Jonathan" }],
      phone: "+1 613 555 0199",
      line_items: [{ ...lines[0], properties: [{ name: "Engraving", value: "J.S. forever" }] }, ...lines.slice(1)],
      shipping_lines: [{ ...(example.shipping_lines as Array<Record<string, unknown>>)[0], phone: "+1 613 555 0123" }],
    };
  };

  it("drops typed notes, device data and phones wherever they sit", () => {
    const text = stringifyShopifyJson(stripPersonalData("orders/updated", order()));
    for (const value of ["203.0.113.7", "Jon's phone", "Mrs Hudson", "Happy birthday", "613 555", "J.S. forever"]) expect(text).not.toContain(value);
  });

  it("drops where the buyer came from, cart and checkout tokens and the status link", () => {
    const stripped = stripPersonalData("orders/create", {
      ...order(),
      landing_site: "/?utm_source=mail&subscriber=jon%40example.com",
      referring_site: "https://mail.example.com/?u=jon",
    }) as Record<string, unknown>;
    for (const key of ["landing_site", "referring_site", "token", "cart_token", "checkout_token", "order_status_url"]) expect(stripped, key).not.toHaveProperty(key);
  });

  it("strips an object whose prototype a \"__proto__\" key changed, rather than keeping it whole", () => {
    const body = '{"id":1,"fulfillments":[{"__proto__":{"x":1},"id":2,"email":"victim@example.com"}]}';
    const text = stringifyShopifyJson(stripPersonalData("orders/updated", parse(body, null, parseNumberAndBigInt)));
    expect(text).not.toContain("victim@example.com");
  });

  it("keeps the customer's ids and nothing else of the customer", () => {
    const stripped = stripPersonalData("orders/create", order()) as { customer: unknown; name: unknown; line_items: Array<{ name: unknown }> };
    expect(stripped.customer).toEqual({ id: 115310627314723954n, admin_graphql_api_id: "gid://shopify/Customer/115310627314723954" });
    expect(stripped.name).toBe("#9999");
    expect(stripped.line_items[0].name).toBe("Aviator sunglasses");
  });

  it("keeps bigint ids as bigint, exactly", () => {
    const body = '{"id":820982911946154508,"customer":{"id":115310627314723954,"email":"jon@example.com"},"fulfillments":[{"id":9007199254740993,"order_id":820982911946154508}]}';
    const stripped = stripPersonalData("orders/updated", parse(body, null, parseNumberAndBigInt)) as Record<string, unknown>;
    expect(stripped).toEqual({ id: 820982911946154508n, customer: { id: 115310627314723954n }, fulfillments: [{ id: 9007199254740993n, order_id: 820982911946154508n }] });
  });

  it("copies: the payload given is left as it was", () => {
    const original = order();
    const before = stringifyShopifyJson(original);
    stripPersonalData("orders/create", original);
    expect(stringifyShopifyJson(original)).toBe(before);
  });

  it("refuses topics that are not about orders", () => {
    expect(() => stripPersonalData("customers/redact", {})).toThrow(/not an order topic/);
    expect(() => stripPersonalData("app/uninstalled", {})).toThrow(/not an order topic/);
  });
});
