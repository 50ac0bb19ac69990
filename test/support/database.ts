// Fresh, migrated databases for tests. TEST_DATABASE=sqlite|postgresql (default sqlite) picks the
// provider. Each call creates its own database (a temp SQLite file, or `ot_test_<random>` on the
// PostgreSQL server) and applies the committed migrations with the real Prisma CLI and the wasm
// schema engine, exactly as `migrate deploy` does in production (~1 s), so tests never depend on,
// or leave behind, a pre-existing database.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createPrismaClient, type DatabaseProvider, type Db } from "../../app/db.server";
import { runPrisma } from "../../scripts/db.mjs";

export interface TestDatabase {
  provider: DatabaseProvider;
  /** DATABASE_URL of the new database. */
  url: string;
  /** A client for it (from createPrismaClient, as the app makes them). */
  prisma: Db;
  /** Disconnects the client and deletes the database (file or PostgreSQL database). */
  drop(): Promise<void>;
}

/** Server on which PostgreSQL test databases are created (its own database is never written). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

export function testDatabaseProvider(value: string | undefined = process.env.TEST_DATABASE): DatabaseProvider {
  if (!value || value === "sqlite") return "sqlite";
  if (value === "postgresql" || value === "postgres") return "postgresql";
  throw new Error(`TEST_DATABASE must be sqlite or postgresql, got ${value}`);
}

export function withDatabaseName(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(sql: string, serverUrl = TEST_POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createPostgresDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${crypto.randomBytes(8).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  return {
    name,
    url: withDatabaseName(TEST_POSTGRES_URL, name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function migrateDeploy(provider: DatabaseProvider, url: string): Promise<void> {
  const result = await runPrisma(provider, ["migrate", "deploy"], { url, capture: true });
  if (result.code !== 0) {
    throw new Error(`prisma migrate deploy failed (${provider}, exit ${result.code}):\n${result.stdout}${result.stderr}`);
  }
}

export async function createTestDatabase(provider: DatabaseProvider = testDatabaseProvider()): Promise<TestDatabase> {
  let url: string;
  let remove: () => Promise<void>;
  if (provider === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ot-test-"));
    url = `file:${path.join(dir, "test.sqlite")}`;
    remove = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const database = await createPostgresDatabase("ot_test");
    url = database.url;
    remove = database.drop;
  }
  try {
    await migrateDeploy(provider, url);
  } catch (e) {
    await remove();
    throw e;
  }
  const prisma = createPrismaClient(url);
  let dropped = false;
  return {
    provider,
    url,
    prisma,
    async drop() {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect();
      await remove();
    },
  };
}
