// The order-status block end to end: chromium on the demo's storefront emulator, which hosts the
// rendered block and forwards /apps/order-status/* to the app's /proxy/* signed as Shopify does.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scenario, SimulatedOrder } from "../../app/demo/simulated-store";
import { launchBrowser, screenshot, visible } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";

let demo: DemoApp;
let browser: { browser: Browser; close(): Promise<void> };
let page: Page;
/** Every request the page makes, to check what travels in URLs. */
const requests: Array<{ method: string; url: string; body: string | null }> = [];

const orderOf = (scenario: Scenario): SimulatedOrder => {
  const order = demo.store.orders.find((o) => o.scenario === scenario);
  if (!order) throw new Error(`the demo store has no ${scenario} order`);
  return order;
};

async function lookUp(name: string, contact: string) {
  await page.getByLabel("Order number").fill(name);
  await page.getByLabel("Email or phone number").fill(contact);
  await page.getByRole("button", { name: "Look up order" }).click();
}

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoApp({ orders: 150 }), launchBrowser()]);
  page = await browser.browser.newPage({ viewport: { width: 1000, height: 1100 } });
  page.on("request", (request) => requests.push({ method: request.method(), url: request.url(), body: request.postData() }));
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("order-status block on the storefront emulator", () => {
  it("looks up an order by number and email and shows its shipment and Shopify's order page", async () => {
    const order = orderOf("delivered");
    await page.goto(`${demo.url}/storefront`);
    await lookUp(order.name, order.email.toUpperCase());
    const card = page.locator(".order-status__card");
    await visible(card.getByRole("heading", { name: `Order ${order.name}` }));
    await expect.poll(() => page.getByRole("status").textContent()).toBe(`Found order ${order.name}.`);
    await visible(card.getByText("Delivered", { exact: true }));
    await visible(card.getByRole("link", { name: /^Track package/ }));
    const statusPage = card.getByRole("link", { name: "View full order details" });
    expect(await statusPage.getAttribute("href")).toMatch(/^https:\/\/demo-store\.myshopify\.com\//);
    expect(await card.locator("[role=progressbar]").first().getAttribute("aria-valuenow")).toBe("5");
    await screenshot(page, "storefront-delivered");
  });

  it("says plainly when the number and email do not match, without telling which is wrong", async () => {
    const order = orderOf("in_transit");
    await lookUp(order.name, "someone.else@example.com");
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/couldn't find an order with that number and email address or phone number/);
    expect(await page.locator(".order-status__card").count()).toBe(0);
    await lookUp("#999999", order.email);
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/couldn't find an order/);
    await screenshot(page, "storefront-not-found");
  });

  it("shows each shipment of a multi-shipment order with its own progress", async () => {
    const order = orderOf("two_boxes_one_delivered");
    await lookUp(order.name, order.email);
    const card = page.locator(".order-status__card");
    await visible(card.getByRole("heading", { name: `Order ${order.name}` }));
    await visible(card.getByText("Partially delivered"));
    expect(await card.getByRole("heading", { name: /^Shipment \d$/ }).count()).toBe(2);
    const bars = card.getByRole("progressbar");
    expect(await bars.count()).toBe(2);
    expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute("aria-valuenow")))).toContain("5");
    await screenshot(page, "storefront-two-shipments");
  });

  it("explains a delayed order in plain words", async () => {
    const order = orderOf("delayed");
    await lookUp(order.name, order.email);
    const card = page.locator(".order-status__card");
    await visible(card.getByRole("heading", { name: `Order ${order.name}` }));
    await visible(card.getByText("Your order is running late."));
    await visible(card.getByText(/^Estimated delivery: /).first());
    await screenshot(page, "storefront-delayed");
  });

  it("works with the keyboard alone and moves focus to the answer", async () => {
    const order = orderOf("out_for_delivery");
    await page.goto(`${demo.url}/storefront`);
    const active = () => page.evaluate(() => document.activeElement?.getAttribute("name") ?? document.activeElement?.tagName ?? "");
    for (let i = 0; i < 10 && (await active()) !== "order"; i++) await page.keyboard.press("Tab");
    expect(await active()).toBe("order");
    await page.keyboard.type(order.name);
    await page.keyboard.press("Tab");
    expect(await active()).toBe("contact");
    await page.keyboard.type(order.email);
    await page.keyboard.press("Enter");
    const heading = page.getByRole("heading", { name: `Order ${order.name}` });
    await visible(heading);
    await expect.poll(() => heading.evaluate((el) => el === document.activeElement)).toBe(true);
    // Next stop from the answer is its first link, reachable without a mouse.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("[data-order-status-result]") !== null && document.activeElement?.tagName)).toBe("A");
    await screenshot(page, "storefront-keyboard");
  });

  it("gives assistive technology labelled fields, a status region and named progress bars", async () => {
    const form = page.locator("form[data-order-status-form]");
    expect(await form.getByRole("textbox", { name: "Order number" }).getAttribute("name")).toBe("order");
    expect(await form.getByRole("textbox", { name: "Email or phone number" }).getAttribute("name")).toBe("contact");
    const contactDescription = await form.getByLabel("Email or phone number").evaluate((el) => document.getElementById(el.getAttribute("aria-describedby") ?? "")?.textContent?.trim());
    expect(contactDescription).toBe("The one you used at checkout.");
    expect(await page.getByRole("status").getAttribute("aria-live")).toBe("polite");
    const bar = page.getByRole("progressbar", { name: "Shipment 1 progress" });
    await visible(bar);
    // The bar says in words what the badge beside it shows.
    const badge = (await page.locator(".order-status__shipment .order-status__badge").first().textContent())?.split(" · ")[0];
    expect(await bar.getAttribute("aria-valuetext")).toMatch(new RegExp(`^${badge}, step [1-5] of 5$`));
    const snapshot = await page.locator("[data-order-status]").ariaSnapshot();
    expect(snapshot).toContain('textbox "Order number"');
    expect(snapshot).toContain('progressbar "Shipment 1 progress"');
  });

  it("shows a signed-in customer their recent orders without typing", async () => {
    await page.goto(`${demo.url}/storefront`);
    await page.getByRole("link", { name: /^sign in as / }).first().click();
    const recent = page.getByRole("region", { name: "Your recent orders" }).or(page.locator(".order-status__recent"));
    await visible(recent.getByRole("heading", { name: "Your recent orders" }));
    expect(await recent.locator(".order-status__card").count()).toBeGreaterThan(0);
    await screenshot(page, "storefront-signed-in");
    await page.getByRole("link", { name: "sign out" }).click();
    await visible(page.getByText(/· guest ·/));
    expect(await page.locator(".order-status__recent").count()).toBe(0);
  });

  it("speaks the storefront's language", async () => {
    const order = orderOf("in_transit");
    await page.goto(`${demo.url}/storefront?locale=fr`);
    await page.getByLabel("Numéro de commande").fill(order.name);
    await page.getByLabel("E-mail ou numéro de téléphone").fill(order.email);
    await page.getByRole("button", { name: "Rechercher la commande" }).click();
    await visible(page.getByRole("heading", { name: `Commande ${order.name}` }));
    await visible(page.getByText("Statut :"));
    await visible(page.getByRole("link", { name: "Voir le détail de la commande" }));
    await screenshot(page, "storefront-fr");
  });

  it("never puts a shopper's email in a URL: lookups send it in a POST body", async () => {
    const lookups = requests.filter((r) => new URL(r.url).pathname === "/apps/order-status/lookup");
    const posts = lookups.filter((r) => r.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(6);
    expect(posts.some((r) => r.body?.includes(orderOf("delivered").email.toUpperCase()))).toBe(true);
    // GETs are the signed-in customer's recent orders, which carry no claims.
    expect(lookups.filter((r) => r.method === "GET").every((r) => new URL(r.url).search === "")).toBe(true);
    const emails = [...demo.store.orders.map((o) => o.email), "someone.else@example.com"];
    for (const { url } of requests) {
      const decoded = decodeURIComponent(url).toLowerCase();
      expect(decoded).not.toContain("@");
      for (const email of emails) expect(decoded).not.toContain(email.toLowerCase());
    }
  });
});
