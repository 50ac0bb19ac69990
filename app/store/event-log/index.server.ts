import { databaseProvider, sqliteFilePath } from "../../db.server";
import { openPostgresWriter } from "./postgres-connection.server";
import { openSqliteWriter } from "./sqlite-connection.server";
import type { SqlWriterConnection } from "./sql-session.server";

let sqliteCheckpointerFile: string | undefined;

/** The production server bundles a checkpoint thread for SQLite; writers opened after this use it. */
export function checkpointSqliteOnWorkerThread(workerFile: string) {
  sqliteCheckpointerFile = workerFile;
}

export function openEventLogWriter(url: string | undefined = process.env.DATABASE_URL): SqlWriterConnection {
  return databaseProvider(url) === "sqlite"
    ? openSqliteWriter(sqliteFilePath(url), { checkpointerFile: sqliteCheckpointerFile })
    : openPostgresWriter(url as string);
}

const globalForWriter = globalThis as typeof globalThis & { __orderTruthWriter?: SqlWriterConnection };

/** The process's event-log writer for DATABASE_URL (kept across dev reloads like the Prisma client). */
export function getEventLogWriter(): SqlWriterConnection {
  return (globalForWriter.__orderTruthWriter ??= openEventLogWriter());
}
