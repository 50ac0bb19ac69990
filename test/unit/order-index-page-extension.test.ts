// @vitest-environment happy-dom
// The Order index page extension: its configuration, its bundle as Shopify CLI builds it, and the
// line a customer reads per order from the app's recorded answer.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildUiExtension, cliExtensionUid, readExtensionToml, runUiExtension, type BuiltExtension, type RecordedAnswer } from "../support/ui-extension";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const extensionDir = path.join(root, "extensions", "order-index-page");
const TARGET = "customer-account.order-index.block.render";
const APP_URL = "https://order-truth.example.com";
const contract = JSON.parse(readFileSync(path.join(root, "contracts", "order-status.schema.json"), "utf8"));
const ORDERS: RecordedAnswer = JSON.parse(readFileSync(path.join(root, "test/unit/fixtures/customer-account/order-index.json"), "utf8"));
const SIGNED_OUT: RecordedAnswer = { status: 200, body: { signedIn: false, orders: [] } };

const lines = () => [...document.body.querySelectorAll("s-text")].map((node) => node.textContent?.trim());

let built: BuiltExtension;
const originalFetch = globalThis.fetch;
// Generous: a busy machine may be slow to run the fetch and the render; nothing here is timed.
const WAIT = { timeout: 10_000 };

beforeAll(async () => {
  built = await buildUiExtension(extensionDir, TARGET, APP_URL);
});

afterAll(() => {
  globalThis.fetch = originalFetch;
  delete (globalThis as Record<string, unknown>).shopify;
});

async function rendered(answer: RecordedAnswer, locale = "en") {
  const fake = await runUiExtension(built, { extensionDir, locale, answer });
  await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
  return fake;
}

describe("order-index-page extension", () => {
  it("is one UI extension on the Order index block target, API 2026-07, with network access and no Storefront API access", () => {
    const toml = readExtensionToml(extensionDir);
    expect(toml.api_version).toBe("2026-07");
    expect(toml.extensions).toHaveLength(1);
    expect(toml.extensions[0]).toMatchObject({ type: "ui_extension", handle: "order-index-page", capabilities: { network_access: true, api_access: false } });
    expect(toml.extensions[0]!.targeting).toEqual([{ target: TARGET, module: "./src/OrderIndexBlock.tsx" }]);
  });

  it("keeps the uid Shopify CLI derives from its handle, so the deployed extension stays the same one", () => {
    expect(readExtensionToml(extensionDir).extensions[0]!.uid).toBe(cliExtensionUid("order-index-page"));
  });

  it("names every order status of the contract in English and French, with the same keys in both", () => {
    const en = JSON.parse(readFileSync(path.join(extensionDir, "locales", "en.default.json"), "utf8"));
    const fr = JSON.parse(readFileSync(path.join(extensionDir, "locales", "fr.json"), "utf8"));
    const keys = (value: object, prefix = ""): string[] =>
      Object.entries(value).flatMap(([key, inner]) => (typeof inner === "object" ? keys(inner, `${prefix}${key}.`) : [`${prefix}${key}`]));
    expect(keys(fr).sort()).toEqual(keys(en).sort());
    expect(Object.keys(en.orderStatus).sort()).toEqual([...contract.$defs.orderStatus.enum].sort());
  });

  it("builds within Shopify's 64 KB compressed limit for UI extensions", () => {
    expect(built.compressedBytes).toBeLessThan(64 * 1024);
  });

  it("asks the app for the customer's orders with Shopify's session token and says how many parcels of each arrived", async () => {
    const fake = await rendered(ORDERS);
    expect(fake.requests).toEqual([{ url: `${APP_URL}/customer-account/orders`, authorization: "Bearer session-token-from-shopify" }]);
    await vi.waitFor(() => expect(document.body.querySelector("s-section")?.getAttribute("heading")).toBe("Delivery status"), WAIT);
    expect(lines()).toEqual([
      "Order #1006: 0 of 1 parcel delivered, running late",
      "Order #1004: 1 of 1 parcel delivered",
      "Order #1001: 1 of 2 parcels delivered, running late",
    ]);
  });

  it("joins the app's URL to its path with one slash when APP_URL ends in one", async () => {
    const withSlash = await buildUiExtension(extensionDir, TARGET, `${APP_URL}/`);
    const fake = await runUiExtension(withSlash, { extensionDir, locale: "en", answer: ORDERS });
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
    expect(fake.requests[0]!.url).toBe(`${APP_URL}/customer-account/orders`);
  });

  it("speaks French", async () => {
    await rendered(ORDERS, "fr");
    await vi.waitFor(() => expect(document.body.querySelector("s-section")?.getAttribute("heading")).toBe("Suivi de livraison"), WAIT);
    expect(lines()).toEqual([
      "Commande #1006 : colis livrés : 0 sur 1, en retard",
      "Commande #1004 : colis livrés : 1 sur 1",
      "Commande #1001 : colis livrés : 1 sur 2, en retard",
    ]);
  });

  it("shows nothing when the app knows no order of the customer", async () => {
    await rendered(SIGNED_OUT);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(document.body.children).toHaveLength(0);
  });
});
