import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ADMIN_API_VERSION } from "../../app/api-version";
import { readConfig } from "../../app/config.server";
import { COMPLIANCE_TOPICS, LIFECYCLE_TOPICS, ORDER_TOPICS } from "../../app/intake/webhook-preparer.server";

const toml = readFileSync(new URL("../../shopify.app.toml", import.meta.url), "utf8");

// Read here without the app's own reader, so a fault in it cannot hide a drift.
const tomlScopes = /^\[access_scopes\]$[^[]*?^scopes\s*=\s*"([^"]*)"/m.exec(toml)?.[1].split(",") ?? [];

function quotedList(key: string): string[] {
  return [...toml.matchAll(new RegExp(`^\\s*${key}\\s*=\\s*\\[([^\\]]*)\\]`, "gm"))].flatMap((m) => [...m[1].matchAll(/"([^"]+)"/g)].map((q) => q[1]));
}

describe("shopify.app.toml and the intake agree", () => {
  it("subscribes exactly the topics the intake handles, compliance topics included", () => {
    expect(new Set(quotedList("topics"))).toEqual(new Set([...ORDER_TOPICS, ...LIFECYCLE_TOPICS]));
    expect(new Set(quotedList("compliance_topics"))).toEqual(COMPLIANCE_TOPICS);
  });

  it("uses the app's Admin API version for webhooks and declares the storefront app proxy", () => {
    expect(toml).toMatch(new RegExp(`\\[webhooks\\]\\s*\\n\\s*api_version\\s*=\\s*"${ADMIN_API_VERSION}"`));
    expect(toml).toMatch(/\[app_proxy\][^[]*prefix\s*=\s*"apps"[^[]*subpath\s*=\s*"order-status"/);
  });

  it("asks for read scopes only, and write_app_proxy because it declares an app proxy", () => {
    expect(tomlScopes.length).toBeGreaterThan(0);
    expect(tomlScopes.filter((s) => !s.startsWith("read_"))).toEqual(["write_app_proxy"]);
  });

  it("is where the app's default scopes come from", () => {
    const development = { NODE_ENV: "development", ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    expect(readConfig(development).scopes).toEqual(tomlScopes);
    expect(readConfig({ ...development, DEMO_MODE: "1", HOST: "127.0.0.1" }).scopes).toEqual(tomlScopes);
  });
});
