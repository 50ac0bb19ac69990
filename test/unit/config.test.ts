import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, readEncryptionKeys, scopesOfAppToml, weakKeyReason } from "../../app/config.server";
import { decryptSecret, encryptSecret } from "../../app/crypto.server";

const key = randomBytes(32).toString("base64");
const demo = { DEMO_MODE: "1", NODE_ENV: "development", HOST: "127.0.0.1", ENCRYPTION_KEY: key };
const production = { SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com", ENCRYPTION_KEY: key };

describe("configuration and the demo-mode guard", () => {
  it("runs the demo with its own non-secret identity, and the key it is given", () => {
    const config = readConfig(demo);
    expect(config.demo).toBe(true);
    expect(config.apiSecret).toMatch(/not-a-real-credential/);
    expect(config.encryptionKey.equals(Buffer.from(key, "base64"))).toBe(true);
  });

  it("refuses demo mode under npm start: NODE_ENV unset, production or anything but development", () => {
    for (const NODE_ENV of [undefined, "production", "test", "staging", ""]) {
      expect(() => readConfig({ ...demo, NODE_ENV }), String(NODE_ENV)).toThrow(/only through `npm run demo`/);
    }
  });

  it("refuses demo mode beside real Shopify credentials", () => {
    expect(() => readConfig({ ...demo, SHOPIFY_API_SECRET: "shpss_real" })).toThrow(/refuses to start/);
    expect(() => readConfig({ ...demo, SHOPIFY_API_KEY: "abc" })).toThrow(/refuses to start/);
  });

  it("refuses demo mode anywhere but on loopback", () => {
    for (const HOST of [undefined, "0.0.0.0", "::", "10.0.0.5", "example.com"]) {
      expect(() => readConfig({ ...demo, HOST }), String(HOST)).toThrow(/loopback only/);
    }
    expect(readConfig({ ...demo, HOST: "::1" }).demo).toBe(true);
    expect(readConfig({ ...demo, HOST: "localhost" }).demo).toBe(true);
  });

  it("refuses demo mode without a key of its own", () => {
    expect(() => readConfig({ ...demo, ENCRYPTION_KEY: undefined })).toThrow(/ENCRYPTION_KEY/);
  });

  it("is production unless NODE_ENV says development or test, and then requires credentials, URL and a key", () => {
    for (const NODE_ENV of [undefined, "production", "staging", ""]) {
      expect(() => readConfig({ NODE_ENV }), String(NODE_ENV)).toThrow(/SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL/);
      expect(() => readConfig({ ...production, NODE_ENV, SHOPIFY_API_SECRET: undefined }), String(NODE_ENV)).toThrow(/SHOPIFY_API_SECRET/);
      expect(() => readConfig({ ...production, NODE_ENV, ENCRYPTION_KEY: undefined }), String(NODE_ENV)).toThrow(/ENCRYPTION_KEY/);
    }
    const config = readConfig({ ...production, SHOPIFY_API_SECRET_PREVIOUS: "old" });
    expect(config).toMatchObject({ demo: false, apiSecret: "s", previousApiSecret: "old" });
    expect(config.encryptionKey.equals(Buffer.from(key, "base64"))).toBe(true);
  });

  it("needs a key in development and tests too: none is built in", () => {
    for (const NODE_ENV of ["development", "test"]) {
      expect(() => readConfig({ NODE_ENV }), NODE_ENV).toThrow(/Missing required environment: ENCRYPTION_KEY/);
      expect(readConfig({ NODE_ENV, ENCRYPTION_KEY: key }).demo).toBe(false);
    }
  });

  it("takes the scopes from shopify.app.toml unless SCOPES is set", () => {
    const fromToml = readConfig(production).scopes;
    expect(fromToml).toContain("write_app_proxy");
    expect(readConfig(demo).scopes).toEqual(fromToml);
    expect(readConfig({ ...production, SCOPES: " read_orders , write_app_proxy," }).scopes).toEqual(["read_orders", "write_app_proxy"]);
  });
});

describe("ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS", () => {
  const b64 = (bytes: Buffer) => bytes.toString("base64");

  it("refuses anything but 32 bytes in canonical base64", () => {
    for (const value of ["c2hvcnQ=", b64(randomBytes(31)), b64(randomBytes(33)), randomBytes(32).toString("hex"), b64(randomBytes(32)).replace(/=$/, ""), `${key}x`]) {
      expect(() => readEncryptionKeys({ ENCRYPTION_KEY: value }), value).toThrow(/32 random bytes, base64/);
    }
  });

  it("refuses keys that are not random: text, repeated bytes, patterns", () => {
    const weak = [
      Buffer.alloc(32, 7),
      Buffer.alloc(32, 0),
      Buffer.from("correct horse battery staple 123"),
      Buffer.from("0123456789abcdef0123456789abcdef"),
      Buffer.from(Array.from({ length: 32 }, (_, i) => (i % 8) * 31)),
    ];
    for (const bytes of weak) {
      expect(weakKeyReason(bytes), bytes.toString("hex")).not.toBeNull();
      expect(() => readEncryptionKeys({ ENCRYPTION_KEY: b64(bytes) })).toThrow(/ENCRYPTION_KEY is refused/);
    }
    for (let i = 0; i < 1000; i += 1) expect(weakKeyReason(randomBytes(32))).toBeNull();
  });

  it("reads the previous key for decryption only, weak or not, and encrypts with the current one", () => {
    const old = Buffer.alloc(32, 7);
    const keys = readEncryptionKeys({ ENCRYPTION_KEY: key, ENCRYPTION_KEY_PREVIOUS: b64(old) });
    expect(keys.equals(Buffer.from(key, "base64"))).toBe(true);
    expect(keys.previous).toHaveLength(1);
    expect(decryptSecret(encryptSecret("written before", old), keys)).toBe("written before");
    const written = encryptSecret("written now", keys);
    expect(decryptSecret(written, Buffer.from(key, "base64"))).toBe("written now");
    expect(() => decryptSecret(written, old)).toThrow();
    expect(() => readEncryptionKeys({ ENCRYPTION_KEY: key, ENCRYPTION_KEY_PREVIOUS: "c2hvcnQ=" })).toThrow(/ENCRYPTION_KEY_PREVIOUS must be 32/);
  });
});

describe("scopesOfAppToml", () => {
  it("reads scopes from the [access_scopes] table only, whatever surrounds it", () => {
    const toml = [
      'scopes = "top_level"',
      "[other] # not this one",
      'scopes = "elsewhere"',
      "",
      "  [ access_scopes ]  # the app's",
      "# scopes = \"commented\"",
      "use_legacy_install_flow = false",
      "scopes = 'read_orders,write_app_proxy' # why",
      "",
      "[[webhooks.subscriptions]]",
      'scopes = "after"',
    ].join("\r\n");
    expect(scopesOfAppToml(toml)).toBe("read_orders,write_app_proxy");
  });

  it("refuses a file without them", () => {
    expect(() => scopesOfAppToml('[access_scopes]\n[auth]\nscopes = "read_orders"\n')).toThrow(ConfigError);
    expect(() => scopesOfAppToml("")).toThrow(/no \[access_scopes\] scopes/);
  });
});
