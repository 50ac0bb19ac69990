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
  /**
   * A write that no later statement of this transaction reads, to rows of the orders it locked. It
   * runs just before COMMIT, ahead of the runLast statements. PostgreSQL receives all of them as one
   * statement (each a data-modifying WITH), so a batch's writes cost one round trip instead of one
   * each. They then share one snapshot and run in no promised order, so no two queued writes may
   * touch the same row.
   */
  runDeferred(sql: string, params?: readonly SqlValue[]): void;
  /**
   * Runs just before COMMIT, after the deferred writes, one statement after another in the order
   * given. For upserts of rows every writer of a shop shares (tallies, lag bins): their row locks are
   * then held for the last statements only, not for the whole transaction, so concurrent writers
   * (PostgreSQL) queue on them briefly. Two writers must lock shared rows in one order: every
   * transaction queues these tables in the same order (lag bins, lag periods, source health, then
   * the tallies) and rows within a statement in key order.
   */
  runLast(sql: string, params?: readonly SqlValue[]): void;
}

export interface SqlWriterConnection {
  readonly dialect: "sqlite" | "postgresql";
  /** Runs `work` in one write transaction; everything or nothing is committed. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Text as both writers store it. PostgreSQL text cannot hold NUL, which JSON allows inside strings
 * ("\u0000" in an order name), and UTF-8 has no lone surrogates; each becomes U+FFFD rather than
 * failing the whole batch. Comparing with stored rows goes through this too, or such a value would
 * never match its own row.
 */
export function storedText(text: string): string {
  return text.includes("\u0000") || !text.isWellFormed() ? text.replaceAll("\u0000", "\ufffd").toWellFormed() : text;
}

/** The parameters with every string as `storedText` makes it. */
export function storableParams(params: readonly SqlValue[]): SqlValue[] {
  return params.map((p) => (typeof p === "string" ? storedText(p) : p));
}

/** `(?, ?, ?), (?, ?, ?)` for multi-row VALUES. */
export function valuesList(rows: number, columns: number): string {
  const row = `(${new Array(columns).fill("?").join(", ")})`;
  return new Array(rows).fill(row).join(", ");
}

export function placeholders(count: number): string {
  return new Array(count).fill("?").join(", ");
}

/** Splits rows so each statement stays well under SQLite's variable limit and PostgreSQL's 65535 parameters. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A DateTime as Prisma stores it per provider (SQLite: ISO text with +00:00), so Prisma reads these rows as its own. */
export function sqlDate(date: Date, dialect: SqlSession["dialect"]): string {
  const iso = date.toISOString();
  return dialect === "sqlite" ? iso.replace("Z", "+00:00") : iso;
}

/** Orders rows by their key columns, for statements whose row locks must be taken in one order. */
export function compareKeys(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return a.length - b.length;
}
