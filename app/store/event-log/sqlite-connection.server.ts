import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { storableParams, type SqlSession, type SqlValue, type SqlWriterConnection } from "./sql-session.server";

/**
 * A dedicated better-sqlite3 connection for the event-log writer. Statements are prepared once and
 * cached; transactions are BEGIN IMMEDIATE so a writer never upgrades a read lock and deadlocks.
 */
export function openSqliteWriter(file: string, options: { checkpointerFile?: string } = {}): SqlWriterConnection {
  // How long a write waits for another writer before the intake answers 503 (Shopify then retries).
  const busyTimeoutMs = Number(process.env.SQLITE_BUSY_TIMEOUT_MS ?? 5000);
  const db = new Database(file, { timeout: busyTimeoutMs });
  db.pragma("journal_mode = WAL");
  // NORMAL under WAL: a commit survives a crash of the process (kill -9), not a power cut; see decision 005.
  db.pragma("synchronous = NORMAL");
  // Each checkpoint costs two fsyncs whatever its size; checkpointing every ~32 MB instead of ~4 MB
  // took the write path from about 7,800 to 9,000 webhooks/s.
  db.pragma("wal_autocheckpoint = 8000");
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // Multi-row statements' journals spill to a temporary file past 64 KiB; creating and unlinking
  // one per large statement cost the writer about a sixth of its time.
  db.pragma("temp_store = MEMORY");
  // The default 2 MB page cache stops holding the Event indexes once the log passes a few hundred
  // thousand events, and every dedupe and order lookup then goes to the OS; 64 MB keeps them hot.
  db.pragma("cache_size = -65536");
  const checkpointer = startCheckpointer(file, options.checkpointerFile);
  // Statements with IN lists and multi-row VALUES differ by batch size, so there are many of them;
  // the least recently used go first, so the few every batch runs stay prepared.
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement) statements.delete(sql);
    else {
      statement = db.prepare(sql);
      if (statements.size >= 1000) statements.delete(statements.keys().next().value as string);
    }
    statements.set(sql, statement);
    return statement;
  };
  // Every parameter goes through storableParams: better-sqlite3 would write a lone surrogate as the
  // bytes of one (not UTF-8) and read them back as three U+FFFD, so text is stored as PostgreSQL's is.
  let deferred: Array<[string, readonly SqlValue[]]> = [];
  let last: Array<[string, readonly SqlValue[]]> = [];
  const session: SqlSession = {
    dialect: "sqlite",
    runDeferred(sql: string, params: readonly SqlValue[] = []) {
      deferred.push([sql, params]);
    },
    runLast(sql: string, params: readonly SqlValue[] = []) {
      last.push([sql, params]);
    },
    async all<Row>(sql: string, params: readonly SqlValue[] = []) {
      return prepare(sql).all(...storableParams(params)) as Row[];
    },
    async run(sql: string, params: readonly SqlValue[] = []) {
      prepare(sql).run(...storableParams(params));
    },
  };
  let busy = false;
  return {
    dialect: "sqlite",
    async transaction(work) {
      // One connection, one transaction at a time: callers (the group committer) serialise.
      if (busy) throw new Error("sqlite writer: overlapping transactions");
      busy = true;
      deferred = [];
      last = [];
      try {
        prepare("BEGIN IMMEDIATE").run();
        const result = await work(session);
        for (const [sql, params] of [...deferred, ...last]) prepare(sql).run(...storableParams(params));
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
      await checkpointer?.terminate();
      db.close();
    },
  };
}

/**
 * Copies the write-ahead log into the database on a thread of its own, so the writer's commits do
 * not stop for it. The writer's own autocheckpoint stays as the backstop: it then finds little left
 * to copy, and it is all there is if this thread is missing or dies.
 */
function startCheckpointer(file: string, workerFile: string | undefined): Worker | undefined {
  // One per database file: a second writer (the re-check job's) shares the first one's.
  if (!workerFile || !existsSync(workerFile) || file === ":memory:" || checkpointedFiles.has(file)) return undefined;
  const worker = new Worker(workerFile, { workerData: { file, intervalMs: 100 } });
  worker.unref();
  checkpointedFiles.add(file);
  worker.on("exit", () => checkpointedFiles.delete(file));
  worker.on("message", (message: { failed: string | null }) => {
    if (message.failed) console.error("sqlite checkpoint failing", message.failed);
  });
  worker.on("error", (error) => console.error("sqlite checkpoint thread failed", error.name));
  return worker;
}

const checkpointedFiles = new Set<string>();
