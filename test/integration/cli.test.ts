import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { normalizeShopifyWebhook } from "../../app/domain/shopify-webhooks";
import { shopForBearer } from "../../app/store/api-keys.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import { PROJECT_ROOT } from "../../scripts/lib/app-process";
import { createTestDatabase, type TestDatabase } from "../support/database";

const run = promisify(execFile);
const SHOP = "cli-shop.myshopify.com";
let db: TestDatabase;

function npmScript(script: string, args: string[]) {
  return run(path.join(PROJECT_ROOT, "node_modules/.bin/tsx"), [path.join(PROJECT_ROOT, "scripts", script), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: db.url },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  const writer = openEventLogWriter(db.url);
  for (const [topic, name] of [
    ["orders/create", "two-box-order.create"],
    ["fulfillments/create", "two-box-order.fulfillment-a.create"],
    ["orders/create", "single-parcel.create"],
  ]) {
    const raw = JSON.stringify(fixture(name));
    const { events } = normalizeShopifyWebhook(topic, JSON.parse(raw), { webhookId: `cli-${name}` });
    await recordSubmissions(writer, [{ shop: SHOP, receivedAt: new Date(), events: events.map((e) => ({ ...e, raw })) }]);
  }
  await writer.close();
});

afterAll(async () => db?.drop());

describe(`command line on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("npm run apikey creates a key that authenticates, lists it, and revokes it", async () => {
    const created = await npmScript("apikey.ts", ["create", "--shop", SHOP, "--label", "zendesk"]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^otk_/);
    expect(await shopForBearer(db.prisma, `Bearer ${key}`)).toBe(SHOP);
    const stored = await db.prisma.apiKey.findFirstOrThrow({ where: { shop: SHOP } });
    expect(stored.secretHash).not.toContain(key);

    const listed = await npmScript("apikey.ts", ["list", "--shop", SHOP]);
    expect(listed.stdout).toContain("zendesk");
    await npmScript("apikey.ts", ["revoke", "--shop", SHOP, "--id", stored.id]);
    expect(await shopForBearer(db.prisma, `Bearer ${key}`)).toBeNull();
    await expect(npmScript("apikey.ts", ["create", "--shop", "not a shop"])).rejects.toThrow();
  });

  it("npm run replay agrees with the stored rollups, and names an order whose stored status was tampered with", async () => {
    const clean = await npmScript("replay.ts", []);
    expect(clean.stdout).toContain("Replayed 2 orders");
    expect(clean.stdout).toContain("Every stored status equals its replay.");

    const orderId = String(fixture("single-parcel.create").id);
    await db.prisma.order.update({ where: { shop_orderId: { shop: SHOP, orderId } }, data: { document: "{}" } });
    const failed = await npmScript("replay.ts", []).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(orderId);
  });
});
