// One shop with an offline session on a fresh test database, its Admin API answered by the fake:
// the setting of every test of code that asks Shopify with a shop's token (reconciliation, backfill).
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import type { GraphqlCall } from "../../app/sources/shopify-reconciliation/admin-graphql.server";
import { createTestDatabase, type TestDatabase } from "./database";
import { appAgainstFakeAdmin, startFakeAdminApi, type FakeAdminApi } from "./fake-admin-api";

export type ShopAgainstFakeAdmin = {
  db: TestDatabase;
  writer: SqlWriterConnection;
  fake: FakeAdminApi;
  app: Awaited<ReturnType<typeof appAgainstFakeAdmin>>;
  /** the shop's Admin GraphQL through the app's own offline-session binding */
  graphql: GraphqlCall;
  stop(): Promise<void>;
};

export async function shopAgainstFakeAdmin(shop: string, accessToken: string): Promise<ShopAgainstFakeAdmin> {
  const db = await createTestDatabase();
  const writer = openEventLogWriter(db.url);
  const fake = await startFakeAdminApi({ accessToken });
  const app = await appAgainstFakeAdmin(db.url, fake);
  await app.storeOfflineSession(shop, accessToken);
  const graphql = await app.adminGraphqlForShop(shop);
  return {
    db,
    writer,
    fake,
    app,
    graphql,
    async stop() {
      await writer.close();
      await fake.stop();
      const { getPrisma } = await import("../../app/db.server");
      await getPrisma().$disconnect();
      await db.drop();
    },
  };
}
