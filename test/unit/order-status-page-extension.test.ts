// @vitest-environment happy-dom
// The Order status page extension as Shopify runs it: its configuration, its bundle as the CLI
// builds it, and what a customer reads when it renders the app's recorded answers.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildUiExtension, cliExtensionUid, readExtensionToml, runUiExtension, type BuiltExtension, type RecordedAnswer } from "../support/ui-extension";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const extensionDir = path.join(root, "extensions", "order-status-page");
const TARGET = "customer-account.order-status.block.render";
const APP_URL = "https://order-truth.example.com";
const ORDER_GID = "gid://shopify/Order/5801234567001";
const contract = JSON.parse(readFileSync(path.join(root, "contracts", "order-status.schema.json"), "utf8"));
const validateContract = new Ajv2020({ allErrors: true, strict: false }).compile(contract);

const recorded = (name: string): RecordedAnswer => JSON.parse(readFileSync(path.join(root, "test/unit/fixtures/customer-account", `${name}.json`), "utf8"));
const TWO_SHIPMENTS_ONE_LATE = recorded("two-shipments-one-late");
const DELIVERED = recorded("delivered");
const WITHOUT_CUSTOMER = recorded("without-customer");
const NOT_FOUND = recorded("not-found");

/** What a customer reads: the text of each component that shows text, in page order. */
const texts = () =>
  [...document.body.querySelectorAll("s-text, s-heading, s-banner, s-link, s-list-item, s-button")].map((node) => node.textContent?.trim() ?? "");

const section = () => document.body.querySelector("s-section");

let built: BuiltExtension;
const originalFetch = globalThis.fetch;
// Generous: a busy machine may be slow to run the fetch and the render; nothing here is timed.
const WAIT = { timeout: 10_000 };
const originalTimeZone = process.env.TZ;

beforeAll(async () => {
  // Dates read as a customer in Montréal would, whatever the machine's zone.
  process.env.TZ = "America/Toronto";
  built = await buildUiExtension(extensionDir, TARGET, APP_URL);
});

afterAll(() => {
  globalThis.fetch = originalFetch;
  process.env.TZ = originalTimeZone;
  delete (globalThis as Record<string, unknown>).shopify;
});

async function rendered(answer: RecordedAnswer, options: Partial<Parameters<typeof runUiExtension>[1]> = {}) {
  const fake = await runUiExtension(built, { extensionDir, locale: "en", answer, orderGid: ORDER_GID, ...options });
  await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
  await vi.waitFor(() => expect(answer.status === 200 ? section() : true).toBeTruthy(), WAIT);
  return fake;
}

describe("order-status-page extension configuration", () => {
  const toml = readExtensionToml(extensionDir);
  const [extension] = toml.extensions;

  it("is one UI extension on the Order status page block target, API 2026-07", () => {
    expect(toml.api_version).toBe("2026-07");
    expect(toml.extensions).toHaveLength(1);
    expect(extension).toMatchObject({ type: "ui_extension", handle: "order-status-page" });
    expect(extension!.targeting).toEqual([{ target: TARGET, module: "./src/OrderStatusBlock.tsx" }]);
  });

  it("keeps the uid Shopify CLI derives from its handle, so the deployed extension stays the same one", () => {
    expect(extension!.uid).toBe(cliExtensionUid("order-status-page"));
  });

  it("asks for network access, which its fetch needs, and no Storefront API access, which it does not use", () => {
    expect(extension!.capabilities).toEqual({ network_access: true, api_access: false });
    const source = readFileSync(path.join(extensionDir, "src", "OrderStatusBlock.tsx"), "utf8");
    expect(source).toContain("fetch(");
    expect(source).not.toMatch(/shopify\.query|shopify:storefront/);
  });

  it("lets the merchant hide line items and carrier names in the checkout and accounts editor, where an unset box means shown", () => {
    expect(extension!.settings?.fields?.map(({ key, type }) => ({ key, type }))).toEqual([
      { key: "hide_line_items", type: "boolean" },
      { key: "hide_carrier_names", type: "boolean" },
    ]);
  });

  it("has every status of the contract in English and French, with the same keys in both", () => {
    const en = JSON.parse(readFileSync(path.join(extensionDir, "locales", "en.default.json"), "utf8"));
    const fr = JSON.parse(readFileSync(path.join(extensionDir, "locales", "fr.json"), "utf8"));
    const keys = (value: object, prefix = ""): string[] =>
      Object.entries(value).flatMap(([key, inner]) => (typeof inner === "object" ? keys(inner, `${prefix}${key}.`) : [`${prefix}${key}`]));
    expect(keys(fr).sort()).toEqual(keys(en).sort());
    expect(Object.keys(en.orderStatus).sort()).toEqual([...contract.$defs.orderStatus.enum].sort());
    expect(Object.keys(en.shipmentStatus).sort()).toEqual([...contract.$defs.shipmentStatus.enum].sort());
    expect(Object.keys(en.attention).sort()).toEqual([...contract.properties.attention.items.enum].sort());
  });
});

