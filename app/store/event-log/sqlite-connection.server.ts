import Database from "better-sqlite3";
import type { SqlSession, SqlValue, SqlWriterConnection } from "./sql-session.server";

/**
 * A dedicated better-sqlite3 connection for the event-log writer. Statements are prepared once and
 * cached; transactions are BEGIN IMMEDIATE so a writer never upgrades a read lock and deadlocks.
 */
export function openSqliteWriter(file: string): SqlWriterConnection {
  const db = new Database(file, { timeout: 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      if (statements.size > 500) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  };
  const session: SqlSession = {
    dialect: "sqlite",
    async all<Row>(sql: string, params: readonly SqlValue[] = []) {
      return prepare(sql).all(...params) as Row[];
    },
    async run(sql: string, params: readonly SqlValue[] = []) {
      prepare(sql).run(...params);
    },
  };
  let busy = false;
  return {
    dialect: "sqlite",
    async transaction(work) {
      // One connection, one transaction at a time: callers (the group committer) serialise.
      if (busy) throw new Error("sqlite writer: overlapping transactions");
      busy = true;
      prepare("BEGIN IMMEDIATE").run();
      try {
        const result = await work(session);
        prepare("COMMIT").run();
        return result;
      } catch (error) {
        if (db.inTransaction) prepare("ROLLBACK").run();
        throw error;
      } finally {
        busy = false;
      }
    },
    async close() {
      db.close();
    },
  };
}
