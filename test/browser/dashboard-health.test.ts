/**
 * The sync-health pages in chromium against the demo: the Overview's source cards, lag and charts,
 * the Discrepancies list and its filters, an order page that explains its status, the settings section.
 */
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "../../app/demo/constants";
import { BACKFILL_JOB } from "../../app/sources/shopify-reconciliation/backfill-schedule.server";
import { RECONCILIATION_JOB } from "../../app/sources/shopify-reconciliation/reconcile.server";
import { launchBrowser, screenshot, visible } from "../support/browser";
import { startDemoApp, type DemoApp } from "../support/demo-app";

let demo: DemoApp;
let browser: { browser: Browser; close(): Promise<void> };
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoApp({ orders: 200 }), launchBrowser()]);
  page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (error) => errors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

async function openDiscrepancyRows() {
  return demo.db.prisma.discrepancy.findMany({ where: { state: "open" }, orderBy: [{ since: "desc" }, { id: "desc" }] });
}

describe("sync-health dashboard in chromium", () => {
  it("shows a health card per source with lag figures, both charts and open discrepancies by kind", async () => {
    const open = await openDiscrepancyRows();
    // What the simulated store seeds on purpose; other feeds of the demo may add more kinds.
    const codes = new Set(open.map((d) => d.code));
    for (const code of ["fulfilled_without_tracking", "cancelled_but_shipped", "stalled_no_carrier_scan", "past_estimated_delivery"]) expect(codes).toContain(code);

    // The demo shows a finished backfill; this one is half way through and its last try failed.
    const now = Date.now();
    const halfWay = {
      state: JSON.stringify({ since: new Date(now - 60 * 86_400_000).toISOString(), startedAt: new Date(now - 3_600_000).toISOString(), operationId: "gid://shopify/BulkOperation/1", operationStatus: "COMPLETED", objectCount: 3510, file: "result", processed: 1200, attempts: 2 }),
      lastError: "AdminApiError: Admin API errors: Internal error",
      lastFinishedAt: new Date(now - 60_000),
      nextRunAt: new Date(now + 60_000),
    };
    await demo.db.prisma.jobRun.upsert({ where: { job_shop: { job: BACKFILL_JOB, shop: DEMO_SHOP } }, create: { job: BACKFILL_JOB, shop: DEMO_SHOP, ...halfWay }, update: halfWay });
    // And a reconciliation whose last run Shopify refused (the demo has none of its own).
    await demo.db.prisma.jobRun.create({
      data: { job: RECONCILIATION_JOB, shop: DEMO_SHOP, state: JSON.stringify({ watermark: new Date(now - 20 * 60_000).toISOString() }), lastError: "AdminApiError: Admin API answered HTTP 401", lastFinishedAt: new Date(now - 60_000), nextRunAt: new Date(now + 14 * 60_000) },
    });

    await page.goto(`${demo.url}/app`);
    await visible(page.getByRole("heading", { name: "Sources" }));
    const backfill = page.getByRole("region", { name: "Order history backfill" });
    await visible(backfill.getByText("Retrying"));
    await visible(backfill.getByText("1,200 of 3,510 orders compared"));
    await visible(backfill.getByText(/^Last try failed .*: Admin API errors: Internal error$/));
    await visible(backfill.getByText(/^Next try .* \(2 failures in a row\)$/));
    const reconciliation = page.getByRole("region", { name: "Reconciliation with Shopify" });
    await visible(reconciliation.getByText("Failing"));
    await visible(reconciliation.getByText("Last run failed: Admin API answered HTTP 401"));
    await visible(reconciliation.getByText(/^Compared every order updated before /));
    const card = page.getByRole("region", { name: "Shopify health" });
    await visible(card.getByText(/Last event .* ago/));
    await visible(card.getByText(/Lag p50 \d+ (s|min)( \d+ min)? · p95 \d+/));
    await visible(card.getByText("Healthy"));
    await visible(page.getByRole("heading", { name: `Open discrepancies (${open.length})` }));
    await visible(page.getByRole("img", { name: "Sync lag p95 per day and source" }).locator("svg.recharts-surface").first());
    await visible(page.getByRole("img", { name: "Open discrepancies per day" }).locator("svg.recharts-surface").first());
    const stalled = open.filter((d) => d.code === "stalled_no_carrier_scan").length;
    const row = page.locator("div", { has: page.getByRole("link", { name: "Stalled: no carrier scan" }) }).last();
    await visible(row.getByText(String(stalled), { exact: true }));
    await screenshot(page, "health-overview");
    expect(errors).toEqual([]);
  });

  it("lists discrepancies, filters by kind, source, age and status, and paginates", async () => {
    const open = await openDiscrepancyRows();
    await page.goto(`${demo.url}/app`);
    await page.getByRole("link", { name: "Discrepancies", exact: true }).first().click();
    await page.waitForURL(/\/app\/discrepancies$/);
    const rows = page.locator("tbody tr");
    await visible(rows.first());
    expect(await rows.count()).toBe(Math.min(open.length, 50));
    expect(await rows.first().getByRole("link").first().innerText()).toBe(open[0]!.orderName);

    // Bulk "Recheck with Shopify" goes to reconciliation's action; the demo has no Shopify store to ask.
    await rows.nth(0).getByRole("checkbox").check({ force: true });
    await rows.nth(1).getByRole("checkbox").check({ force: true });
    await page.getByRole("button", { name: "Recheck with Shopify" }).click();
    await visible(page.getByText("The demo store has no Shopify store to recheck with."));

    await page.getByLabel("Kind").selectOption("cancelled_but_shipped");
    await page.waitForURL(/code=cancelled_but_shipped/);
    await visible(rows.first());
    const cancelled = open.filter((d) => d.code === "cancelled_but_shipped");
    await expect.poll(() => rows.count()).toBe(cancelled.length);
    expect((await rows.allInnerTexts()).every((t) => t.includes("Cancelled but shipped"))).toBe(true);
    await screenshot(page, "health-discrepancies-cancelled");

    // Export takes the current filter, every page of it.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export these discrepancies as CSV" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^discrepancies-open-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...exported] = parse(readFileSync((await download.path())!, "utf8")) as string[][];
    expect(header![0]).toBe("order");
    expect(exported.map((r) => r[1]).sort()).toEqual(cancelled.map((d) => d.orderId).sort());

    await page.getByLabel("Kind").selectOption("");
    await page.waitForURL((url) => !url.searchParams.has("code"));
    await page.getByLabel("Source").selectOption("carrier");
    await page.waitForURL(/source=carrier/);
    await expect.poll(() => rows.count()).toBe(Math.min(open.filter((d) => d.source === "carrier").length, 50));
    expect((await rows.allInnerTexts()).every((t) => t.includes("Carrier"))).toBe(true);

    await page.getByLabel("Age").selectOption("168");
    await page.waitForURL(/age=168/);
    const weekOld = open.filter((d) => d.source === "carrier" && Date.now() - d.since.getTime() >= 168 * 3_600_000).length;
    if (weekOld === 0) await visible(page.getByText("Nothing matches these filters"));
    else await expect.poll(() => rows.count()).toBe(Math.min(weekOld, 50));

    await page.goto(`${demo.url}/app/discrepancies?status=cleared`);
    await visible(page.getByRole("columnheader", { name: "Lasted" }));
    const cleared = await demo.db.prisma.discrepancy.count({ where: { state: "cleared" } });
    expect(await rows.count()).toBe(Math.min(cleared, 50));
    if (cleared > 50) {
      await page.getByRole("button", { name: "Next" }).click();
      await page.waitForURL(/after=/);
      await expect.poll(() => rows.count()).toBe(Math.min(cleared - 50, 50));
    }
    await screenshot(page, "health-discrepancies-cleared");
  });

  it("explains one order: why its status, its discrepancy with evidence, and a timeline with lag", async () => {
    const [target] = await demo.db.prisma.discrepancy.findMany({ where: { state: "open", code: "fulfilled_without_tracking" }, take: 1 });
    await page.goto(`${demo.url}/app/discrepancies?code=fulfilled_without_tracking`);
    await page.getByRole("link", { name: target!.orderName, exact: true }).click();
    await page.waitForURL(new RegExp(`/app/orders/${target!.orderId}$`));
    await visible(page.getByRole("heading", { name: /^Why "/ }));
    await visible(page.getByRole("heading", { name: "Discrepancies (1 open)" }));
    await visible(page.getByText(/Fulfilled without tracking/).first());
    await visible(page.getByText(/open for \d+/));
    await visible(page.getByText(/said ".*no tracking" at/));
    await visible(page.getByText("(decides the status)").first());
    await visible(page.getByRole("link", { name: "This order in the Shopify admin" }));
    const lagCells = await page.locator("table tbody tr td:last-child").allInnerTexts();
    expect(lagCells.length).toBeGreaterThan(1);
    expect(lagCells.every((t) => /^\d+ (s|min|h|d)/.test(t))).toBe(true);
    await screenshot(page, "health-order-detail");
  });

  it("answers an unknown order with the page's own error state", async () => {
    const response = await page.goto(`${demo.url}/app/orders/999999999`);
    expect(response?.status()).toBe(404);
    await visible(page.getByText("This page could not load"));
  });

  it("saves thresholds in Settings and refuses out-of-range values", async () => {
    await page.goto(`${demo.url}/app/settings`);
    await visible(page.getByRole("heading", { name: "Sync health" }));
    await page.getByLabel("Stalled when no carrier scan for").fill("0");
    await page.getByRole("button", { name: "Save sync health settings" }).click();
    await visible(page.getByText("Some values are out of range; nothing was saved."));
    await page.getByLabel("Stalled when no carrier scan for").fill("72");
    await page.getByLabel("3PL file due daily by").fill("07:30");
    await page.getByRole("button", { name: "Save sync health settings" }).click();
    await visible(page.getByText("Sync health settings saved."));
    const settings = JSON.parse((await demo.db.prisma.shop.findFirstOrThrow()).settings) as { health: { thresholds: { stalledAfterHours: number }; cadence: { threePlDailyBy: string } } };
    expect(settings.health.thresholds.stalledAfterHours).toBe(72);
    expect(settings.health.cadence.threePlDailyBy).toBe("07:30");
    await screenshot(page, "health-settings");
  });
});
