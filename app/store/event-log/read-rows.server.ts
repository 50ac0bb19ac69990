import { chunks, placeholders, storedText, valuesList, type SqlSession, type SqlValue } from "./sql-session.server";

export type ColumnKind = "text" | "integer" | "boolean" | "timestamp";

/** A table of per-order read rows, keyed by shop, orderId and `keys`, kept equal to the order's rollup. */
export type ReadTable = {
  name: string;
  keys: readonly string[];
  columns: ReadonlyArray<readonly [name: string, kind: ColumnKind]>;
  /** A column that records when the row last changed: written with every change, never a change itself. */
  stamp?: string;
};

/** shop, orderId, ...keys, ...columns, in the table's column order. */
export type ReadRow = readonly SqlValue[];

const PG_CASTS: Record<ColumnKind, string> = { text: "TEXT", integer: "INTEGER", boolean: "BOOLEAN", timestamp: "TIMESTAMP(3)" };

const MAX_PARAMS = 3000;

function comparable(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "timestamp") return (value instanceof Date ? value : new Date(typeof value === "number" ? value : String(value))).getTime();
  if (kind === "boolean") return value === true || value === 1 || value === "1" || value === "t" ? 1 : 0;
  if (kind === "integer") return Number(value);
  return storedText(String(value));
}

/**
 * Makes the stored read rows of `orderIds` (one shop) equal `rows`, writing only what differs. The
 * writes are deferred (SqlSession.runDeferred): they touch each row once, and nothing reads them back
 * before COMMIT.
 * Rewriting every row wholesale rewrote every index entry of every touched order; most events
 * change a few columns of one row, and the write-ahead log only has to carry the pages they touch.
 */
export async function syncReadRows(sql: SqlSession, table: ReadTable, shop: string, orderIds: readonly string[], rows: readonly ReadRow[]) {
  const keyNames = ["orderId", ...table.keys];
  const keyCount = 2 + table.keys.length;
  const keyOf = (row: readonly unknown[]) => row.slice(1, keyCount).map((value) => storedText(String(value))).join("\u0000");
  const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

  const existing = new Map<string, unknown[]>();
  for (const ids of chunks(orderIds, 400)) {
    const found = await sql.all<Record<string, unknown>>(
      `SELECT ${quoted([...keyNames, ...table.columns.map(([name]) => name)])} FROM "${table.name}" WHERE "shop" = ? AND "orderId" IN (${placeholders(ids.length)})`,
      [shop, ...ids],
    );
    for (const record of found) {
      const row = [shop, ...keyNames.map((k) => record[k]), ...table.columns.map(([name]) => record[name])];
      existing.set(keyOf(row), row);
    }
  }

  const inserts: ReadRow[] = [];
  const updates = new Map<string, { columns: number[]; rows: ReadRow[] }>();
  // Two keys stored alike are one row; the rollup's last copy stands.
  const incoming = new Map(rows.map((row) => [keyOf(row), row]));
  for (const [key, row] of incoming) {
    const before = existing.get(key);
    existing.delete(key);
    if (!before) {
      inserts.push(row);
      continue;
    }
    const changed = table.columns.flatMap(([name, kind], i) =>
      name === table.stamp || comparable(kind, before[keyCount + i]) === comparable(kind, row[keyCount + i]) ? [] : [i],
    );
    if (changed.length === 0) continue;
    const stamp = table.columns.findIndex(([name]) => name === table.stamp);
    if (stamp >= 0) changed.push(stamp);
    // Rows are grouped by which columns changed, so an index is only touched where its columns did.
    const signature = changed.join(",");
    let group = updates.get(signature);
    if (!group) updates.set(signature, (group = { columns: changed, rows: [] }));
    group.rows.push(row);
  }

  for (const stale of existing.values()) {
    sql.runDeferred(
      `DELETE FROM "${table.name}" WHERE "shop" = ? AND ${keyNames.map((k) => `"${k}" = ?`).join(" AND ")}`,
      stale.slice(0, keyCount) as SqlValue[],
    );
  }

  const cast = (kind: ColumnKind, expression: string) => (sql.dialect === "postgresql" ? `CAST(${expression} AS ${PG_CASTS[kind]})` : expression);
  for (const { columns, rows: changedRows } of updates.values()) {
    const width = keyCount + columns.length;
    const assignments = columns.map((c, i) => `"${table.columns[c][0]}" = ${cast(table.columns[c][1], `v.column${keyCount + i + 1}`)}`);
    const matches = ["shop", ...keyNames].map((k, i) => `"${table.name}"."${k}" = v.column${i + 1}`);
    for (const part of chunks(changedRows, Math.max(1, Math.floor(MAX_PARAMS / width)))) {
      sql.runDeferred(
        `UPDATE "${table.name}" SET ${assignments.join(", ")} FROM (VALUES ${valuesList(part.length, width)}) AS v WHERE ${matches.join(" AND ")}`,
        part.flatMap((row) => [...row.slice(0, keyCount), ...columns.map((c) => row[keyCount + c])]),
      );
    }
  }

  const width = keyCount + table.columns.length;
  for (const part of chunks(inserts, Math.max(1, Math.floor(MAX_PARAMS / width)))) {
    sql.runDeferred(
      `INSERT INTO "${table.name}" (${quoted(["shop", ...keyNames, ...table.columns.map(([name]) => name)])}) VALUES ${valuesList(part.length, width)}`,
      part.flat(),
    );
  }
}
