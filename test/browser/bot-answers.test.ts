import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_API_SECRET, DEMO_SHOP } from "../../app/demo/constants";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey } from "../../app/store/api-keys.server";
import { launchBrowser, screenshot, visible } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";
import { signedWebhookHeaders } from "../support/webhooks";

let demo: DemoApp;
let browser: { browser: Browser; close(): Promise<void> };
let page: Page;

async function postWebhook(topic: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${demo.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop: DEMO_SHOP, secret: DEMO_API_SECRET }), body });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoApp({ orders: 60 }), launchBrowser()]);
  page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("Bot answers page in chromium", () => {
  it("shows what a bot told a customer and what the truth is now, counted per integration", async () => {
    const key = (await createApiKey(demo.db.prisma, DEMO_SHOP, "Helpdesk bot", ["orders:read"])).secret;
    await postWebhook("orders/create", fixture("single-parcel.create"));
    const told = await fetch(`${demo.url}/api/v1/wismo/order?name=%231006`, { headers: { Authorization: `Bearer ${key}`, "X-Integration": "Chat widget" } });
    expect(told.status).toBe(200);
    await postWebhook("fulfillments/create", fixture("single-parcel.fulfillment.create"));

    await page.goto(`${demo.url}/app`);
    await page.getByRole("link", { name: "Bot answers" }).click();
    await page.waitForURL(/\/app\/answers$/);
    await visible(page.getByRole("heading", { name: "Bot answers" }).first());
    await visible(page.getByText("Order #1006 is confirmed and has not shipped yet."));
    await visible(page.getByText(/^Order #1006 is packed and labeled/));
    const integrationRow = page.locator("tr", { hasText: "Chat widget" }).first();
    await visible(integrationRow);
    expect(await integrationRow.innerText()).toMatch(/Chat widget\s+1\s+1/);
    await screenshot(page, "bot-answers");
  });

  it("sets the stale-answer window and the answer language in Settings", async () => {
    await page.goto(`${demo.url}/app/settings`);
    const hours = page.getByLabel("Stale-answer window (hours)");
    await visible(hours);
    expect(await hours.inputValue()).toBe("72");
    const save = page.locator("form", { has: hours }).getByRole("button", { name: "Save" });
    await hours.fill("500");
    expect(await hours.evaluate((input: HTMLInputElement) => input.validity.rangeOverflow)).toBe(true);
    // Past the browser's own check, the server refuses it too.
    const refused = await fetch(`${demo.url}/app/answers?_data=routes%2Fapp.answers`, { method: "POST", body: new URLSearchParams({ windowHours: "500", language: "" }) });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ settings: null, error: "Enter whole hours from 1 to 336." });

    await hours.fill("48");
    await page.getByLabel("Answer language").selectOption("fr");
    await save.click();
    await visible(page.getByText("Bot answer settings saved."));
    await screenshot(page, "settings-bot-answers");

    await page.reload();
    expect(await page.getByLabel("Stale-answer window (hours)").inputValue()).toBe("48");
    expect(await page.getByLabel("Answer language").inputValue()).toBe("fr");
    await page.goto(`${demo.url}/app/answers`);
    await visible(page.getByText(/in the last 48 h/));
  });
});
