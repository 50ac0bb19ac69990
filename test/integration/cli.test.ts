import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { normalizeShopifyWebhook } from "../../app/domain/shopify-webhooks";
import { authenticateBearer } from "../../app/store/api-keys.server";
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
  it("npm run apikey creates a key with the scopes asked for, lists it with them, and revokes it", async () => {
    const created = await npmScript("apikey.ts", ["create", "--shop", SHOP, "--label", "zendesk", "--scope", "orders:read"]);
    const key = created.stdout.trim();
    expect(key).toMatch(/^otk_/);
    expect(await authenticateBearer(db.prisma, `Bearer ${key}`, new Date())).toMatchObject({ shop: SHOP, scopes: ["orders:read"] });
    const stored = await db.prisma.apiKey.findFirstOrThrow({ where: { shop: SHOP, label: "zendesk" } });
    expect(stored.secretHash).not.toContain(key);

    // --scope repeats and takes lists; the key then holds each once.
    const both = (await npmScript("apikey.ts", ["create", "--shop", SHOP, "--label", "warehouse", "--scope", "feeds:write,orders:read", "--scope", "feeds:write"])).stdout.trim();
    expect(await authenticateBearer(db.prisma, `Bearer ${both}`, new Date())).toMatchObject({ scopes: ["orders:read", "feeds:write"] });

    const listed = (await npmScript("apikey.ts", ["list", "--shop", SHOP])).stdout.split("\n");
    expect(listed.find((line) => line.endsWith("\tzendesk"))?.split("\t").slice(1, 3)).toEqual(["active", "orders:read"]);
    expect(listed.find((line) => line.endsWith("\twarehouse"))?.split("\t").slice(1, 3)).toEqual(["active", "orders:read,feeds:write"]);
    await npmScript("apikey.ts", ["revoke", "--shop", SHOP, "--id", stored.id]);
    expect(await authenticateBearer(db.prisma, `Bearer ${key}`, new Date())).toBeNull();

    await expect(npmScript("apikey.ts", ["create", "--shop", "not a shop", "--scope", "orders:read"])).rejects.toThrow();
    // No scope, or one that does not exist, makes no key.
    await expect(npmScript("apikey.ts", ["create", "--shop", SHOP])).rejects.toMatchObject({ code: 2 });
    await expect(npmScript("apikey.ts", ["create", "--shop", SHOP, "--scope", "orders:write"])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown scope "orders:write"') });
    expect(await db.prisma.apiKey.count({ where: { shop: SHOP } })).toBe(2);
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
