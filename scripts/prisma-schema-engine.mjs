#!/usr/bin/env node
// Stand-in for Prisma's native `schema-engine` binary, selected with PRISMA_SCHEMA_ENGINE_BINARY.
// The native binary is downloaded from a host this project's machines cannot reach; Prisma publishes
// the same engine compiled to WebAssembly (@prisma/schema-engine-wasm), which talks to the database
// through the official driver adapters. This file answers the CLI's JSON-RPC over stdio with it.
//
// The CLI runs it in two ways (see node_modules/prisma/build/cli.js):
//   schema-engine [--datamodels <file>]... [--datasource <json>]        JSON-RPC on stdin/stdout
//   schema-engine --datasource <json> cli <can-connect-to-database|create-database|drop-database>
//   schema-engine --version
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const ENGINE_PKG = "@prisma/schema-engine-wasm";

// --- arguments ---------------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { datamodels: [], datasource: {}, cli: null, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--datamodels" || a === "-d") out.datamodels.push(argv[++i]);
    else if (a === "--datasource") out.datasource = JSON.parse(argv[++i] ?? "{}");
    else if (a === "--version" || a === "-V" || a === "-v") out.version = true;
    else if (a === "cli") out.cli = argv[++i];
    else if (a === "--enabled-preview-features" || a === "--extension-types") i++;
  }
  return out;
}

// --- wasm engine ---------------------------------------------------------------------------------

let panicMessage;
async function loadEngine() {
  // A wasm panic calls PRISMA_WASM_PANIC_REGISTRY.set_message; without it the panic becomes a TypeError.
  globalThis.PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message) {
      panicMessage = message;
    },
  };
  // The package entry imports the .wasm file as an ES module (needs --experimental-wasm-modules),
  // so instantiate it by hand and hand the exports to the generated glue.
  const bgUrl = import.meta.resolve(`${ENGINE_PKG}/schema_engine_bg`);
  const glue = await import(bgUrl);
  const wasmPath = path.join(path.dirname(fileURLToPath(bgUrl)), "schema_engine_bg.wasm");
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), {
    "./schema_engine_bg.js": glue,
  });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue;
}

function engineVersionHash() {
  const pkgDir = path.dirname(fileURLToPath(import.meta.resolve(`${ENGINE_PKG}/schema_engine_bg`)));
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  return version.split(".").pop();
}

// The engine keeps 60 s timers alive after a command; they must not hold the process open.
const nativeSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = (...args) => {
  const t = nativeSetTimeout(...args);
  t?.unref?.();
  return t;
};

// --- errors in the shape the CLI expects -----------------------------------------------------

class KnownError extends Error {
  constructor(code, message, meta = {}) {
    super(message);
    this.code = code;
    this.meta = meta;
  }
}

function toRpcError(error) {
  if (panicMessage !== undefined || error instanceof WebAssembly.RuntimeError) {
    const message = panicMessage ?? String(error?.message ?? error);
    panicMessage = undefined;
    return { code: 4466, message: "An error happened. Check the data field for details.", data: { is_panic: true, message, backtrace: null } };
  }
  if (error instanceof KnownError) {
    return { code: 4466, message: "An error happened. Check the data field for details.", data: { is_panic: false, message: error.message, error_code: error.code, meta: error.meta } };
  }
  // The wasm engine rejects with an object carrying the user-facing error fields.
  const data = typeof error === "object" && error !== null ? error : {};
  const message = data.message ?? String(error);
  return {
    code: 4466,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: false, message, error_code: data.error_code ?? data.errorCode ?? data.code, meta: data.meta ?? null },
  };
}

function errorCodeOf(error) {
  return error?.error_code ?? error?.errorCode ?? error?.code ?? error?.data?.error_code;
}

// --- connection targets -------------------------------------------------------------------------

