// A fresh test database with the event-log writer and the feed dependencies over it: the setting of
// every test that imports 3PL files or carrier updates through the real matcher and writer.
import type { FeedDeps } from "../../app/sources/feed-delivery.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { createTestDatabase, type TestDatabase } from "./database";

export type FeedDatabase = { db: TestDatabase; writer: SqlWriterConnection; deps: FeedDeps; clear(): Promise<void>; stop(): Promise<void> };

export async function feedDatabase(): Promise<FeedDatabase> {
  const db = await createTestDatabase();
  const writer = openEventLogWriter(db.url);
  return {
    db,
    writer,
    deps: { db: db.prisma, record: (submissions) => recordSubmissions(writer, submissions) },
    /** Every order, event and feed row, so each test starts from an empty shop. */
    async clear() {
      const p = db.prisma;
      for (const model of [p.event, p.order, p.shipment, p.trackingNumber, p.sourceClaim, p.pendingFeedItem, p.feedImport, p.threePlFeed]) {
        await (model as { deleteMany(): Promise<unknown> }).deleteMany();
      }
    },
    async stop() {
      await writer.close();
      await db.drop();
    },
  };
}
