import { createHash } from "node:crypto";
import pg from "pg";
import { storableParams, type SqlSession, type SqlValue, type SqlWriterConnection } from "./sql-session.server";

const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;

/** Numbers `?` placeholders as $1, $2, …; the writer's SQL never has `?` inside literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

type Statement = { name: string; text: string };

/**
 * The writer runs the same few dozen statement shapes batch after batch (they differ only in how
 * many rows or ids they carry). Named, each is parsed and planned once per connection instead of
 * on every execution, which was most of PostgreSQL's own CPU per webhook. The names a connection
 * holds are capped, since each keeps a plan in its server process; past the cap, new shapes run
 * unnamed as before.
 */
const MAX_NAMED_PER_CONNECTION = 1000;
const statements = new Map<string, Statement>();
const namedOn = new WeakMap<pg.PoolClient, Set<string>>();

function statement(sql: string): Statement {
  let found = statements.get(sql);
  if (!found) {
    const text = numbered(sql);
    found = { name: `ot_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`, text };
    if (statements.size >= 4 * MAX_NAMED_PER_CONNECTION) statements.delete(statements.keys().next().value as string);
    statements.set(sql, found);
  }
  return found;
}

function query(client: pg.PoolClient, sql: string, params: readonly SqlValue[]) {
  const { name, text } = statement(sql);
  let named = namedOn.get(client);
  if (!named) namedOn.set(client, (named = new Set()));
  if (!named.has(name) && named.size >= MAX_NAMED_PER_CONNECTION) return client.query(text, storableParams(params));
  named.add(name);
  return client.query({ name, text, values: storableParams(params) });
}

/** Well under PostgreSQL's 65,535 parameters per statement. */
const MAX_COMBINED_PARAMS = 30_000;

/**
 * The deferred writes of a transaction, as few statements as the parameter limit allows: each
 * becomes a data-modifying WITH of one statement, one round trip for all. PostgreSQL runs such WITHs
 * in no order it promises (last to first, in fact), which per-order rows can afford: the advisory
 * locks keep other event-log writers off them. Combined texts differ from batch to batch, so they run
 * unnamed.
 */
async function runCombined(client: pg.PoolClient, writes: ReadonlyArray<readonly [string, readonly SqlValue[]]>) {
  let part: Array<readonly [string, readonly SqlValue[]]> = [];
  let size = 0;
  const flush = async () => {
    if (part.length === 1) await query(client, part[0][0], part[0][1]);
    else if (part.length > 1) {
      const text = `WITH ${part.map(([sql], i) => `w${i} AS (${sql})`).join(", ")} SELECT 1`;
      await client.query(numbered(text), storableParams(part.flatMap(([, params]) => params)));
    }
    part = [];
    size = 0;
  };
  for (const write of writes) {
    if (part.length > 0 && size + write[1].length > MAX_COMBINED_PARAMS) await flush();
    part.push(write);
    size += write[1].length;
  }
  await flush();
}

/**
 * A pg pool for the event-log writer. Prisma stores DateTime as UTC in `timestamp(3)` columns, so
 * those are read as UTC here too, whatever the process time zone.
 */
export function openPostgresWriter(connectionString: string, poolSize = 8): SqlWriterConnection {
  const url = new URL(connectionString);
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("schema");
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: poolSize,
    allowExitOnIdle: true,
    options: [schema ? `-c search_path=${schema}` : "", "-c plan_cache_mode=force_custom_plan"].join(" ").trim(),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === TIMESTAMP_WITHOUT_TIME_ZONE ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server emits here; without a listener the process would crash.
  pool.on("error", () => undefined);
  return {
    dialect: "postgresql",
    async transaction(work) {
      const client = await pool.connect();
      const deferred: Array<[string, readonly SqlValue[]]> = [];
      const last: Array<[string, readonly SqlValue[]]> = [];
      const session: SqlSession = {
        dialect: "postgresql",
        runDeferred(sql: string, params: readonly SqlValue[] = []) {
          deferred.push([sql, params]);
        },
        runLast(sql: string, params: readonly SqlValue[] = []) {
          last.push([sql, params]);
        },
        async all<Row>(sql: string, params: readonly SqlValue[] = []) {
          return (await query(client, sql, params)).rows as Row[];
        },
        async run(sql: string, params: readonly SqlValue[] = []) {
          await query(client, sql, params);
        },
      };
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(session);
        await runCombined(client, deferred);
        // Shared rows one statement at a time, in the order given: that order is what keeps two
        // writers from deadlocking on them.
        for (const [sql, params] of last) await query(client, sql, params);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
}
