import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import { stillInstalled } from "../../app/sources/install-state.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { appAgainstFakeAdmin, startFakeAdminApi, type FakeAdminApi } from "../support/fake-admin-api";

const SHOP = "install-state.myshopify.com";
let db: TestDatabase;
let fake: FakeAdminApi;
let graphqlFor: (shop: string) => Promise<GraphqlCall>;
let storeOffline: (token: string) => Promise<void>;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeAdminApi({ accessToken: "shpat_current" });
  const app = await appAgainstFakeAdmin(db.url, fake);
  storeOffline = (token) => app.storeOfflineSession(SHOP, token);
  graphqlFor = app.adminGraphqlForShop;
}, 60_000);
afterAll(async () => {
  await fake?.stop();
  const { getPrisma } = await import("../../app/db.server");
  await getPrisma().$disconnect();
  await db?.drop();
});
beforeEach(async () => {
  await db.prisma.session.deleteMany();
  fake.requests = [];
});

describe(`whether Shopify still has the app installed, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("installed while Shopify takes the shop's offline token", async () => {
    await storeOffline("shpat_current");
    expect(await stillInstalled(db.prisma, SHOP, graphqlFor)).toBe(true);
    expect(fake.requests.map((r) => r.operation)).toEqual(["StillInstalled"]);
  });

  it("uninstalled once Shopify refuses the token with 401, as it does after an uninstall", async () => {
    await storeOffline("shpat_revoked_by_the_uninstall");
    expect(await stillInstalled(db.prisma, SHOP, graphqlFor)).toBe(false);
  });

  it("uninstalled without asking when the shop has no offline token", async () => {
    expect(await stillInstalled(db.prisma, SHOP, graphqlFor)).toBe(false);
    expect(fake.requests).toEqual([]);
  });

  it("no answer either way when Shopify fails: the delivery is refused so Shopify sends it again", async () => {
    await storeOffline("shpat_current");
    fake.failNext(5, 503);
    await expect(stillInstalled(db.prisma, SHOP, graphqlFor)).rejects.toThrow();
  });
});
