import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, scopesOfAppToml } from "../../app/config.server";

const key = Buffer.alloc(32, 1).toString("base64");

describe("configuration and the demo-mode guard", () => {
  it("runs the demo with its own non-secret identity", () => {
    const config = readConfig({ DEMO_MODE: "1", NODE_ENV: "development" });
    expect(config.demo).toBe(true);
    expect(config.apiSecret).toMatch(/not-a-real-credential/);
  });

  it("refuses demo mode in production", () => {
    expect(() => readConfig({ DEMO_MODE: "1", NODE_ENV: "production" })).toThrow(ConfigError);
  });

  it("refuses demo mode beside real Shopify credentials", () => {
    expect(() => readConfig({ DEMO_MODE: "1", SHOPIFY_API_SECRET: "shpss_real" })).toThrow(/refuses to start/);
    expect(() => readConfig({ DEMO_MODE: "1", SHOPIFY_API_KEY: "abc" })).toThrow(/refuses to start/);
  });

  it("requires credentials, URL and an encryption key in production", () => {
    expect(() => readConfig({ NODE_ENV: "production" })).toThrow(/SHOPIFY_API_KEY, SHOPIFY_API_SECRET, SHOPIFY_APP_URL/);
    const base = { NODE_ENV: "production", SHOPIFY_API_KEY: "k", SHOPIFY_API_SECRET: "s", SHOPIFY_APP_URL: "https://app.example.com" };
    expect(() => readConfig(base)).toThrow(/ENCRYPTION_KEY/);
    expect(() => readConfig({ ...base, ENCRYPTION_KEY: "c2hvcnQ=" })).toThrow(/32 bytes/);
    const config = readConfig({ ...base, ENCRYPTION_KEY: key, SHOPIFY_API_SECRET_PREVIOUS: "old" });
    expect(config).toMatchObject({ demo: false, apiSecret: "s", previousApiSecret: "old" });
    expect(config.encryptionKey.equals(Buffer.from(key, "base64"))).toBe(true);
  });

  it("takes the scopes from shopify.app.toml unless SCOPES is set", () => {
    const fromToml = readConfig({}).scopes;
    expect(fromToml).toContain("write_app_proxy");
    expect(readConfig({ DEMO_MODE: "1" }).scopes).toEqual(fromToml);
    expect(readConfig({ SCOPES: " read_orders , write_app_proxy," }).scopes).toEqual(["read_orders", "write_app_proxy"]);
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
