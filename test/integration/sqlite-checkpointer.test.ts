// SQLite only: the checkpoint thread copies committed pages from the write-ahead log into the
// database file while the writer keeps writing, long before the writer's own autocheckpoint would.
import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteFilePath } from "../../app/db.server";
import { openSqliteWriter } from "../../app/store/event-log/sqlite-connection.server";
import { valuesList, type SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { PROJECT_ROOT } from "../../scripts/lib/app-process";
import { requireBuild } from "../support/app-server";
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from "../support/database";

const CHECKPOINTER = path.join(PROJECT_ROOT, "build/server/sqlite-checkpointer.worker.js");

let db: TestDatabase;
let file: string;

beforeAll(async () => {
  db = await createTestDatabase("sqlite");
  file = sqliteFilePath(db.url);
});
afterAll(async () => {
  await db?.drop();
});

/** About 1.5 MB of events: a few hundred pages, far below the 8,000 that trigger the writer's own checkpoint. */
async function writeEvents(writer: SqlWriterConnection, prefix: string) {
  const rows = Array.from({ length: 300 }, (_, i) => ["c.myshopify.com", String(i), "shopify", "order_snapshot", `${prefix}-${i}`, null, "2026-11-24T10:00:00.000+00:00", "2026-11-24T10:00:00.000+00:00", "{}", "x".repeat(5000)]);
  await writer.transaction((sql) =>
    sql.run(`INSERT INTO "Event" ("shop", "orderId", "source", "kind", "dedupeKey", "sourceEventId", "occurredAt", "receivedAt", "data", "raw") VALUES ${valuesList(rows.length, 10)}`, rows.flat()),
  );
}

async function databaseFileGrows(since: number, withinMs: number): Promise<boolean> {
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (statSync(file).size > since) return true;
  }
  return false;
}

describe.skipIf(testDatabaseProvider() !== "sqlite")("SQLite checkpoint thread", () => {
  it("leaves committed pages in the log without it, and copies them into the database with it", async () => {
    requireBuild();
    const inline = openSqliteWriter(file);
    const before = statSync(file).size;
    await writeEvents(inline, "inline");
    expect(await databaseFileGrows(before, 500)).toBe(false);
    await inline.close();

    const size = statSync(file).size;
    const threaded = openSqliteWriter(file, { checkpointerFile: CHECKPOINTER });
    try {
      await writeEvents(threaded, "threaded");
      expect(await databaseFileGrows(size, 5000)).toBe(true);
    } finally {
      await threaded.close();
    }
  });
});
