import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, isEncrypted } from "../../app/crypto.server";

const key = Buffer.alloc(32, 9);

describe("secrets at rest", () => {
  it("round-trips and never stores the plain text", () => {
    const stored = encryptSecret("shpat_0123456789abcdef", key);
    expect(isEncrypted(stored)).toBe(true);
    expect(stored).not.toContain("shpat_");
    expect(decryptSecret(stored, key)).toBe("shpat_0123456789abcdef");
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("refuses a tampered value, a wrong key and a value that was never encrypted", () => {
    const stored = encryptSecret("token", key);
    const raw = Buffer.from(stored.slice("enc:v1:".length), "base64");
    raw[raw.length - 1] ^= 1;
    expect(() => decryptSecret(`enc:v1:${raw.toString("base64")}`, key)).toThrow();
    expect(() => decryptSecret(stored, Buffer.alloc(32, 8))).toThrow();
    expect(() => decryptSecret("shpat_plain", key)).toThrow(/not stored encrypted/);
  });
});