function providerOf(url, datamodelFiles) {
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return "postgresql";
    if (/^file:/i.test(url)) return "sqlite";
    throw new KnownError("P1013", `The schema engine stand-in supports only file: (SQLite) and postgres:// URLs, got ${url.split(":")[0]}:`);
  }
  for (const [, content] of datamodelFiles) {
    const m = /datasource\s+\w+\s*{[^}]*provider\s*=\s*"(\w+)"/s.exec(content);
    if (m) return m[1] === "postgres" ? "postgresql" : m[1];
  }
  return "sqlite";
}

function sqlitePath(url) {
  const raw = url.replace(/^file:/i, "").replace(/\?.*$/, "");
  if (raw === ":memory:") return raw;
  return path.resolve(process.cwd(), raw);
}

// Discrete fields, never a connectionString: with a connectionString the URL's database wins over
// `database`, which would point a "shadow" connection at the main database.
function pgFields(url) {
  const u = new URL(url);
  const socketHost = u.searchParams.get("host");
  const fields = {
    host: socketHost || decodeURIComponent(u.hostname) || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined,
    allowExitOnIdle: true,
  };
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode && sslmode !== "disable") fields.ssl = { rejectUnauthorized: sslmode === "verify-full" };
  return { fields, schema: u.searchParams.get("schema") || undefined };
}

const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;

// --- adapter factories ---------------------------------------------------------------------------

async function sqliteFactory(url, shadowUrl) {
  const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
  const file = url ? sqlitePath(url) : ":memory:";
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  const shadowFile = shadowUrl ? sqlitePath(shadowUrl) : ":memory:";
  if (shadowFile !== ":memory:" && shadowFile === file) {
    throw new KnownError("P3014", "The shadow database URL points at the main database; refusing to use it as a shadow database.");
  }
  const inner = new PrismaBetterSqlite3({ url: file }, { shadowDatabaseUrl: shadowFile });
  const opened = [];
  const track = (adapter) => {
    opened.push(adapter);
    return withSqliteScriptFallback(adapter);
  };
  let main = null;
  return {
    factory: {
      provider: inner.provider,
      adapterName: inner.adapterName,
      connect: async () => (main = track(await inner.connect())),
      connectToShadowDb: async () => {
        // A shadow database starts empty every time; the wasm engine does not reset it.
        if (shadowFile !== ":memory:") for (const sfx of ["", "-wal", "-shm", "-journal"]) fs.rmSync(shadowFile + sfx, { force: true });
        return track(await inner.connectToShadowDb());
      },
    },
    main: async () => main ?? (main = track(await inner.connect())),
    async close() {
      for (const a of opened) await a.dispose().catch(() => {});
    },
  };
}

const MULTI_STATEMENT = /more than one statement/i;

// better-sqlite3's prepare() accepts one statement; the engine sends whole migration scripts
// through executeRaw. Such parameterless SQL goes through exec() (the adapter's executeScript).
function withSqliteScriptFallback(adapter) {
  const runScript = (sql) => adapter.executeScript(sql);
  const patchQueryable = (q) => {
    const executeRaw = q.executeRaw.bind(q);
    q.executeRaw = async (query) => {
      try {
        return await executeRaw(query);
      } catch (e) {
        if (MULTI_STATEMENT.test(e?.message ?? "") && query.args.length === 0) {
          await runScript(query.sql);
          return 0;
        }
        throw e;
      }
    };
    const queryRaw = q.queryRaw.bind(q);
    q.queryRaw = async (query) => {
      try {
        return await queryRaw(query);
      } catch (e) {
        if (MULTI_STATEMENT.test(e?.message ?? "") && query.args.length === 0) {
          await runScript(query.sql);
          return { columnNames: [], columnTypes: [], rows: [] };
        }
        throw e;
      }
    };
    return q;
  };
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => patchQueryable(await startTransaction(...args));
  return patchQueryable(adapter);
}

