import { describe, expect, it } from "vitest";
import { signAppProxyQuery } from "./app-proxy-signature.server";
import { createProxySignatureCheck } from "./proxy-signature.server";

const config = { apiKey: "k", appUrl: "https://app.example.com", previousApiSecret: "old-secret" };
const refusal = new Response(null, { status: 400 });
const refuseAll = async () => {
  throw refusal;
};
const signed = (secret: string, timestamp?: number) =>
  new Request(
    `https://app.example.com/proxy/lookup?${signAppProxyQuery(new URLSearchParams("order=1001&email=a%40b.co"), {
      shop: "s.myshopify.com",
      secret,
      customerId: "42",
      pathPrefix: "/apps/order-status",
      timestamp,
    })}`,
  );

describe("createProxySignatureCheck", () => {
  it("is Shopify's check alone when no previous secret is configured", () => {
    expect(createProxySignatureCheck(refuseAll, { ...config, previousApiSecret: undefined })).toBe(refuseAll);
  });

  it("accepts a request signed with the previous secret during a rotation", async () => {
    await expect(createProxySignatureCheck(refuseAll, config)(signed("old-secret"))).resolves.toBeUndefined();
  });

  it("keeps Shopify's refusal for any other secret, a stale timestamp or no signature", async () => {
    const check = createProxySignatureCheck(refuseAll, config);
    await expect(check(signed("someone-else"))).rejects.toBe(refusal);
    await expect(check(signed("old-secret", Math.trunc(Date.now() / 1000) - 600))).rejects.toBe(refusal);
    await expect(check(new Request("https://app.example.com/proxy/lookup?shop=s.myshopify.com&timestamp=1"))).rejects.toBe(refusal);
  });

  it("does not consult the previous secret when the current one passes", async () => {
    const context = { liquid: "ok" };
    await expect(createProxySignatureCheck(async () => context, config)(signed("anything"))).resolves.toBe(context);
  });
});
