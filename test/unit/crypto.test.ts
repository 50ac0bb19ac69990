import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SecretKeyUnknown,
  decryptSecret,
  encryptSecret,
  encryptedUnderOtherKey,
  encryptionKeys,
  isEncrypted,
  keyId,
  storedKeyId,
} from "../../app/crypto.server";

const key = randomBytes(32);
const other = randomBytes(32);

/** A value as the app wrote it before key ids (enc:v1: iv, tag, body, no associated data). */
function legacy(plain: string, k: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

describe("secrets at rest", () => {
  it("round-trips and never stores the plain text", () => {
    const stored = encryptSecret("shpat_0123456789abcdef", key);
    expect(isEncrypted(stored)).toBe(true);
    expect(stored).not.toContain("shpat_");
    expect(decryptSecret(stored, key)).toBe("shpat_0123456789abcdef");
    expect(encryptSecret("same", key)).not.toBe(encryptSecret("same", key));
  });

  it("names the key in each value: enc:v2:<16 hex key id>:<base64>", () => {
    const stored = encryptSecret("token", key);
    expect(stored).toMatch(/^enc:v2:[0-9a-f]{16}:[A-Za-z0-9+/]+=*$/);
    expect(storedKeyId(stored)).toBe(keyId(key));
    expect(keyId(key)).not.toBe(keyId(other));
    expect(keyId(key)).toBe(keyId(Buffer.from(key)));
    expect(stored).not.toContain(key.toString("hex").slice(0, 16));
  });

  it("refuses a tampered value, a wrong key and a value that was never encrypted", () => {
    const stored = encryptSecret("token", key);
    const [header, payload] = [stored.slice(0, stored.lastIndexOf(":") + 1), stored.slice(stored.lastIndexOf(":") + 1)];
    const raw = Buffer.from(payload, "base64");
    raw[raw.length - 1] ^= 1;
    expect(() => decryptSecret(header + raw.toString("base64"), key)).toThrow();
    expect(() => decryptSecret(stored, other)).toThrow(SecretKeyUnknown);
    expect(() => decryptSecret("shpat_plain", key)).toThrow(/not stored encrypted/);
    expect(() => decryptSecret(`enc:v2:${stored.slice(stored.lastIndexOf(":") + 1)}`, key)).toThrow(/without its key id/);
  });

  it("authenticates the key id with the body: a value relabelled as another key's does not open", () => {
    const stored = encryptSecret("token", key);
    const relabelled = stored.replace(keyId(key), keyId(other));
    expect(() => decryptSecret(relabelled, encryptionKeys(other, [key]))).toThrow();
    expect(() => decryptSecret(stored.replace("enc:v2:", "enc:v1:").replace(`${keyId(key)}:`, ""), key)).toThrow();
  });

  it("opens what the key it replaced wrote, and says which key is missing when none fits", () => {
    const rotated = encryptionKeys(other, [key]);
    const old = encryptSecret("before rotation", key);
    expect(decryptSecret(old, rotated)).toBe("before rotation");
    expect(encryptedUnderOtherKey(old, rotated)).toBe(true);
    const fresh = encryptSecret("after rotation", rotated);
    expect(storedKeyId(fresh)).toBe(keyId(other));
    expect(encryptedUnderOtherKey(fresh, rotated)).toBe(false);
    expect(() => decryptSecret(old, other)).toThrow(new RegExp(keyId(key)));
  });

  it("still opens values written before key ids, with the current or the previous key", () => {
    expect(storedKeyId(legacy("x", key))).toBeNull();
    expect(isEncrypted(legacy("x", key))).toBe(true);
    expect(decryptSecret(legacy("under current", key), key)).toBe("under current");
    expect(decryptSecret(legacy("under previous", key), encryptionKeys(other, [key]))).toBe("under previous");
    expect(encryptedUnderOtherKey(legacy("x", other), other)).toBe(true);
    expect(() => decryptSecret(legacy("under neither", randomBytes(32)), encryptionKeys(other, [key]))).toThrow();
  });
});
