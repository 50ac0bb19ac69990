import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, visible } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";

let demo: DemoApp;
let browser: { browser: Browser; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoApp({ orders: 120 }), launchBrowser()]);
  page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("demo dashboard in chromium", () => {
  it("opens on the Overview with the seeded orders counted by status", async () => {
    await page.goto(`${demo.url}/app`);
    await visible(page.getByRole("heading", { name: "Overview" }).first());
    const heading = page.getByText(/Orders by status \(\d+\)/);
    await visible(heading);
    expect(await heading.textContent()).toContain(`(${demo.store.orders.length})`);
    await visible(page.getByText("Partially shipped").first());
    await screenshot(page, "overview");
  });

  it("lists orders, filters them by status and explains one order", async () => {
    await page.getByRole("link", { name: "Orders" }).click();
    await page.waitForURL(/\/app\/orders/);
    await visible(page.getByRole("heading", { name: "Orders" }).first());
    await page.getByLabel("Status").selectOption("partially_shipped");
    await page.waitForURL(/status=partially_shipped/);
    const rows = page.locator("tbody tr");
    await visible(rows.first());
    const badges = await page.locator("tbody tr").allInnerTexts();
    expect(badges.every((text) => text.includes("Partially shipped"))).toBe(true);
    await screenshot(page, "orders-partially-shipped");

    await rows.first().click();
    await page.waitForURL(/\/app\/orders\/\d+$/);
    await visible(page.getByText(/units shipped/));
    await visible(page.getByRole("heading", { name: "Timeline" }));
    await visible(page.getByText("What each source says"));
    await screenshot(page, "order-detail");
  });

  it("creates an API key with the scopes chosen in Settings, shows it once, and lists each key's scopes and last use", async () => {
    await page.goto(`${demo.url}/app/settings`);
    await page.getByLabel("Label").fill("Tracking service");
    await page.getByLabel("orders:read").uncheck({ force: true });
    await page.getByLabel("feeds:write").check({ force: true });
    await page.getByRole("button", { name: "Create key" }).click();
    const key = page.getByTestId("new-api-key");
    await visible(key);
    expect(await key.textContent()).toMatch(/^otk_[a-z0-9]{12}_/);
    const created = page.locator("tbody tr", { hasText: "Tracking service" });
    await visible(created);
    const cells = await created.locator("td, th").allTextContents();
    expect(cells.slice(1, 5)).toEqual(["feeds:write", expect.stringMatching(/UTC$/), "Never", "Active"]);
    expect((await demo.db.prisma.apiKey.findFirstOrThrow({ where: { label: "Tracking service" } })).scopes).toBe("feeds:write");
    // The demo's own feed key sent the warehouse file and carrier scans when the demo started.
    const used = await page.locator("tbody tr", { hasText: "Demo warehouse and carrier feeds" }).locator("td, th").allTextContents();
    expect(used[3]).toMatch(/UTC$/);
    await screenshot(page, "settings-api-keys");
  });
});
