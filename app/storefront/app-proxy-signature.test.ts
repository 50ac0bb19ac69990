import "@shopify/shopify-api/adapters/node";
import { LogSeverity, shopifyApi } from "@shopify/shopify-api";
import { RequestType, setUpValidRequest } from "@shopify/shopify-api/test-helpers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { appProxySignature, parseProxyQuery, signAppProxyQuery } from "./app-proxy-signature.server";

const SECRET = "proxy-test-secret";
const api = shopifyApi({
  apiKey: "k",
  apiSecretKey: SECRET,
  apiVersion: "2026-07" as never,
  hostName: "app.example.com",
  isEmbeddedApp: true,
  logger: { level: LogSeverity.Error, log: () => undefined },
});
const validate = (params: URLSearchParams) => api.utils.validateHmac(Object.fromEntries(params), { signator: "appProxy" });

describe("app proxy signature", () => {
  it("matches the signature Shopify's own test helper computes", async () => {
    const signed = new URL(
      (
        await setUpValidRequest(
          { type: RequestType.Public, store: "test-shop", apiSecretKey: SECRET },
          new Request("https://app.example.com/proxy/lookup?order=%231001&email=a%40b.co&logged_in_customer_id=42&path_prefix=%2Fapps%2Forder-status"),
        )
      ).url,
    );
    expect(appProxySignature(signed.searchParams, SECRET)).toBe(signed.searchParams.get("signature"));
  });

  it("signs a forwarded query that Shopify's validator accepts, logged in or not", async () => {
    for (const customerId of ["7100000042", null]) {
      const params = signAppProxyQuery(new URLSearchParams("order=%231001&email=a%40b.co"), {
        shop: "test-shop.myshopify.com",
        secret: SECRET,
        customerId,
        pathPrefix: "/apps/order-status",
      });
      expect(params.get("logged_in_customer_id")).toBe(customerId ?? "");
      expect(await validate(params)).toBe(true);
    }
  });

  it("covers every parameter: changing the customer, shop or query breaks it", async () => {
    const params = signAppProxyQuery(new URLSearchParams("order=1001&email=a%40b.co"), {
      shop: "test-shop.myshopify.com",
      secret: SECRET,
      customerId: "1",
      pathPrefix: "/apps/order-status",
    });
    for (const [key, value] of [
      ["logged_in_customer_id", "2"],
      ["shop", "other.myshopify.com"],
      ["email", "c@d.co"],
    ]) {
      const tampered = new URLSearchParams(params);
      tampered.set(key, value);
      expect(await validate(tampered), key).toBe(false);
    }
    expect(await validate(params)).toBe(true);
  });

  it("replaces Shopify's parameters a shopper tries to pass", () => {
    const params = signAppProxyQuery(new URLSearchParams("order=1&shop=evil.myshopify.com&logged_in_customer_id=99&signature=abc"), {
      shop: "test-shop.myshopify.com",
      secret: SECRET,
      customerId: null,
      pathPrefix: "/apps/order-status",
    });
    expect(params.getAll("shop")).toEqual(["test-shop.myshopify.com"]);
    expect(params.getAll("logged_in_customer_id")).toEqual([""]);
    expect(params.getAll("signature")).toHaveLength(1);
  });

  it("joins the values of a repeated key with a comma, as Shopify does", () => {
    const repeated = new URLSearchParams("a=1&b=2&a=3");
    expect(appProxySignature(repeated, SECRET)).toBe(appProxySignature(new URLSearchParams("a=1,3&b=2"), SECRET));
  });

  it("gives the signature of the example on shopify.dev, whose ?extra=1&extra=2 is signed as extra=1,2", () => {
    const forwarded = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
    );
    expect(appProxySignature(forwarded, "hush")).toBe(forwarded.get("signature"));
  });
});

// Why the app builds the canonical text itself (docs/decisions/024-proxy-canonical-query-and-post-lookups.md).
describe("@shopify/shopify-api validateHmac against Shopify's documented signing", () => {
  afterEach(() => vi.useRealTimers());
  const hush = shopifyApi({
    apiKey: "k",
    apiSecretKey: "hush",
    apiVersion: "2026-07" as never,
    hostName: "app.example.com",
    isEmbeddedApp: true,
    logger: { level: LogSeverity.Error, log: () => undefined },
  });

  it("refuses the example of shopify.dev when given one value per key, and takes it only with arrays", async () => {
    vi.useFakeTimers({ now: 1317327555_000 });
    const forwarded = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
    );
    expect(await hush.utils.validateHmac(Object.fromEntries(forwarded), { signator: "appProxy" })).toBe(false);
    const grouped = Object.fromEntries([...parseProxyQuery(forwarded)].map(([key, values]) => [key, values.length > 1 ? values : values[0]!]));
    expect(await hush.utils.validateHmac(grouped as never, { signator: "appProxy" })).toBe(true);
  });

  it("sorts keys with localeCompare, so a query Shopify signs in byte order with mixed-case keys fails", async () => {
    const params = signAppProxyQuery(new URLSearchParams("Zone=1&a=2"), { shop: "s.myshopify.com", secret: "hush", pathPrefix: "/apps/x" });
    expect(await hush.utils.validateHmac(Object.fromEntries(params), { signator: "appProxy" })).toBe(false);
  });
});