async function pgFactory(url, shadowUrl) {
  const { default: pg } = await import("pg");
  const { PrismaPg } = await import("@prisma/adapter-pg");

  // adapter-pg cannot map the `"char"` type (OID 18) that the engine reads from pg_catalog
  // (e.g. pg_constraint.contype); it is a one-byte text value, so report it as text (OID 25).
  class CharAsTextPool extends pg.Pool {
    constructor(config) {
      super(config);
      // Dropping a shadow database (WITH FORCE) terminates connections the engine never handed
      // back; without listeners the resulting 'error' events would crash the process.
      const ignore = (e) => log("DEBUG", `pg connection closed: ${e.message}`);
      this.on("error", ignore);
      this.on("connect", (client) => client.on("error", ignore));
    }

    async query(...args) {
      const result = await super.query(...args);
      for (const r of Array.isArray(result) ? result : [result]) {
        for (const f of r?.fields ?? []) if (f.dataTypeID === 18) f.dataTypeID = 25;
      }
      return result;
    }
  }

  const main = pgFields(url);
  const mainPool = new CharAsTextPool(main.fields);
  const pools = [mainPool];
  const cleanups = [];
  const mainFactory = new PrismaPg(mainPool, { schema: main.schema });

  const sameDatabase = (a, b) => a.host === b.host && a.port === b.port && a.database === b.database;

  async function connectToShadowDb() {
    let fields;
    let drop = null;
    if (shadowUrl) {
      fields = pgFields(shadowUrl).fields;
      if (sameDatabase(fields, main.fields)) {
        throw new KnownError("P3014", "The shadow database URL points at the main database; refusing to use it as a shadow database.");
      }
    } else {
      const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
      await mainPool.query(`CREATE DATABASE ${quoteIdent(name)}`);
      fields = { ...main.fields, database: name };
      drop = async () => {
        await mainPool.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      };
    }
    const pool = new CharAsTextPool(fields);
    pools.push(pool);
    if (!drop) {
      // A given shadow database is disposable by definition; the wasm engine does not reset it.
      const schema = quoteIdent(main.schema ?? "public");
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`);
    }
    const adapter = await new PrismaPg(pool, { schema: main.schema }).connect();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      // The pool must be closed before its database can be dropped.
      await pool.end().catch(() => {});
      if (drop) await drop();
    };
    cleanups.push(release);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await release();
    };
    return adapter;
  }

  return {
    factory: {
      provider: mainFactory.provider,
      adapterName: mainFactory.adapterName,
      connect: () => mainFactory.connect(),
      connectToShadowDb,
    },
    async close() {
      for (const c of cleanups) await c().catch((e) => log("WARN", `shadow database cleanup failed: ${e.message}`));
      for (const p of pools) if (!p.ended) await p.end().catch(() => {});
    },
  };
}

// --- database lifecycle (what the native engine does without a schema) --------------------------

async function pgAdmin(url, fn) {
  const { default: pg } = await import("pg");
  const { fields } = pgFields(url);
  const target = fields.database;
  const client = new pg.Client({ ...fields, database: target === "postgres" ? "template1" : "postgres" });
  await client.connect();
  try {
    return await fn(client, target, fields);
  } finally {
    await client.end();
  }
}

async function canConnect(url) {
  if (providerOf(url, []) === "sqlite") {
    const file = sqlitePath(url);
    if (file !== ":memory:" && !fs.existsSync(file)) {
      throw new KnownError("P1003", `Database \`${path.basename(file)}\` does not exist at \`${file}\`.`, { database_file_name: path.basename(file), database_file_path: file });
    }
    return;
  }
  const { default: pg } = await import("pg");
  const { fields } = pgFields(url);
  const client = new pg.Client(fields);
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (e) {
    if (e.code === "3D000") {
      throw new KnownError("P1003", `Database \`${fields.database}\` does not exist on the database server at \`${fields.host}:${fields.port}\`.`, { database_name: fields.database, database_host: fields.host, database_port: fields.port });
    }
    if (e.code === "ECONNREFUSED") {
      throw new KnownError("P1001", `Can't reach database server at \`${fields.host}:${fields.port}\``, { database_host: fields.host, database_port: fields.port });
    }
    throw new KnownError("P1000", e.message);
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabase(url) {
  if (providerOf(url, []) === "sqlite") {
    const file = sqlitePath(url);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { default: Database } = await import("better-sqlite3");
    new Database(file).close();
    return path.basename(file);
  }
  return pgAdmin(url, async (client, name) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    } catch (e) {
      if (e.code === "42P04") throw new KnownError("P1009", `Database \`${name}\` already exists on the database server`);
      throw e;
    }
    return name;
  });
}

