/**
 * The few SQL operations the event-log writer needs, over either driver. Statements are written
 * once with `?` placeholders; the PostgreSQL session numbers them.
 */
/** string[] only reaches PostgreSQL (as an array parameter). */
export type SqlValue = string | number | null | readonly string[];

export interface SqlSession {
  readonly dialect: "sqlite" | "postgresql";
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  run(sql: string, params?: readonly SqlValue[]): Promise<void>;
}

export interface SqlWriterConnection {
  readonly dialect: "sqlite" | "postgresql";
  /** Runs `work` in one write transaction; everything or nothing is committed. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `(?, ?, ?), (?, ?, ?)` for multi-row VALUES. */
export function valuesList(rows: number, columns: number): string {
  const row = `(${new Array(columns).fill("?").join(", ")})`;
  return new Array(rows).fill(row).join(", ");
}

export function placeholders(count: number): string {
  return new Array(count).fill("?").join(", ");
}
