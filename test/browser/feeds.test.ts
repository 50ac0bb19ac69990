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

    // A file nobody previewed (it came by HTTP) still says why its rows were rejected.
    const reasons = (JSON.parse(imports[0]!.rejections) as Array<{ line: number; error: string }>).filter((r) => r.error);
    expect(reasons).toHaveLength(2);
    await page.goto(`${demo.url}/app/feeds`);
    await visible(page.getByRole("heading", { name: "Rejected rows" }));
    for (const r of reasons) await visible(page.getByText(`Line ${r.line}: ${r.error}`, { exact: true }));
  });

  it("uploads a file by drop zone and shows what was kept and what was rejected, by line", async () => {
    await page.goto(`${demo.url}/app/feeds`);
    await visible(page.getByRole("heading", { name: "Feeds" }).first());
    await visible(page.locator("table").getByText("demo-warehouse-nightly.csv"));
    const name = demo.store.orders[0]!.name;
    const csv = ["order,sku,quantity,carrier,tracking_number,shipped_at", `${name},UP-1,1,UPS,1ZUPLOAD01,2026-03-05T10:00:00Z`, `${name},UP-2,x,UPS,1ZUPLOAD02,2026-03-05T10:00:00Z`].join("\n");
    await page.locator('input[type="file"]').setInputFiles({ name: "upload-test.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import 1 row(s)" }).click();
    await visible(page.getByText("upload-test.csv: 1 row(s) accepted, 0 waiting, 0 already known, 1 rejected"));
    const rejected = page.locator("table").filter({ hasText: "Why it was rejected" });
    await visible(rejected.getByText('quantity "x" is not a whole number'));
    expect(await rejected.locator("tbody tr").first().innerText()).toMatch(/^3\s+quantity "x"/);
    await visible(page.locator("table").getByText("upload-test.csv"));
    await screenshot(page, "feeds-upload");

    await page.locator('input[type="file"]').setInputFiles({ name: "photo.csv", mimeType: "text/csv", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]) });
    await visible(page.getByText("this is not a CSV file (it contains binary data)").first());
  });

  it("previews a file in a known layout before importing it: how it was read, its parcels and dates, the rows it would reject", async () => {
    await page.goto(`${demo.url}/app/feeds`);
    await visible(page.getByRole("heading", { name: "Feeds" }).first());
    const name = demo.store.orders[1]!.name;
    const number = name.replace(/^#/, "");
    const before = await demo.db.prisma.feedImport.count();
    // A shipping tool's order-items export, as Windows Excel saves it: Windows-1252, US dates, Excel's 1.0.
    const file = Buffer.from(
      [
        "Order Number,Item SKU,Item Quantity,Carrier,Tracking Number,Ship Date,Recipient",
        `${number}.0,PREVIEW-1,1.0,UPS,"1ZPREVIEW001,1ZPREVIEW002",11/24/2026 3:05:12 PM,Zoë Müller`,
        `SO-${number},PREVIEW-2,1,UPS,1ZPREVIEW003,11/24/2026 3:05:12 PM,`,
      ].join("\r\n"),
      "latin1",
    );
    await page.locator('input[type="file"]').setInputFiles({ name: "shipping-tool.csv", mimeType: "text/csv", buffer: file });
    await visible(page.getByText("Preview of shipping-tool.csv: nothing is stored until you import"));
    await visible(page.getByText(/Read as windows-1252 \(detected\), fields separated by commas, in Shipping tool order-items export/));
    const parcels = page.locator("table").filter({ hasText: "Shipped (warehouse clock)" });
    const first = await parcels.locator("tbody tr").first().innerText();
    expect(first).toContain(name);
    expect(first).toContain("1ZPREVIEW001, 1ZPREVIEW002");
    expect(first).toContain("2026-11-24 15:05:12 +00:00");
    expect(first).toContain("1 × PREVIEW-1");
    await visible(page.locator("table").filter({ hasText: "Why it will be rejected" }).getByText(`order "SO-${number}" cannot be one of this shop's orders`, { exact: false }));
    expect(await demo.db.prisma.feedImport.count()).toBe(before);
    await screenshot(page, "feeds-preview");

    await page.getByRole("button", { name: "Import 1 row(s)" }).click();
    await visible(page.getByText("shipping-tool.csv: 1 row(s) accepted, 0 waiting, 0 already known, 1 rejected"));
    expect(await demo.db.prisma.feedImport.count()).toBe(before + 1);
  });

  it("saves a column mapping and SFTP settings in Settings, without sending secrets back", async () => {
    await page.goto(`${demo.url}/app/settings`);
    await visible(page.getByText("3PL file columns"));
    await page.getByLabel("Order name (#1001)").fill("Order Ref");
    await page.getByRole("button", { name: "Save columns" }).click();
    await visible(page.getByText("3PL file settings saved."));
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

  it("chooses a preset in Settings, turns columns off, and the next file is read in that layout and zone", async () => {
    await page.goto(`${demo.url}/app/settings`);
    await visible(page.getByText("3PL file columns"));
    await page.getByLabel("Start from a known layout").selectOption({ label: "Package-level shipping notice" });
    expect(await page.getByLabel("Order name (#1001)").inputValue()).toBe("Order Number");
    expect(await page.locator('input[name="off_sku"]').isChecked()).toBe(true);
    await page.getByLabel("Date format").selectOption("day_first");
    await page.getByLabel("Warehouse time zone").fill("Europe/Berlin");
    await page.getByRole("button", { name: "Save columns" }).click();
    await visible(page.getByText("3PL file settings saved."));
    const feed = await demo.db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: demo.store.shop } });
    expect(JSON.parse(feed.columnMapping)).toMatchObject({ order: "Order Number", sku: null, quantity: null, tracking_number: "Tracking Numbers", shipped_time: "Ship Time" });
    expect(JSON.parse(feed.fileFormat)).toMatchObject({ dateFormat: "day_first", timeZone: "Europe/Berlin" });

    await page.getByLabel("Warehouse time zone").fill("Mars/Olympus");
    await page.getByRole("button", { name: "Save columns" }).click();
    await visible(page.getByText(/is not an IANA time zone/));

    await page.goto(`${demo.url}/app/feeds`);
    await visible(page.getByText(/One row per package: Order Number,/));
    const name = demo.store.orders[2]!.name;
    const notice = `Order Number;Ship Date;Ship Time;Carrier;Tracking Numbers\n${name};03.04.2026;09:30;DHL;JD01400001 JD01400002\n`;
    await page.locator('input[type="file"]').setInputFiles({ name: "notice.txt", mimeType: "text/plain", buffer: Buffer.from(notice) });
    await visible(page.getByText(/fields separated by semicolons, in your column mapping \(one row per package\); dates Day first/));
    const row = await page.locator("table").filter({ hasText: "Shipped (warehouse clock)" }).locator("tbody tr").first().innerText();
    // 03.04 read day first: 3 April, 09:30 in Berlin (summer time).
    expect(row).toContain("2026-04-03 09:30:00 +02:00");
    expect(row).toContain("what is unshipped");
    await screenshot(page, "feeds-preview-package");
  });
});