async function dropDatabase(url) {
  if (providerOf(url, []) === "sqlite") {
    const file = sqlitePath(url);
    for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(file + suffix, { force: true });
    return;
  }
  await pgAdmin(url, (client, name) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

// --- logging --------------------------------------------------------------------------------------

function log(level, message, extra = {}) {
  process.stderr.write(JSON.stringify({ timestamp: new Date().toISOString(), level, fields: { message, ...extra }, target: "schema_engine::logger" }) + "\n");
}

// --- `cli` subcommands ----------------------------------------------------------------------------

async function runCliCommand(command, datasource) {
  const url = datasource.url;
  try {
    if (!url) throw new KnownError("P1012", "No datasource URL was given to the schema engine.");
    if (command === "can-connect-to-database") await canConnect(url);
    else if (command === "create-database") log("INFO", `Database ${await createDatabase(url)} created`);
    else if (command === "drop-database") await dropDatabase(url);
    else throw new KnownError("P1000", `Unknown schema engine cli command: ${command}`);
    return 0;
  } catch (e) {
    // The CLI drops the first stderr line and parses the rest as JSON log lines.
    process.stderr.write(`${JSON.stringify({ level: "INFO", fields: { message: `schema-engine cli ${command}` }, target: "schema_engine::logger" })}\n`);
    log("ERROR", e.message, { error_code: e instanceof KnownError ? e.code : "P1000" });
    return 1;
  }
}

// --- JSON-RPC server --------------------------------------------------------------------------------

async function serve(args) {
  const datamodelFiles = args.datamodels.map((file) => [file, fs.readFileSync(file, "utf8")]);
  const { url, shadowDatabaseUrl } = args.datasource;
  const provider = providerOf(url, datamodelFiles);

  let enginePromise = null;
  let connection = null;
  const getEngine = () =>
    (enginePromise ??= (async () => {
      const glue = await loadEngine();
      const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
      if (provider === "postgresql") {
        if (!url) throw new KnownError("P1012", "A PostgreSQL datasource URL is required (prisma.config.ts datasource.url).");
        connection = await pgFactory(url, shadowDatabaseUrl);
      } else {
        connection = await sqliteFactory(url, shadowDatabaseUrl);
      }
      const onLog = (line) => process.stderr.write(`${typeof line === "string" ? line : JSON.stringify(line)}\n`);
      return glue.SchemaEngine.new(
        // An empty datamodels list panics; undefined means "no schema".
        { datamodels: datamodelFiles.length > 0 ? datamodelFiles : undefined },
        onLog,
        bindMigrationAwareSqlAdapterFactory(connection.factory),
      );
    })());

  // Asked through the engine's own connection: a second connection to the file can hit
  // SQLITE_BUSY while the engine holds its lock.
  const hasMigrationsTable = async () => {
    if (provider !== "sqlite") return true;
    await getEngine();
    const rows = await (await connection.main()).queryRaw({
      sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
      args: [],
      argTypes: [],
    });
    return rows.rows.length > 0;
  };

  const handlers = {
    async reset(params) {
      // The engine's SQLite reset leaves sqlite_sequence behind; an empty database is a new file.
      if (provider === "sqlite" && url && sqlitePath(url) !== ":memory:") {
        if (enginePromise) {
          const engine = await enginePromise.catch(() => null);
          enginePromise = null;
          await connection?.close();
          engine?.free();
        }
        await dropDatabase(url);
        await createDatabase(url);
        return {};
      }
      return (await getEngine()).reset(params);
    },
    async createDatabase(params) {
      const target = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : url;
      return { databaseName: await createDatabase(target) };
    },
    async ensureConnectionValidity(params) {
      const target = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : url;
      if (target) await canConnect(target);
      return {};
    },
    async getDatabaseVersion(params) {
      return (await getEngine()).version(params ?? undefined);
    },
    async diagnoseMigrationHistory(params) {
      // On a fresh SQLite database the wasm engine fails with P1014 instead of reporting that the
      // migrations table is missing; answer what the native engine answers.
      if (!(await hasMigrationsTable())) {
        const names = params.migrationsList.migrationDirectories.map((d) => d.path);
        return {
          editedMigrationNames: [],
          failedMigrationNames: [],
          hasMigrationsTable: false,
          history: names.length > 0 ? { diagnostic: "databaseIsBehind", unappliedMigrationNames: names } : null,
        };
      }
      return (await getEngine()).diagnoseMigrationHistory(params);
    },
    async devDiagnostic(params) {
      const engine = await getEngine();
      // Same P1014 gap; devDiagnostic must still run in this engine (createMigration and
      // evaluateDataLoss depend on it), so let the engine create its migrations table first.
      if (!(await hasMigrationsTable())) {
        await engine.applyMigrations({
          migrationsList: { ...params.migrationsList, migrationDirectories: [] },
          filters: params.filters,
        });
      }
      return engine.devDiagnostic(params);
    },
  };

  async function dispatch(method, params) {
    if (handlers[method]) return handlers[method](params);
    const engine = await getEngine();
    if (method === "createMigration" || method === "evaluateDataLoss") {
      // These need the shadow database, which the wasm engine only wires up while devDiagnostic
      // replays the history; the CLI's own devDiagnostic may have returned before that (e.g. when
      // the database was behind) or run before applyMigrations changed the database.
      await handlers.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
    }
    const fn = engine[method];
    if (typeof fn !== "function") throw new KnownError("P1000", `Method not supported by the wasm schema engine: ${method}`);
    const result = await fn.call(engine, params ?? {});
    // The native engine prints a diff through a `print` request to the CLI; the wasm engine
    // returns it instead.
    if (method === "diff" && typeof result?.stdout === "string" && result.stdout !== "") {
      write({ jsonrpc: "2.0", id: `print-${++printId}`, method: "print", params: { content: result.stdout.replace(/\n$/, "") } });
    }
    return result === undefined ? {} : result;
  }

  let printId = 0;
  const write = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      return;
    }
    // The CLI's reply to a `print` request: nothing to do.
    if (request.method === undefined) return;
    queue = queue.then(async () => {
      try {
        const result = await dispatch(request.method, request.params);
        write({ jsonrpc: "2.0", id: request.id, result });
      } catch (e) {
        write({ jsonrpc: "2.0", id: request.id, error: toRpcError(e) });
      }
    });
  });
  rl.on("close", async () => {
    await queue;
    try {
      await connection?.close();
    } finally {
      process.exit(0);
    }
  });
}

// --- main ---------------------------------------------------------------------------------------------

// Surface crashes to the CLI, which reports the last ERROR line from stderr.
process.on("uncaughtException", (e) => {
  log("ERROR", `schema engine stand-in crashed: ${e?.stack ?? e}`);
  process.exit(1);
});

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  process.stdout.write(`schema-engine-cli ${engineVersionHash()}\n`);
} else if (args.cli) {
  process.exitCode = await runCliCommand(args.cli, args.datasource);
} else {
  await serve(args);
}
