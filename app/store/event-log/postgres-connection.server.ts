import pg from "pg";
import type { SqlSession, SqlValue, SqlWriterConnection } from "./sql-session.server";

const TIMESTAMP_WITHOUT_TIME_ZONE = 1114;

/**
 * PostgreSQL text cannot hold NUL, which JSON allows inside strings ("\u0000" in an order name);
 * it becomes U+FFFD rather than failing the whole batch.
 */
function storable(params: readonly SqlValue[]): SqlValue[] {
  return params.map((p) => (typeof p === "string" && p.includes("\u0000") ? p.replaceAll("\u0000", "\ufffd") : p));
}

/** Numbers `?` placeholders as $1, $2, …; the writer's SQL never has `?` inside literals. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
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
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
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
      const last: Array<[string, readonly SqlValue[]]> = [];
      const session: SqlSession = {
        dialect: "postgresql",
        runLast(sql: string, params: readonly SqlValue[] = []) {
          last.push([sql, params]);
        },
        async all<Row>(sql: string, params: readonly SqlValue[] = []) {
          return (await client.query(numbered(sql), storable(params))).rows as Row[];
        },
        async run(sql: string, params: readonly SqlValue[] = []) {
          await client.query(numbered(sql), storable(params));
        },
      };
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await work(session);
        for (const [sql, params] of last) await client.query(numbered(sql), storable(params));
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