describe("order-status-page extension bundle", () => {
  it("builds with the CLI's esbuild within Shopify's 64 KB compressed limit for UI extensions", () => {
    expect(built.compressedBytes).toBeLessThan(64 * 1024);
    expect(built.code).toContain(APP_URL);
  });

  it("renders against answers the endpoint really gave, each a storefront view of the contract", () => {
    for (const answer of [TWO_SHIPMENTS_ONE_LATE, DELIVERED]) {
      const order = (answer.body as { order: unknown }).order;
      expect(validateContract(order), JSON.stringify(validateContract.errors)).toBe(true);
    }
  });
});

describe("order-status-page extension, rendered", () => {
  it("asks the app for this page's order with Shopify's session token", async () => {
    const fake = await rendered(TWO_SHIPMENTS_ONE_LATE);
    expect(fake.requests).toEqual([{ url: `${APP_URL}/customer-account/orders/5801234567001`, authorization: "Bearer session-token-from-shopify" }]);
  });

  it("shows two shipments, one delivered and one late, with progress, tracking links, items and the delay", async () => {
    await rendered(TWO_SHIPMENTS_ONE_LATE);
    expect(section()?.getAttribute("heading")).toBe("Delivery status");
    expect(texts()).toEqual([
      "Status: Partially delivered",
      "Your order is running late.",
      "Estimated delivery: March 6, 2026",
      "3 of 3 items shipped, 1 delivered",
      "Shipment 1",
      "Delivered · Canada Post",
      "Track package 7023210039414604",
      "Delivered March 5, 2026",
      "Trail Runner Shoe — Size 42 × 1",
      "Latest update: Delivered · Delivered to front door · Montréal, QC, Canada · Mar 5, 2026, 1:20 PM",
      "Shipment 2",
      "Out for delivery · Canada Post",
      "Track package 7023210039414611",
      "Estimated delivery: March 6, 2026",
      "Merino Hiking Socks × 2",
      "Latest update: Out for delivery · Out for delivery · Montréal, QC, Canada · Mar 6, 2026, 8:05 AM",
    ]);
    const links = [...document.body.querySelectorAll("s-link")];
    expect(links.map((link) => link.getAttribute("href"))).toEqual([
      "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=7023210039414604",
      "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=7023210039414611",
    ]);
    const progress = [...document.body.querySelectorAll("s-progress")];
    expect(progress.map((bar) => [bar.getAttribute("value"), bar.getAttribute("max"), bar.getAttribute("accessibilitylabel")])).toEqual([
      ["5", "5", "Shipment 1: Delivered, step 5 of 5"],
      ["4", "5", "Shipment 2: Out for delivery, step 4 of 5"],
    ]);
  });

  it("hides line items and carrier names when the merchant turns them off", async () => {
    await rendered(TWO_SHIPMENTS_ONE_LATE, { settings: { hide_line_items: true, hide_carrier_names: true } });
    const shown = texts();
    expect(shown).toContain("Delivered");
    expect(shown).toContain("Out for delivery");
    expect(shown).toContain("Track package 7023210039414604");
    expect(shown.join("\n")).not.toMatch(/Canada Post|Trail Runner|Merino|items shipped/);
  });

  it("shows a delivered pickup order with its delivery date", async () => {
    await rendered(DELIVERED, { orderGid: "gid://shopify/Order/5801234567004" });
    expect(texts()).toEqual([
      "Status: Delivered",
      "Delivered March 4, 2026",
      "1 of 1 items shipped, 1 delivered",
      "Shipment 1",
      "Delivered",
      "Delivered March 4, 2026",
      "Camp Stove Ultralight × 1",
      "Latest update: Delivered · Collected in store · Canada · Mar 4, 2026, 5:30 PM",
    ]);
  });

  it("shows nothing when the app has no record of the order", async () => {
    const fake = await rendered(NOT_FOUND);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.requests).toHaveLength(1);
    expect(document.body.children).toHaveLength(0);
  });

  it("stays empty, without failing or fetching, when built without the app's URL", async () => {
    const withoutUrl = await buildUiExtension(extensionDir, TARGET, undefined);
    const fake = await runUiExtension(withoutUrl, { extensionDir, locale: "en", answer: TWO_SHIPMENTS_ONE_LATE, orderGid: ORDER_GID });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.requests).toEqual([]);
    expect(document.body.children).toHaveLength(0);
  });

  it("asks a visitor who has not logged in to log in, and asks the app nothing, which answers nothing before login", async () => {
    const fake = await runUiExtension(built, { extensionDir, locale: "en", answer: TWO_SHIPMENTS_ONE_LATE, orderGid: ORDER_GID, authenticationState: "pre_authenticated" });
    await vi.waitFor(() => expect(texts()).toEqual(["Log in to see this order's delivery status and tracking.", "Log in"]), WAIT);
    expect(section()?.getAttribute("heading")).toBe("Delivery status");
    expect(fake.requests).toEqual([]);
    document.body.querySelector("s-button")!.dispatchEvent(new Event("click"));
    expect(fake.loginRequests).toBe(1);
  });

  it("asks the app once the visitor has logged in, and shows tracking and items instead of the prompt", async () => {
    const fake = await runUiExtension(built, { extensionDir, locale: "en", orderGid: ORDER_GID, authenticationState: "pre_authenticated", answer: TWO_SHIPMENTS_ONE_LATE });
    await vi.waitFor(() => expect(texts()).toContain("Log in"), WAIT);
    fake.set("authenticationState", "fully_authenticated");
    await vi.waitFor(() => expect(texts()).toContain("Track package 7023210039414611"), WAIT);
    expect(fake.requests).toHaveLength(1);
    expect(texts()).toContain("Merino Hiking Socks × 2");
    expect(texts()).not.toContain("Log in");
  });

  it("shows no login prompt to a logged-in customer whose token the app could not tie to them", async () => {
    const fake = await runUiExtension(built, { extensionDir, locale: "en", answer: WITHOUT_CUSTOMER, orderGid: ORDER_GID });
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.requests).toHaveLength(1);
    expect(document.body.children).toHaveLength(0);
  });

  it("drops the previous order's status when the page's order changes and the new one cannot be had", async () => {
    const fake = await runUiExtension(built, {
      extensionDir,
      locale: "en",
      orderGid: ORDER_GID,
      answer: (requestNumber) => (requestNumber === 1 ? TWO_SHIPMENTS_ONE_LATE : { status: 500, body: { error: "internal" } }),
    });
    await vi.waitFor(() => expect(texts()).toContain("Track package 7023210039414611"), WAIT);
    fake.set("order", { id: "gid://shopify/Order/5801234567004", name: "#1004" });
    await vi.waitFor(() => expect(fake.requests).toHaveLength(2), WAIT);
    await vi.waitFor(() => expect(document.body.children).toHaveLength(0), WAIT);
  });

  it("shows neither the prompt nor an order when the request after a login fails", async () => {
    const fake = await runUiExtension(built, { extensionDir, locale: "en", orderGid: ORDER_GID, authenticationState: "pre_authenticated", answer: { status: 503, body: {} } });
    await vi.waitFor(() => expect(texts()).toContain("Log in"), WAIT);
    fake.set("authenticationState", "fully_authenticated");
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
    await vi.waitFor(() => expect(document.body.children).toHaveLength(0), WAIT);
  });

  it("links a tracking page only over https: a plain http one shows as the number alone", async () => {
    const answer = structuredClone(TWO_SHIPMENTS_ONE_LATE) as { status: number; body: { order: { shipments: { trackingUrls: string[] }[] } } };
    answer.body.order.shipments[0]!.trackingUrls = ["http://tracking.example.com/7023210039414604"];
    await rendered(answer);
    expect(texts()).toContain("Tracking number: 7023210039414604");
    expect([...document.body.querySelectorAll("s-link")].map((link) => link.getAttribute("href"))).toEqual([
      "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=7023210039414611",
    ]);
  });

  it("leaves out a tracking entry whose only link is refused and which has no number", async () => {
    const answer = structuredClone(TWO_SHIPMENTS_ONE_LATE) as { status: number; body: { order: { shipments: { trackingNumbers: string[]; trackingUrls: string[] }[] } } };
    answer.body.order.shipments[0]!.trackingNumbers = [];
    answer.body.order.shipments[0]!.trackingUrls = ["http://tracking.example.com/parcel"];
    await rendered(answer);
    const shown = texts();
    expect(shown.slice(shown.indexOf("Shipment 1"), shown.indexOf("Shipment 2"))).toEqual([
      "Shipment 1",
      "Delivered · Canada Post",
      "Delivered March 5, 2026",
      "Trail Runner Shoe — Size 42 × 1",
      "Latest update: Delivered · Delivered to front door · Montréal, QC, Canada · Mar 5, 2026, 1:20 PM",
    ]);
    expect(shown.join("\n")).not.toContain("Tracking number");
  });

  it("joins the app's URL to its path with one slash when APP_URL ends in one", async () => {
    const withSlash = await buildUiExtension(extensionDir, TARGET, `${APP_URL}/`);
    const fake = await runUiExtension(withSlash, { extensionDir, locale: "en", answer: TWO_SHIPMENTS_ONE_LATE, orderGid: ORDER_GID });
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), WAIT);
    expect(fake.requests[0]!.url).toBe(`${APP_URL}/customer-account/orders/5801234567001`);
  });

  it("speaks French to a French-speaking customer", async () => {
    await rendered(TWO_SHIPMENTS_ONE_LATE, { locale: "fr" });
    const shown = texts();
    expect(section()?.getAttribute("heading")).toBe("Suivi de livraison");
    expect(shown.slice(0, 4)).toEqual([
      "Statut : Partiellement livrée",
      "Votre commande a du retard.",
      "Livraison estimée : 6 mars 2026",
      "3 article(s) sur 3 expédié(s), 1 livré(s)",
    ]);
    expect(shown).toContain("Envoi 2");
    expect(shown).toContain("Suivre le colis 7023210039414611");
    expect(shown).toContain("Livré · Canada Post");
  });

  it("agrees the French delivery date with its noun: the order (commande) livrée, the shipment (envoi) livré", async () => {
    await rendered(DELIVERED, { locale: "fr", orderGid: "gid://shopify/Order/5801234567004" });
    const shown = texts();
    expect(shown[1]).toBe("Livrée le 4 mars 2026");
    expect(shown.slice(shown.indexOf("Envoi 1"))).toContain("Livré le 4 mars 2026");
    expect(shown.filter((line) => line.startsWith("Livrée le"))).toHaveLength(1);
  });
});
