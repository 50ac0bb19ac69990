import { parse, parseNumberAndBigInt } from "lossless-json";
import { describe, expect, it } from "vitest";
import { EXAMPLE_VERSIONS, examplesOf } from "../../test/support/shopify-examples";
import { readShopNotice, SHOP_NOTICE_TOPICS } from "./shop-notice-payloads";

const SHOP = "test-shop.myshopify.com";
const COMPLIANCE_TOPICS = ["customers/data_request", "customers/redact", "shop/redact"] as const;

function accepted(topic: string, payload: unknown, shop = SHOP) {
  const reading = readShopNotice(topic, payload, shop);
  if (!reading.ok) throw new Error(`refused: ${reading.reason}`);
  return reading.notice;
}

function refusal(topic: string, payload: unknown, shop = SHOP): string {
  const reading = readShopNotice(topic, payload, shop);
  if (reading.ok) throw new Error(`${topic} accepted ${JSON.stringify(payload)}`);
  return reading.reason;
}

describe("Shopify's own lifecycle and compliance examples", () => {
  it("covers every API version from 2024-07 to 2026-07", () => {
    expect(EXAMPLE_VERSIONS[0]).toBe("2024-07");
    expect(EXAMPLE_VERSIONS.at(-1)).toBe("2026-07");
    for (const topic of SHOP_NOTICE_TOPICS) expect(examplesOf(topic).length, topic).toBeGreaterThan(0);
  });

  it.each(examplesOf("customers/redact"))("customers/redact %s", (_version, example) => {
    expect(accepted("customers/redact", example)).toEqual({
      topic: "customers/redact",
      payload: {
        shop_id: "954889",
        shop_domain: SHOP,
        customer: { id: "191167", email: "john@example.com", phone: "555-625-1199" },
        orders_to_redact: ["299938", "280263", "220458"],
      },
    });
  });

  it.each(examplesOf("customers/data_request"))("customers/data_request %s", (_version, example) => {
    expect(accepted("customers/data_request", example)).toEqual({
      topic: "customers/data_request",
      payload: {
        shop_id: "954889",
        shop_domain: SHOP,
        customer: { id: "191167", email: "john@example.com", phone: "555-625-1199" },
        orders_requested: ["299938", "280263", "220458"],
        data_request: { id: "9999" },
      },
    });
  });

  it.each(examplesOf("shop/redact"))("shop/redact %s", (_version, example) => {
    expect(accepted("shop/redact", example)).toEqual({ topic: "shop/redact", payload: { shop_id: "954889", shop_domain: SHOP } });
  });

  it.each(examplesOf("app/uninstalled"))("app/uninstalled %s, whose domains are null", (_version, example) => {
    expect(example.myshopify_domain).toBeNull();
    expect(accepted("app/uninstalled", example).payload).toMatchObject({ id: "548380009", domain: null, myshopify_domain: null });
  });

  it.each(examplesOf("app/scopes_update"))("app/scopes_update %s", (_version, example) => {
    expect(accepted("app/scopes_update", example).payload).toMatchObject({
      shop_id: "548380009",
      previous: ["read_products"],
      current: ["read_products", "write_products"],
    });
  });
});

describe("a body is only believed for the topic whose shape it has", () => {
  const pairs = EXAMPLE_VERSIONS.flatMap((version) =>
    SHOP_NOTICE_TOPICS.flatMap((signedFor) =>
      examplesOf(signedFor)
        .filter(([v]) => v === version)
        .flatMap(([, example]) => SHOP_NOTICE_TOPICS.filter((t) => t !== signedFor).map((postedAs) => [version, signedFor, postedAs, example] as const)),
    ),
  );

  it("every compliance example is refused under each other compliance topic, in every version", () => {
    const compliancePairs = pairs.filter(([, from, to]) => (COMPLIANCE_TOPICS as readonly string[]).includes(from) && (COMPLIANCE_TOPICS as readonly string[]).includes(to));
    expect(compliancePairs.length).toBe(EXAMPLE_VERSIONS.length * 6);
    for (const [version, from, to, example] of compliancePairs) expect(readShopNotice(to, example, SHOP).ok, `${version}: ${from} as ${to}`).toBe(false);
  });

  it("every example is refused under every other lifecycle or compliance topic", () => {
    for (const [version, from, to, example] of pairs) expect(readShopNotice(to, example, SHOP).ok, `${version}: ${from} as ${to}`).toBe(false);
  });

  it("says why: the other topic's key, or the missing field", () => {
    const [[, redact]] = examplesOf("customers/redact");
    const [[, request]] = examplesOf("customers/data_request");
    const [[, shopRedact]] = examplesOf("shop/redact");
    expect(refusal("shop/redact", redact)).toMatch(/customer.*customers\/data_request|orders_to_redact/);
    expect(refusal("customers/redact", request)).toMatch(/orders_requested/);
    expect(refusal("customers/data_request", redact)).toMatch(/orders_to_redact/);
    expect(refusal("customers/redact", shopRedact)).toMatch(/customer: Required.*orders_to_redact: Required/);
    expect(refusal("customers/data_request", shopRedact)).toMatch(/orders_requested: Required/);
  });

  it("shop/redact has shop_id and shop_domain only", () => {
    const base = { shop_id: 954889, shop_domain: SHOP };
    for (const extra of [{ customer: { id: 1 } }, { orders_to_redact: [] }, { orders_requested: [] }, { data_request: { id: 1 } }, { something_new: 1 }]) {
      expect(readShopNotice("shop/redact", { ...base, ...extra }, SHOP).ok, JSON.stringify(extra)).toBe(false);
    }
    expect(readShopNotice("shop/redact", base, SHOP).ok).toBe(true);
  });

  it("compliance bodies need every field Shopify always sends", () => {
    const [[, redact]] = examplesOf("customers/redact");
    for (const field of ["shop_id", "shop_domain", "customer", "orders_to_redact"]) {
      const { [field]: _dropped, ...rest } = redact;
      expect(refusal("customers/redact", rest)).toContain(`${field}: Required`);
    }
    const [[, request]] = examplesOf("customers/data_request");
    for (const field of ["shop_id", "shop_domain", "customer", "orders_requested", "data_request"]) {
      const { [field]: _dropped, ...rest } = request;
      expect(refusal("customers/data_request", rest)).toContain(`${field}: Required`);
    }
  });

  it("refuses what is not a JSON object, and topics that are not notices", () => {
    for (const body of [null, [], "text", 3]) expect(readShopNotice("shop/redact", body, SHOP).ok).toBe(false);
    expect(refusal("orders/create", { id: 1 })).toMatch(/not a lifecycle or compliance topic/);
  });
});

