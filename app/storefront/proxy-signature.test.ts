import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { appProxySignature, signAppProxyQuery } from "./app-proxy-signature.server";
import { createProxySignatureCheck, VerifiedProxyQuery } from "./proxy-signature.server";

const config = { apiKey: "k", apiSecret: "new-secret", appUrl: "https://app.example.com", previousApiSecret: "old-secret" };
const signed = (secret: string, options: { customerId?: string | null; timestamp?: number } = {}) =>
  signAppProxyQuery(new URLSearchParams(), {
    shop: "s.myshopify.com",
    secret,
    customerId: options.customerId === undefined ? "42" : options.customerId,
    pathPrefix: "/apps/order-status",
    timestamp: options.timestamp,
  });
const stale = () => Math.trunc(Date.now() / 1000) - 600;
const now = () => String(Math.trunc(Date.now() / 1000));

/**
 * Shopify's signing as "Authenticate app proxies" shows it in Ruby, written out here apart from the
 * app's code: `key=value` with a repeated key's values joined by ",", pairs sorted bytewise, joined.
 */
function shopifySigns(query: string, secret: string): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(query)) grouped.set(key, [...(grouped.get(key) ?? []), value]);
  const message = [...grouped]
    .map(([key, values]) => `${key}=${values.join(",")}`)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .join("");
  return `${query}&signature=${createHmac("sha256", secret).update(message).digest("hex")}`;
}

