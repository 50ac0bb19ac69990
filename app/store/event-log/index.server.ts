import { databaseProvider, sqliteFilePath } from "../../db.server";
import { openPostgresWriter } from "./postgres-connection.server";
import { openSqliteWriter } from "./sqlite-connection.server";
import type { SqlWriterConnection } from "./sql-session.server";

export function openEventLogWriter(url: string | undefined = process.env.DATABASE_URL): SqlWriterConnection {
  return databaseProvider(url) === "sqlite" ? openSqliteWriter(sqliteFilePath(url)) : openPostgresWriter(url as string);
}

const globalForWriter = globalThis as typeof globalThis & { __orderTruthWriter?: SqlWriterConnection };

/** The process's event-log writer for DATABASE_URL (kept across dev reloads like the Prisma client). */
export function getEventLogWriter(): SqlWriterConnection {
  return (globalForWriter.__orderTruthWriter ??= openEventLogWriter());
}