describe("a body is only believed for the shop it names", () => {
  const OTHER = "other-shop.myshopify.com";

  it("refuses a compliance body of another shop", () => {
    for (const topic of COMPLIANCE_TOPICS) {
      for (const [version, example] of examplesOf(topic, OTHER)) {
        expect(refusal(topic, example), `${version} ${topic}`).toMatch(/names another shop in shop_domain/);
        expect(readShopNotice(topic, example, OTHER).ok).toBe(true);
      }
    }
  });

  it("app/uninstalled: refused when myshopify_domain or shop_domain names another shop; `domain` may be a custom domain", () => {
    const [[, shop]] = examplesOf("app/uninstalled");
    expect(refusal("app/uninstalled", { ...shop, myshopify_domain: OTHER })).toMatch(/myshopify_domain/);
    expect(refusal("app/uninstalled", { ...shop, shop_domain: OTHER })).toMatch(/shop_domain/);
    expect(readShopNotice("app/uninstalled", { ...shop, myshopify_domain: "Test-Shop.myshopify.com" }, SHOP).ok).toBe(true);
    expect(readShopNotice("app/uninstalled", { ...shop, domain: "www.super-toys.example" }, SHOP).ok).toBe(true);
  });

  it("app/scopes_update: refused when it names another shop", () => {
    const [[, update]] = examplesOf("app/scopes_update");
    expect(refusal("app/scopes_update", { ...update, shop_domain: OTHER })).toMatch(/shop_domain/);
  });

  it("the shop name is text, not anything else", () => {
    const [[, redact]] = examplesOf("shop/redact");
    expect(refusal("shop/redact", { ...redact, shop_domain: 1 })).toMatch(/names another shop/);
  });
});

describe("ids as exact decimal strings", () => {
  const redact = (orders: string, customerId = "191167") =>
    `{"shop_id":954889,"shop_domain":"${SHOP}","customer":{"id":${customerId},"email":null,"phone":null},"orders_to_redact":${orders}}`;
  const readIds = (body: unknown) => {
    const notice = accepted("customers/redact", body);
    if (notice.topic !== "customers/redact") throw new Error(notice.topic);
    return { orders: notice.payload.orders_to_redact, customer: notice.payload.customer.id };
  };

  it("keeps ids above 2^53 exact when the body is parsed losslessly (bigint)", () => {
    const body = parse(redact("[820982911946154508, 299938]", "115310627314723954"), null, parseNumberAndBigInt);
    expect(readIds(body)).toEqual({ orders: ["820982911946154508", "299938"], customer: "115310627314723954" });
  });

  it("reads numeric strings and gids", () => {
    const body = JSON.parse(redact(`["820982911946154508", "gid://shopify/Order/9007199254740993", "00042"]`, `"gid://shopify/Customer/115310627314723954"`));
    expect(readIds(body)).toEqual({ orders: ["820982911946154508", "9007199254740993", "42"], customer: "115310627314723954" });
  });

  it("refuses an id JSON.parse already rounded, rather than act on another order", () => {
    expect(refusal("customers/redact", JSON.parse(redact("[820982911946154508]")))).toMatch(/orders_to_redact.0: id above 2\^53/);
  });

  it("refuses what is not an id", () => {
    for (const bad of ["[-1]", "[1.5]", `["12a"]`, `["gid://shopify/Order/"]`, "[true]", "[null]", "[{}]"]) {
      expect(refusal("customers/redact", JSON.parse(redact(bad))), bad).toMatch(/orders_to_redact.0/);
    }
    expect(refusal("customers/redact", parse(redact("[-820982911946154508]"), null, parseNumberAndBigInt))).toMatch(/orders_to_redact.0/);
  });

  it("a customer without an id is read as null (the email or phone still names them)", () => {
    const body = JSON.parse(redact("[]", "null"));
    expect(readIds(body)).toEqual({ orders: [], customer: null });
  });

  it("never puts a value of the body in a refusal", () => {
    const body = { shop_id: 1, shop_domain: SHOP, customer: { id: "jane.doe@example.com", email: 5 }, orders_to_redact: ["+1 555 0100"] };
    const reason = refusal("customers/redact", body);
    expect(reason).not.toContain("jane.doe");
    expect(reason).not.toContain("555");
  });
});
