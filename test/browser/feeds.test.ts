/**
 * The Feeds page and the 3PL settings in chromium, on the demo app whose seed sent a 3PL file and
 * carrier updates through the feed API.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, screenshot, visible } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";

let demo: DemoApp;
let browser: { browser: Browser; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoApp({ orders: 120 }), launchBrowser()]);
  page = await browser.browser.newPage({ viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("feeds in the demo, in chromium", () => {
  it("seeded a 3PL file and carrier updates through the feed API", async () => {
    const imports = await demo.db.prisma.feedImport.findMany({ orderBy: { id: "asc" } });
    expect(imports.map((i) => [i.feed, i.via])).toEqual([
      ["3pl", "http"],
      ["carrier", "http"],
    ]);
    expect(imports[0]).toMatchObject({ fileName: "demo-warehouse-nightly.csv", rejected: 2, pending: 1 });
    expect(imports[0]!.accepted).toBeGreaterThan(3);
    expect(imports[1]!.accepted).toBeGreaterThan(1);
    expect(await demo.db.prisma.event.count({ where: { source: "3pl" } })).toBeGreaterThan(0);
    expect(await demo.db.prisma.event.count({ where: { source: "carrier" } })).toBeGreaterThan(0);
  });

  it("uploads a file by drop zone and shows what was kept and what was rejected, by line", async () => {
    await page.goto(`${demo.url}/app/feeds`);
    await visible(page.getByRole("heading", { name: "Feeds" }).first());
    await visible(page.getByText("demo-warehouse-nightly.csv"));
    const name = demo.store.orders[0]!.name;
    const csv = ["order,sku,quantity,carrier,tracking_number,shipped_at", `${name},UP-1,1,UPS,1ZUPLOAD01,2026-03-05T10:00:00Z`, `${name},UP-2,x,UPS,1ZUPLOAD02,2026-03-05T10:00:00Z`].join("\n");
    await page.locator('input[type="file"]').setInputFiles({ name: "upload-test.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await visible(page.getByText("upload-test.csv: 1 row(s) accepted, 0 already known, 1 rejected"));
    const rejected = page.locator("table").filter({ hasText: "Why it was rejected" });
    await visible(rejected.getByText('quantity "x" is not a whole number'));
    expect(await rejected.locator("tbody tr").first().innerText()).toMatch(/^3\s+quantity "x"/);
    await visible(page.locator("table").getByText("upload-test.csv"));
    await screenshot(page, "feeds-upload");

    await page.locator('input[type="file"]').setInputFiles({ name: "photo.csv", mimeType: "text/csv", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]) });
    await visible(page.getByText("this is not a CSV file (it contains binary data)").first());
  });

  it("saves a column mapping and SFTP settings in Settings, without sending secrets back", async () => {
    await page.goto(`${demo.url}/app/settings`);
    await visible(page.getByText("3PL file columns"));
    await page.getByLabel("Order name (#1001)").fill("Order Ref");
    await page.getByRole("button", { name: "Save columns" }).click();
    await visible(page.getByText("Column mapping saved."));
    const feed = await demo.db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: demo.store.shop } });
    expect(JSON.parse(feed.columnMapping).order).toBe("Order Ref");

    await page.getByLabel("Host").fill("sftp.warehouse.example");
    await page.getByLabel("User").fill("shop");
    await page.getByLabel("Password", { exact: true }).fill("pickup-secret");
    await page.getByRole("button", { name: "Save SFTP pickup" }).click();
    await visible(page.getByText("SFTP pickup saved."));
    const saved = await demo.db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: demo.store.shop } });
    expect(saved.sftpPassword).toMatch(/^enc:v2:/);
    await page.reload();
    await visible(page.getByText("3PL file columns"));
    expect(await page.content()).not.toContain("pickup-secret");
    expect(await page.getByLabel("Password", { exact: true }).getAttribute("placeholder")).toBe("stored (leave empty to keep)");
    await screenshot(page, "settings-3pl-feed");
  });
});
