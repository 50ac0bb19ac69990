// Runs Shopify's theme-check over the theme app extension, as `shopify app deploy` would,
// so an invalid schema, a missing translation or an oversized asset fails in CI first.
import { statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { themeCheckRun } from "@shopify/theme-check-node";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const extensionDir = path.join(root, "extensions", "order-status");

// Shopify's limits for app block assets. theme-check only measures assets named in a
// block's schema, and our script is loaded by an explicit deferred <script> tag.
const MAX_JS_BYTES = 10_000;
const MAX_CSS_BYTES = 100_000;

describe("extensions/order-status", () => {
  it("has no theme-check offenses", async () => {
    const run = await themeCheckRun(extensionDir, undefined, () => {});
    // Guards against a silent pass: the app-extension checks only apply in the "app" context.
    expect(run.config.context).toBe("app");
    expect(run.theme.some((file) => file.uri.endsWith("/blocks/order-status.liquid"))).toBe(true);

    const offenses = run.offenses.map(
      (o) => `${path.relative(extensionDir, fileURLToPath(o.uri))}:${o.start.line + 1} ${o.check}: ${o.message}`,
    );
    expect(offenses, `theme-check offenses:\n${offenses.join("\n")}`).toEqual([]);
  });

  it(`keeps the block script under ${MAX_JS_BYTES} bytes`, () => {
    expect(statSync(path.join(extensionDir, "assets", "order-status.js")).size).toBeLessThan(MAX_JS_BYTES);
  });

  it(`keeps the block stylesheet under ${MAX_CSS_BYTES} bytes`, () => {
    expect(statSync(path.join(extensionDir, "assets", "order-status.css")).size).toBeLessThan(MAX_CSS_BYTES);
  });
});
