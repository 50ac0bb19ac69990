import { describe, expect, it } from "vitest";
import { signAppProxyQuery } from "./app-proxy-signature.server";
import { createProxySignatureCheck } from "./proxy-signature.server";

const config = { apiKey: "k", apiSecret: "new-secret", appUrl: "https://app.example.com", previousApiSecret: "old-secret" };
const signed = (secret: string, options: { customerId?: string | null; timestamp?: number } = {}) =>
  signAppProxyQuery(new URLSearchParams("order=1001&email=a%40b.co"), {
    shop: "s.myshopify.com",
    secret,
    customerId: options.customerId === undefined ? "42" : options.customerId,
    pathPrefix: "/apps/order-status",
    timestamp: options.timestamp,
  });
const stale = () => Math.trunc(Date.now() / 1000) - 600;

describe("createProxySignatureCheck", () => {
  it("answers the shop and customer of a request signed with the app's secret", async () => {
    const check = createProxySignatureCheck(config);
    await expect(check(signed("new-secret"))).resolves.toEqual({ shop: "s.myshopify.com", customerId: "42" });
    await expect(check(signed("new-secret", { customerId: null }))).resolves.toEqual({ shop: "s.myshopify.com", customerId: null });
  });

  it("accepts the previous secret only while a rotation is configured", async () => {
    await expect(createProxySignatureCheck(config)(signed("old-secret"))).resolves.toEqual({ shop: "s.myshopify.com", customerId: "42" });
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
});