describe("createProxySignatureCheck", () => {
  it("refuses a query re-split from one Shopify signed for another shop: no key or value may hold \"=\"", async () => {
    const check = createProxySignatureCheck(config);
    // Shopper parameters an attacker sends through the proxy of their own shop, which Shopify then signs.
    const shopper = new URLSearchParams({ a: "logged_in_customer_id=7001lz=", q: "xshop=victim.myshopify.comt=" });
    const theirs = signAppProxyQuery(shopper, { shop: "attacker.myshopify.com", secret: config.apiSecret, customerId: null, pathPrefix: "/apps/order-status" });
    // The same signed text cut at other "=": another shop, another customer, the same signature.
    const forged = new URLSearchParams([
      ["a", ""],
      ["logged_in_customer_id", "7001"],
      ["lz", "logged_in_customer_id="],
      ["path_prefix", "/apps/order-status"],
      ["q", "x"],
      ["shop", "victim.myshopify.com"],
      ["t", "shop=attacker.myshopify.com"],
      ["timestamp", theirs.get("timestamp")!],
      ["signature", theirs.get("signature")!],
    ]);
    await expect(check(forged)).rejects.toMatchObject({ status: 400 });
    await expect(check(theirs)).rejects.toMatchObject({ status: 400 });
  });

  it("answers the shop and customer of a request signed with the app's secret", async () => {
    const check = createProxySignatureCheck(config);
    const verified = await check(signed("new-secret"));
    expect(verified).toBeInstanceOf(VerifiedProxyQuery);
    expect(verified).toMatchObject({ shop: "s.myshopify.com", customerId: "42", pathPrefix: "/apps/order-status" });
    await expect(check(signed("new-secret", { customerId: null }))).resolves.toMatchObject({ shop: "s.myshopify.com", customerId: null });
  });

  it("accepts the previous secret only while a rotation is configured", async () => {
    await expect(createProxySignatureCheck(config)(signed("old-secret"))).resolves.toMatchObject({ shop: "s.myshopify.com", customerId: "42" });
    await expect(createProxySignatureCheck({ ...config, previousApiSecret: undefined })(signed("old-secret"))).rejects.toHaveProperty("status", 400);
  });

  it("refuses with a 400 Response any other secret, a changed parameter, a stale timestamp or no signature", async () => {
    const check = createProxySignatureCheck(config);
    const otherCustomer = signed("new-secret");
    otherCustomer.set("logged_in_customer_id", "43");
    for (const query of [
      signed("someone-else"),
      otherCustomer,
      signed("new-secret", { timestamp: stale() }),
      signed("old-secret", { timestamp: stale() }),
      new URLSearchParams("shop=s.myshopify.com&logged_in_customer_id=42&timestamp=1"),
    ]) {
      await expect(check(query)).rejects.toBeInstanceOf(Response);
      await expect(check(query)).rejects.toHaveProperty("status", 400);
    }
  });

  it("signs as shopify.dev's example does (a repeated key joined as extra=1,2), and still refuses any key of the shopper's", async () => {
    // "Authenticate app proxies": secret "hush", a storefront request for ?extra=1&extra=2.
    const forwarded = new URLSearchParams(
      "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
    );
    expect(appProxySignature(forwarded, "hush")).toBe(forwarded.get("signature"));
    const check = createProxySignatureCheck({ ...config, apiSecret: "hush", previousApiSecret: undefined }, () => 1317327555_000);
    await expect(check(forwarded)).rejects.toHaveProperty("status", 400);
  });

  it("refuses a query re-cut at the boundary between a value and the next key", async () => {
    const check = createProxySignatureCheck(config);
    // Parameters typed on the attacker's own storefront, which Shopify signs with the attacker's shop.
    const shopper = new URLSearchParams([["a", "xa"], ["lzlogged_in_customer_id", "7345123456789"], ["rshop", "victim-store.myshopify.coms"]]);
    const theirs = signAppProxyQuery(shopper, { shop: "attacker.myshopify.com", secret: config.apiSecret, customerId: null, pathPrefix: "/apps/order-status" });
    const recut = new URLSearchParams([
      ["a", "x"],
      ["alogged_in_customer_id", "lz"],
      ["logged_in_customer_id", "7345123456789"],
      ["path_prefix", "/apps/order-statusr"],
      ["shop", "victim-store.myshopify.com"],
      ["sshop", "attacker.myshopify.com"],
      ["timestamp", theirs.get("timestamp")!],
      ["signature", theirs.get("signature")!],
    ]);
    expect(appProxySignature(recut, config.apiSecret)).toBe(theirs.get("signature"));
    await expect(check(recut)).rejects.toHaveProperty("status", 400);
  });

  it("refuses a captured guest URL with logged_in_customer_id=<victim> put before or after Shopify's", async () => {
    const check = createProxySignatureCheck(config);
    const guest = signed("new-secret", { customerId: null }).toString();
    await expect(check(new URLSearchParams(guest))).resolves.toMatchObject({ customerId: null });
    for (const tampered of [`logged_in_customer_id=7100000042&${guest}`, `${guest}&logged_in_customer_id=7100000042`]) {
      await expect(check(new URLSearchParams(tampered)), tampered.slice(0, 40)).rejects.toHaveProperty("status", 400);
    }
  });

  it("refuses a repeated shop, customer, path prefix, timestamp or signature even when Shopify's signature covers it", async () => {
    const check = createProxySignatureCheck(config);
    const t = now();
    for (const query of [
      `shop=s.myshopify.com&shop=t.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fx&timestamp=${t}`,
      `shop=s.myshopify.com&logged_in_customer_id=&logged_in_customer_id=42&path_prefix=%2Fapps%2Fx&timestamp=${t}`,
      `shop=s.myshopify.com&logged_in_customer_id=42&logged_in_customer_id=42&path_prefix=%2Fapps%2Fx&timestamp=${t}`,
      `shop=s.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fx&path_prefix=%2Fapps%2Fy&timestamp=${t}`,
      `shop=s.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fx&timestamp=${t}&timestamp=${t}`,
    ]) {
      await expect(check(new URLSearchParams(shopifySigns(query, "new-secret"))), query).rejects.toHaveProperty("status", 400);
    }
    const once = shopifySigns(`shop=s.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fx&timestamp=${t}`, "new-secret");
    await expect(check(new URLSearchParams(once))).resolves.toMatchObject({ customerId: null });
    await expect(check(new URLSearchParams(`${once}&signature=${once.split("signature=")[1]}`))).rejects.toHaveProperty("status", 400);
  });

  it("is the only maker of a verified query", () => {
    expect(() => new VerifiedProxyQuery(Symbol("verified app proxy query") as never, { shop: "s.myshopify.com", customerId: "1", pathPrefix: null })).toThrow(TypeError);
  });
});
