import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";

/** Written before key ids: no way to tell which key made it, so every configured key is tried. */
const LEGACY_PREFIX = "enc:v1:";
/** `enc:v2:<key id>:<base64 of iv, tag, ciphertext>`; the header is authenticated with the body. */
const PREFIX = "enc:v2:";

/**
 * The current key, carrying the keys it replaced. It stands wherever a single key is handed around
 * (session storage, SFTP settings), so that code reads what an older key wrote during a rotation
 * without knowing a rotation is under way; it encrypts with the current key only.
 */
export type EncryptionKeys = Buffer & { readonly previous: readonly Buffer[] };

export function encryptionKeys(current: Buffer, previous: readonly Buffer[] = []): EncryptionKeys {
  return Object.assign(Buffer.from(current), { previous: previous.map((key) => Buffer.from(key)) });
}

function candidateKeys(key: Buffer): Buffer[] {
  return [key, ...((key as Partial<EncryptionKeys>).previous ?? [])];
}

/**
 * A short public name for a key: an HMAC under the key itself, so it tells keys apart without
 * being a plain hash of the key.
 */
export function keyId(key: Buffer): string {
  return createHmac("sha256", key).update("order-truth encryption key id").digest("hex").slice(0, 16);
}

export class SecretKeyUnknown extends Error {
  constructor(readonly keyId: string) {
    super(`secret encrypted with key ${keyId}, which is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS`);
    this.name = "SecretKeyUnknown";
  }
}

/** AES-256-GCM, so a stolen database file alone yields no usable token or credential. */
export function encryptSecret(plain: string, key: Buffer): string {
  const header = `${PREFIX}${keyId(key)}:`;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(header));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return header + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

function open(payload: string, key: Buffer, header: string | null): string {
  const raw = Buffer.from(payload, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  if (header !== null) decipher.setAAD(Buffer.from(header));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

/** Decrypts with the key the value names (the current one or one it replaced). */
export function decryptSecret(stored: string, key: Buffer): string {
  if (stored.startsWith(PREFIX)) {
    const id = storedKeyId(stored);
    if (id === null) throw new Error("Refusing a secret without its key id.");
    const match = candidateKeys(key).find((k) => keyId(k) === id);
    if (!match) throw new SecretKeyUnknown(id);
    const header = `${PREFIX}${id}:`;
    return open(stored.slice(header.length), match, header);
  }
  if (stored.startsWith(LEGACY_PREFIX)) {
    let failure: unknown;
    for (const candidate of candidateKeys(key)) {
      try {
        return open(stored.slice(LEGACY_PREFIX.length), candidate, null);
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  }
  throw new Error("Refusing a secret that was not stored encrypted.");
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX) || value.startsWith(LEGACY_PREFIX);
}

/** The id of the key a value was encrypted with; null for values written before key ids. */
export function storedKeyId(stored: string): string | null {
  if (!stored.startsWith(PREFIX)) return null;
  const end = stored.indexOf(":", PREFIX.length);
  return end > 0 ? stored.slice(PREFIX.length, end) : null;
}

/** Whether re-encryption would change this value: anything not already under the current key. */
export function encryptedUnderOtherKey(stored: string, key: Buffer): boolean {
  return storedKeyId(stored) !== keyId(key);
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
