import { createHmac } from "node:crypto";

/**
 * A SubtleCrypto whose HMAC-SHA-256 key import and signing run on node:crypto's synchronous HMAC;
 * every other call goes to `real`. Shopify's validator computes each webhook's HMAC through
 * WebCrypto: an importKey and a sign per delivery, the sign queued to libuv's thread pool. That
 * cost about 120 µs of CPU per webhook here, against about 11 µs for the same HMAC computed in
 * place (docs/decisions/016-validator-cost-and-named-statements.md). The bytes are the same; only the path differs.
 */
export function createSynchronousHmacSubtle(real: SubtleCrypto): SubtleCrypto {
  // The key material of the keys this object imported; their CryptoKey stand-ins only carry the
  // public fields, so nothing outside this module can read the secret back.
  const secrets = new WeakMap<object, Buffer>();

  const importKey = (...args: Parameters<SubtleCrypto["importKey"]>): Promise<CryptoKey> => {
    const [format, keyData, algorithm, extractable, keyUsages] = args;
    const usages = [...keyUsages];
    // Anything but a sign-only raw HMAC-SHA-256 key, an empty usage list included, gets WebCrypto's own answer.
    if (format !== "raw" || extractable || !isHmacSha256(algorithm) || usages.length === 0 || !usages.every((usage) => usage === "sign") || !isBytes(keyData)) {
      return real.importKey(...(args as Parameters<typeof real.importKey>));
    }
    const key = Object.freeze({ type: "secret", extractable: false, algorithm: Object.freeze({ name: "HMAC", hash: Object.freeze({ name: "SHA-256" }), length: keyData.byteLength * 8 }), usages: Object.freeze(usages) });
    secrets.set(key, Buffer.from(bytesOf(keyData)));
    return Promise.resolve(key as unknown as CryptoKey);
  };

  const sign = (...args: Parameters<SubtleCrypto["sign"]>): Promise<ArrayBuffer> => {
    const [algorithm, key, data] = args;
    const secret = secrets.get(key);
    if (!secret) return real.sign(...args);
    if (algorithmName(algorithm) !== "HMAC") return Promise.reject(new DOMException("Unable to use this key with this algorithm", "InvalidAccessError"));
    const mac = createHmac("sha256", secret).update(bytesOf(data)).digest();
    return Promise.resolve(mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength) as ArrayBuffer);
  };

  return new Proxy(real, {
    get(target, property) {
      if (property === "importKey") return importKey;
      if (property === "sign") return sign;
      // SubtleCrypto's methods check their receiver: bind them to the real one.
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** In this thread, WebCrypto's HMAC-SHA-256 runs as `createSynchronousHmacSubtle` does (see dedicateThisThreadToVerification). */
export function signHmacSynchronouslyOnThisThread() {
  Object.defineProperty(globalThis.crypto, "subtle", { value: createSynchronousHmacSubtle(globalThis.crypto.subtle), configurable: true });
}

function algorithmName(algorithm: AlgorithmIdentifier): string {
  return (typeof algorithm === "string" ? algorithm : algorithm?.name ?? "").toUpperCase();
}

function isHmacSha256(algorithm: Parameters<SubtleCrypto["importKey"]>[2]): boolean {
  if (algorithmName(algorithm as AlgorithmIdentifier) !== "HMAC" || typeof algorithm !== "object") return false;
  const { hash, length } = algorithm as HmacImportParams;
  return length === undefined && algorithmName(hash) === "SHA-256";
}

function isBytes(data: unknown): data is BufferSource {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

function bytesOf(data: BufferSource): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
