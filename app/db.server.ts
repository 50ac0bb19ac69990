// Database access for the app. One schema (prisma/schema.prisma) serves SQLite and PostgreSQL;
// scripts/db.mjs generates a client per provider and DATABASE_URL picks one at run time:
//   unset or file:...            SQLite (default prisma/dev.sqlite)
//   postgres:// | postgresql://  PostgreSQL
//
// App code types against ONE client type, `Db` (the SQLite client's). The generated model types
// are identical for both providers (checked below at compile time); the PostgreSQL client only
// adds provider-specific filter options (e.g. `mode: "insensitive"`), which app code must not use.
import { createRequire } from "node:module";
import path from "node:path";
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type * as SqliteClient from "@prisma/client";
import type * as PgClient from ".prisma/client-postgresql";

export type DatabaseProvider = "sqlite" | "postgresql";
export type Db = SqliteClient.PrismaClient;
/** The client handed to `db.$transaction(async (tx) => ...)`. */
export type DbTransaction = SqliteClient.Prisma.TransactionClient;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type ModelsOf<M extends typeof SqliteClient | typeof PgClient> = M extends typeof SqliteClient
  ? {
      Session: SqliteClient.Session;
      Shop: SqliteClient.Shop;
      Event: SqliteClient.Event;
      Order: SqliteClient.Order;
      Shipment: SqliteClient.Shipment;
      TrackingNumber: SqliteClient.TrackingNumber;
      SourceClaim: SqliteClient.SourceClaim;
      ApiKey: SqliteClient.ApiKey;
      ComplianceRequest: SqliteClient.ComplianceRequest;
    }
  : {
      Session: PgClient.Session;
      Shop: PgClient.Shop;
      Event: PgClient.Event;
      Order: PgClient.Order;
      Shipment: PgClient.Shipment;
      TrackingNumber: PgClient.TrackingNumber;
      SourceClaim: PgClient.SourceClaim;
      ApiKey: PgClient.ApiKey;
      ComplianceRequest: PgClient.ComplianceRequest;
    };
/** Compile-time proof that the PostgreSQL client may be used as a `Db`: same models, same shapes. */
export type DbModelShapesMatch = Assert<Equal<ModelsOf<typeof SqliteClient>, ModelsOf<typeof PgClient>>>;

// The generated clients are CommonJS packages under node_modules (@prisma/client -> .prisma/client,
// and .prisma/client-postgresql). Loading them with Node's own require keeps them out of Vite's
// module graph in dev and in the server bundle, and gives one module instance shared with
// @shopify/shopify-app-session-storage-prisma, which `require`s '@prisma/client' itself.
const nodeRequire = createRequire(import.meta.url);

/** Project root: the directory holding node_modules, as in scripts/db.mjs. */
function projectRoot(): string {
  return path.resolve(path.dirname(nodeRequire.resolve("@prisma/client/package.json")), "..", "..", "..");
}

export function databaseProvider(url: string | undefined = process.env.DATABASE_URL): DatabaseProvider {
  if (!url || /^file:/i.test(url)) return "sqlite";
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgresql";
  throw new Error(`DATABASE_URL must be unset, file:..., postgres:// or postgresql:// (got ${url.split(":")[0]}:)`);
}

/** Absolute SQLite file path for a file: URL (relative paths are relative to the project root). */
export function sqliteFilePath(url: string | undefined): string {
  if (!url) return path.join(projectRoot(), "prisma", "dev.sqlite");
  const file = url.replace(/^file:/i, "").split("?")[0] ?? "";
  return file === ":memory:" ? file : path.resolve(projectRoot(), file);
}

// Per connection: WAL lets readers proceed during a write; busy_timeout waits for the writer lock
// instead of failing with SQLITE_BUSY; NORMAL sync is durable enough under WAL and much faster.
const SQLITE_PRAGMAS = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

function withPragmas(inner: SqlDriverAdapterFactory, pragmas: string): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await inner.connect();
      await adapter.executeScript(pragmas);
      return adapter;
    },
  };
}

const providers = new WeakMap<object, DatabaseProvider>();

/** A new client for `url` (default DATABASE_URL) with the matching driver adapter. */
export function createPrismaClient(url: string | undefined = process.env.DATABASE_URL): Db {
  const provider = databaseProvider(url);
  let client: Db;
  if (provider === "sqlite") {
    const { PrismaBetterSqlite3 } = nodeRequire("@prisma/adapter-better-sqlite3") as typeof import("@prisma/adapter-better-sqlite3");
    const { PrismaClient } = nodeRequire("@prisma/client") as typeof SqliteClient;
    const adapter = new PrismaBetterSqlite3({ url: sqliteFilePath(url), timeout: 5000 });
    client = new PrismaClient({ adapter: withPragmas(adapter, SQLITE_PRAGMAS) });
  } else {
    const { PrismaPg } = nodeRequire("@prisma/adapter-pg") as typeof import("@prisma/adapter-pg");
    const { PrismaClient } = nodeRequire(".prisma/client-postgresql") as typeof PgClient;
    // Prisma's `?schema=` is not a libpq parameter: hand it to the adapter instead of the server.
    const parsed = new URL(url as string);
    const schema = parsed.searchParams.get("schema") ?? undefined;
    parsed.searchParams.delete("schema");
    const adapter = new PrismaPg({ connectionString: parsed.toString() }, { schema });
    // Sound because DbModelShapesMatch holds: both clients are generated from the same models.
    client = new PrismaClient({ adapter }) as unknown as Db;
  }
  providers.set(client, provider);
  return client;
}

/** The provider behind a client (or transaction client) made by createPrismaClient. */
export function databaseProviderOf(db: Db | DbTransaction): DatabaseProvider {
  const known = providers.get(db);
  if (known) return known;
  // Transaction clients are proxies of their client; Prisma keeps the provider on both.
  const active: unknown = Reflect.get(db, "_activeProvider");
  if (active === "postgresql" || active === "postgres") return "postgresql";
  if (active === "sqlite") return "sqlite";
  throw new Error("databaseProviderOf: not a Prisma client created by createPrismaClient");
}

const globalForDb = globalThis as typeof globalThis & { __orderTruthPrisma?: Db };
let shared: Db | undefined;

/** The shared client for DATABASE_URL, created on first use. */
export function getPrisma(): Db {
  if (process.env.NODE_ENV === "production") return (shared ??= createPrismaClient());
  // In development Vite re-evaluates this module on every change; keep one client (and one
  // SQLite connection / pg pool) across reloads.
  return (globalForDb.__orderTruthPrisma ??= createPrismaClient());
}

/**
 * The shared client, created lazily on first property access so that importing this module
 * (e.g. from tests that use their own database) opens no connection.
 */
export const prisma: Db = new Proxy({} as Db, {
  get(_target, property) {
    const client = getPrisma();
    const value: unknown = Reflect.get(client, property, client);
    return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(client) : value;
  },
  has(_target, property) {
    return Reflect.has(getPrisma(), property);
  },
});
