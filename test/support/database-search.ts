import type { TestDatabase } from "./database";

type Hit = { table: string; column: string; count: number };

/** Every text cell in every table that contains `needle` (case-insensitive): proof of erasure. */
export async function findTextEverywhere(db: TestDatabase, needle: string): Promise<Hit[]> {
  const hits: Hit[] = [];
  const pattern = `%${needle.toLowerCase()}%`;
  if (db.provider === "sqlite") {
    const tables = await db.prisma.$queryRawUnsafe<Array<{ name: string }>>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
    );
    for (const { name } of tables) {
      const columns = await db.prisma.$queryRawUnsafe<Array<{ name: string; type: string }>>(`PRAGMA table_info("${name}")`);
      for (const column of columns.filter((c) => /TEXT|CHAR/i.test(c.type))) {
        const [row] = await db.prisma.$queryRawUnsafe<Array<{ n: number | bigint }>>(
          `SELECT COUNT(*) AS n FROM "${name}" WHERE lower("${column.name}") LIKE ?`,
          pattern,
        );
        if (Number(row.n) > 0) hits.push({ table: name, column: column.name, count: Number(row.n) });
      }
    }
  } else {
    const columns = await db.prisma.$queryRawUnsafe<Array<{ table_name: string; column_name: string }>>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')`,
    );
    for (const c of columns) {
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ n: number | bigint }>>(
        `SELECT COUNT(*) AS n FROM "${c.table_name}" WHERE lower("${c.column_name}") LIKE $1`,
        pattern,
      );
      if (Number(row.n) > 0) hits.push({ table: c.table_name, column: c.column_name, count: Number(row.n) });
    }
  }
  return hits;
}
