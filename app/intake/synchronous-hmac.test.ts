import { createHmac, webcrypto } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSynchronousHmacSubtle } from "./synchronous-hmac.server";

const real = webcrypto.subtle as SubtleCrypto;
const fast = createSynchronousHmacSubtle(real);
const HMAC_SHA256 = { name: "HMAC", hash: { name: "SHA-256" } };

async function macWith(subtle: SubtleCrypto, secret: Uint8Array, message: Uint8Array) {
  const key = await subtle.importKey("raw", new Uint8Array(secret), HMAC_SHA256, false, ["sign"]);
  return Buffer.from(await subtle.sign("HMAC", key, new Uint8Array(message))).toString("hex");
}

describe("synchronous HMAC-SHA-256 for WebCrypto callers", () => {
  it("signs exactly as WebCrypto does, for any key and message", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ maxLength: 8000 }), async (secret, message) => {
        expect(await macWith(fast, secret, message)).toBe(await macWith(real, secret, message));
      }),
      { numRuns: 300 },
    );
  });

  it("gives Shopify's validator the signature Shopify sends", async () => {
    const body = JSON.stringify({ id: 5801234567001, note: "Größe 42 — ünïcödé" });
    const secret = new TextEncoder().encode("shpss_example");
    const viaFast = Buffer.from(await fast.sign("HMAC", await fast.importKey("raw", secret, HMAC_SHA256, false, ["sign"]), new TextEncoder().encode(body))).toString("base64");
    expect(viaFast).toBe(createHmac("sha256", "shpss_example").update(body, "utf8").digest("base64"));
  });

  it("keeps the secret out of the key it hands back", async () => {
    const key = await fast.importKey("raw", new TextEncoder().encode("top-secret"), HMAC_SHA256, false, ["sign"]);
    expect(JSON.stringify(key)).not.toContain("top-secret");
    expect(key).toMatchObject({ type: "secret", extractable: false, usages: ["sign"], algorithm: { name: "HMAC", hash: { name: "SHA-256" }, length: 80 } });
    expect(Object.isFrozen(key)).toBe(true);
  });

  it("leaves every other algorithm, format and use to WebCrypto itself", async () => {
    const sha512 = await fast.importKey("raw", new Uint8Array(16), { name: "HMAC", hash: "SHA-512" }, false, ["sign"]);
    expect(sha512).toBeInstanceOf(globalThis.CryptoKey);
    const verifiable = await fast.importKey("raw", new Uint8Array(16), HMAC_SHA256, false, ["sign", "verify"]);
    expect(verifiable).toBeInstanceOf(globalThis.CryptoKey);
    const exportable = await fast.importKey("raw", new Uint8Array(16), HMAC_SHA256, true, ["sign"]);
    expect(exportable).toBeInstanceOf(globalThis.CryptoKey);
    const digest = async (subtle: SubtleCrypto) => Buffer.from(await subtle.digest("SHA-256", new Uint8Array([1, 2, 3]))).toString("hex");
    expect(await digest(fast)).toBe(await digest(real));
    await expect(fast.importKey("raw", new Uint8Array(16), HMAC_SHA256, false, [])).rejects.toThrow(/[Uu]sages/);
    const ours = await fast.importKey("raw", new Uint8Array(16), HMAC_SHA256, false, ["sign"]);
    await expect(fast.sign({ name: "ECDSA", hash: "SHA-256" } as EcdsaParams, ours, new Uint8Array(1))).rejects.toThrow(/algorithm/);
  });
});
