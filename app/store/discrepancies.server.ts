/**
 * Stored discrepancies: the detector's answer per order, kept as episodes (open, then cleared with the
 * clearing time), plus the aggregates the dashboard reads (counts per code and day, orders per status)
 * and the per-order time at which the answer next changes by the clock alone.
 *
 * Writes run inside the event-log writer's transaction (refreshWithin), set-based: a fixed handful of
 * statements per batch of orders, never one per order.
 */
import type { Db } from "../db.server";
import { readShopSettingsSection, shopSettingsObject, writeShopSettingsSection } from "../shops.server";
import { detectDiscrepancies, type Discrepancy, type DiscrepancyCode, type Evidence } from "../domain/discrepancies";
import { DEFAULT_HEALTH_SETTINGS, parseHealthSettings, type HealthSettings } from "../domain/discrepancies-settings";
import type { RollupResult } from "../domain/rollup";
import { chunks, compareKeys, placeholders, sqlDate, storedText, valuesList, type SqlSession, type SqlValue } from "./event-log/sql-session.server";
import { syncReadRows, type ReadTable } from "./event-log/read-rows.server";
import type { StoredEvent } from "./order-store.server";
import { threePlActiveSinceWithin, toDate } from "./sync-lag.server";

const DAY = 86_400_000;
const CHUNK = 300;

export type OrderEvaluation = { shop: string; orderId: string; stored: readonly StoredEvent[]; result: RollupResult };

/**
 * Called by the writer with every order whose rollup it is rewriting, BEFORE it replaces the Order
 * rows (the status tally needs the old status). `now` is the clock for scheduled re-checks and
 * maintenance; without it each order is judged as of its latest event's arrival, so the stored answer
 * is a function of the log.
 */
export async function refreshOrderHealthWithin(sql: SqlSession, orders: readonly OrderEvaluation[], now?: Date): Promise<void> {
  if (orders.length === 0) return;
  await tallyStatusesWithin(sql, orders);
  await refreshDiscrepanciesWithin(sql, orders, now);
}

// ---------------------------------------------------------------------------------------------------
// Orders per status
// ---------------------------------------------------------------------------------------------------

async function tallyStatusesWithin(sql: SqlSession, orders: readonly OrderEvaluation[]) {
  const delta = new Map<string, { shop: string; status: string; count: number }>();
  const bump = (shop: string, status: string, by: number) => {
    const key = `${shop}\u0000${status}`;
    const current = delta.get(key) ?? { shop, status, count: 0 };
    current.count += by;
    delta.set(key, current);
  };
  for (const [shop, ids] of byShop(orders)) {
    for (const part of chunks(ids, CHUNK)) {
      const rows = await sql.all<{ status: string }>(`SELECT "status" FROM "Order" WHERE "shop" = ? AND "orderId" IN (${placeholders(part.length)})`, [shop, ...part]);
      for (const row of rows) bump(shop, row.status, -1);
    }
  }
  for (const o of orders) bump(o.shop, o.result.status.status, 1);
  const rows = [...delta.values()].filter((d) => d.count !== 0).sort((a, b) => compareKeys([a.shop, a.status], [b.shop, b.status]));
  for (const part of chunks(rows, 100)) {
    sql.runLast(
      `INSERT INTO "OrderStatusTally" ("shop", "status", "count") VALUES ${valuesList(part.length, 3)}
       ON CONFLICT ("shop", "status") DO UPDATE SET "count" = "OrderStatusTally"."count" + excluded."count"`,
      part.flatMap((r): SqlValue[] => [r.shop, r.status, r.count]),
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Discrepancies
// ---------------------------------------------------------------------------------------------------

type OpenRow = { id: number | string; orderId: string; key: string; code: string; since: unknown; detail: string; evidence: string };

async function refreshDiscrepanciesWithin(sql: SqlSession, orders: readonly OrderEvaluation[], now?: Date) {
  const d = (date: Date) => sqlDate(date, sql.dialect);
  const ts = sql.dialect === "postgresql" ? "CAST(? AS TIMESTAMP(3))" : "?";
  const shops = [...new Set(orders.map((o) => o.shop))];
  const [settings, threePlSince] = await Promise.all([healthSettingsWithin(sql, shops), threePlActiveSinceWithin(sql, shops)]);
  // SourceHealth is only written at the end of the transaction (runLast), so a shop's first 3PL
  // confirmation may be in this batch and not counted there yet; the touched orders' own 3PL events
  // (all already counted, or in this batch) give the same earliest arrival.
  for (const order of orders) {
    for (const s of order.stored) {
      if (s.event.source !== "3pl") continue;
      const known = threePlSince.get(order.shop);
      if (!known || s.receivedAt.getTime() < Date.parse(known)) threePlSince.set(order.shop, s.receivedAt.toISOString());
    }
  }

  const detected = new Map<string, { order: OrderEvaluation; asOf: Date; found: Map<string, Discrepancy>; nextCheckAt: string | null }>();
  for (const order of orders) {
    const asOf = now ?? new Date(Math.max(...order.stored.map((s) => s.receivedAt.getTime())));
    const { open, nextCheckAt } = detectDiscrepancies({
      events: order.stored,
      rollup: order.result,
      now: asOf,
      thresholds: (settings.get(order.shop) ?? DEFAULT_HEALTH_SETTINGS).thresholds,
      threePlActiveSince: threePlSince.get(order.shop) ?? null,
    });
    detected.set(orderKey(order.shop, order.orderId), { order, asOf, found: new Map(open.map((x) => [storedText(x.key), x])), nextCheckAt });
  }

  const inserts: SqlValue[][] = [];
  const clears: Array<{ id: number; at: Date }> = [];
  const changes: Array<{ id: number; since: Date; detail: string; evidence: string }> = [];
  const tally = new Map<string, { shop: string; code: string; day: Date; opened: number; cleared: number }>();
  const count = (shop: string, code: string, at: Date, field: "opened" | "cleared", by: number) => {
    const day = new Date(Math.floor(at.getTime() / DAY) * DAY);
    const key = `${shop}\u0000${code}\u0000${day.getTime()}`;
    const entry = tally.get(key) ?? { shop, code, day, opened: 0, cleared: 0 };
    entry[field] += by;
    tally.set(key, entry);
  };

  for (const [shop, ids] of byShop(orders)) {
    for (const part of chunks(ids, CHUNK)) {
      const rows = await sql.all<OpenRow>(
        `SELECT "id", "orderId", "key", "code", "since", "detail", "evidence" FROM "Discrepancy" WHERE "shop" = ? AND "state" = 'open' AND "orderId" IN (${placeholders(part.length)})`,
        [shop, ...part],
      );
      for (const row of rows) {
        const entry = detected.get(orderKey(shop, row.orderId))!;
        const now = entry.found.get(row.key);
        const since = toDate(row.since);
        if (!now) {
          const at = new Date(Math.max(entry.asOf.getTime(), since.getTime()));
          clears.push({ id: Number(row.id), at });
          count(shop, row.code, at, "cleared", 1);
          continue;
        }
        entry.found.delete(row.key);
        const evidence = JSON.stringify(now.evidence);
        const nowSince = new Date(now.since);
        if (nowSince.getTime() !== since.getTime() || storedText(now.detail) !== row.detail || evidence !== row.evidence) {
          changes.push({ id: Number(row.id), since: nowSince, detail: now.detail, evidence });
          count(shop, row.code, since, "opened", -1);
          count(shop, row.code, nowSince, "opened", 1);
        }
      }
    }
  }
  for (const { order, found } of detected.values()) {
    const name = order.result.order.name ?? order.result.status.name;
    for (const x of found.values()) {
      inserts.push([order.shop, order.orderId, name, x.key, x.code, x.source, "open", d(new Date(x.since)), x.detail, JSON.stringify(x.evidence)]);
      count(order.shop, x.code, new Date(x.since), "opened", 1);
    }
  }

  // Inserted rows are new, and clears and changes are disjoint sets of existing ids, so the three can
  // share a snapshot as deferred writes.
  for (const part of chunks(inserts, 60)) {
    sql.runDeferred(
      `INSERT INTO "Discrepancy" ("shop", "orderId", "orderName", "key", "code", "source", "state", "since", "detail", "evidence") VALUES ${valuesList(part.length, 10)}`,
      part.flat(),
    );
  }
  for (const part of chunks(clears, 200)) {
    sql.runDeferred(
      `UPDATE "Discrepancy" SET "state" = 'cleared', "clearedAt" = CASE "id" ${part.map(() => `WHEN ? THEN ${ts}`).join(" ")} END WHERE "id" IN (${placeholders(part.length)})`,
      [...part.flatMap((c): SqlValue[] => [c.id, d(c.at)]), ...part.map((c) => c.id)],
    );
  }
  for (const part of chunks(changes, 100)) {
    const cases = (column: string, cast: string) => `"${column}" = CASE "id" ${part.map(() => `WHEN ? THEN ${cast}`).join(" ")} END`;
    sql.runDeferred(
      `UPDATE "Discrepancy" SET ${cases("since", ts)}, ${cases("detail", "?")}, ${cases("evidence", "?")} WHERE "id" IN (${placeholders(part.length)})`,
      [
        ...part.flatMap((c): SqlValue[] => [c.id, d(c.since)]),
        ...part.flatMap((c): SqlValue[] => [c.id, c.detail]),
        ...part.flatMap((c): SqlValue[] => [c.id, c.evidence]),
        ...part.map((c) => c.id),
      ],
    );
  }
  const tallies = [...tally.values()]
    .filter((t) => t.opened !== 0 || t.cleared !== 0)
    .sort((a, b) => compareKeys([a.shop, a.code, a.day.getTime()], [b.shop, b.code, b.day.getTime()]));
  for (const part of chunks(tallies, 100)) {
    sql.runLast(
      `INSERT INTO "DiscrepancyTally" ("shop", "code", "day", "opened", "cleared") VALUES ${valuesList(part.length, 5)}
       ON CONFLICT ("shop", "code", "day") DO UPDATE SET "opened" = "DiscrepancyTally"."opened" + excluded."opened", "cleared" = "DiscrepancyTally"."cleared" + excluded."cleared"`,
      part.flatMap((t): SqlValue[] => [t.shop, t.code, d(t.day), t.opened, t.cleared]),
    );
  }

  // Diffed rather than deleted and re-inserted: a deferred delete and insert of one key would share a
  // snapshot, and most events leave an order's due time as it was.
  for (const [shop, ids] of byShop(orders)) {
    const checks = ids.flatMap((orderId): SqlValue[][] => {
      const dueAt = detected.get(orderKey(shop, orderId))?.nextCheckAt;
      return dueAt ? [[shop, orderId, d(new Date(dueAt))]] : [];
    });
    await syncReadRows(sql, DISCREPANCY_CHECK_ROWS, shop, ids, checks);
  }
}

const DISCREPANCY_CHECK_ROWS: ReadTable = { name: "DiscrepancyCheck", keys: [], columns: [["dueAt", "timestamp"]] };

async function healthSettingsWithin(sql: SqlSession, shops: readonly string[]): Promise<Map<string, HealthSettings>> {
  const out = new Map<string, HealthSettings>();
  if (shops.length === 0) return out;
  const rows = await sql.all<{ domain: string; settings: string }>(`SELECT "domain", "settings" FROM "Shop" WHERE "domain" IN (${placeholders(shops.length)})`, shops);
  for (const row of rows) out.set(row.domain, parseHealthSettings(shopSettingsObject(row.settings).health));
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------

export type DiscrepancyState = "open" | "cleared";
export type DiscrepancySort = "newest" | "oldest";

export type DiscrepancyFilters = {
  state: DiscrepancyState;
  code?: DiscrepancyCode | null;
  source?: string | null;
  /** only those whose disagreement began at least this many hours ago */
  olderThanHours?: number | null;
  sort: DiscrepancySort;
  /** keyset cursor: the last row of the previous page */
  after?: { since: Date; id: number } | null;
};

export type DiscrepancyListItem = {
  id: number;
  orderId: string;
  orderName: string;
  code: DiscrepancyCode;
  source: string;
  since: string;
  clearedAt: string | null;
  detail: string;
};

export const DISCREPANCY_PAGE_SIZE = 50;

export async function listDiscrepancies(db: Db, shop: string, filters: DiscrepancyFilters, now: Date, pageSize = DISCREPANCY_PAGE_SIZE): Promise<{ items: DiscrepancyListItem[]; next: { since: string; id: number } | null }> {
  const newest = filters.sort === "newest";
  const sinceLimit = filters.olderThanHours ? new Date(now.getTime() - filters.olderThanHours * 3_600_000) : null;
  const after = filters.after;
  const rows = await db.discrepancy.findMany({
    where: {
      shop,
      state: filters.state,
      ...(filters.code ? { code: filters.code } : {}),
      ...(filters.source ? { source: filters.source } : {}),
      ...(sinceLimit ? { since: { lte: sinceLimit } } : {}),
      ...(after
        ? {
            OR: [
              { since: newest ? { lt: after.since } : { gt: after.since } },
              { since: after.since, id: newest ? { lt: after.id } : { gt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ since: newest ? "desc" : "asc" }, { id: newest ? "desc" : "asc" }],
    take: pageSize + 1,
    select: { id: true, orderId: true, orderName: true, code: true, source: true, since: true, clearedAt: true, detail: true },
  });
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ ...r, code: r.code as DiscrepancyCode, since: r.since.toISOString(), clearedAt: r.clearedAt?.toISOString() ?? null })),
    next: rows.length > pageSize && last ? { since: last.since.toISOString(), id: last.id } : null,
  };
}

/** Open discrepancies per code, from the tally (opened minus cleared), not by counting rows. */
export async function openCountsByCode(db: Db, shop: string): Promise<Record<string, number>> {
  const groups = await db.discrepancyTally.groupBy({ by: ["code"], where: { shop }, _sum: { opened: true, cleared: true } });
  return Object.fromEntries(groups.map((g) => [g.code, (g._sum.opened ?? 0) - (g._sum.cleared ?? 0)]).filter(([, n]) => (n as number) > 0));
}

export type OpenPoint = { day: string; open: number };

/** How many discrepancies were open at the end of each of the last `days` UTC days. */
export async function openOverTime(db: Db, shop: string, now: Date, days = 30): Promise<OpenPoint[]> {
  const first = new Date(Math.floor(now.getTime() / DAY) * DAY - (days - 1) * DAY);
  const [before, recent] = await Promise.all([
    db.discrepancyTally.aggregate({ where: { shop, day: { lt: first } }, _sum: { opened: true, cleared: true } }),
    db.discrepancyTally.groupBy({ by: ["day"], where: { shop, day: { gte: first } }, _sum: { opened: true, cleared: true } }),
  ]);
  let open = (before._sum.opened ?? 0) - (before._sum.cleared ?? 0);
  const byDay = new Map(recent.map((r) => [r.day.getTime(), (r._sum.opened ?? 0) - (r._sum.cleared ?? 0)]));
  const points: OpenPoint[] = [];
  for (let i = 0; i < days; i++) {
    const day = first.getTime() + i * DAY;
    open += byDay.get(day) ?? 0;
    points.push({ day: new Date(day).toISOString().slice(0, 10), open });
  }
  return points;
}

export type OrderDiscrepancy = DiscrepancyListItem & { state: DiscrepancyState; evidence: Evidence[] };

/** Every episode of one order, open first, newest first. */
export async function orderDiscrepancies(db: Db, shop: string, orderId: string): Promise<OrderDiscrepancy[]> {
  const rows = await db.discrepancy.findMany({ where: { shop, orderId }, orderBy: [{ since: "desc" }, { id: "desc" }] });
  return rows
    .map((r) => ({
      id: r.id,
      orderId: r.orderId,
      orderName: r.orderName,
      code: r.code as DiscrepancyCode,
      source: r.source,
      since: r.since.toISOString(),
      clearedAt: r.clearedAt?.toISOString() ?? null,
      detail: r.detail,
      state: r.state as DiscrepancyState,
      evidence: JSON.parse(r.evidence) as Evidence[],
    }))
    .sort((a, b) => (a.state === b.state ? 0 : a.state === "open" ? -1 : 1));
}

/** The admin view's `discrepancies` for one order: open ones, as the contract shapes them. */
export async function openDiscrepanciesForContract(db: Db, shop: string, orderId: string): Promise<Array<{ code: DiscrepancyCode; since: string; detail: string }>> {
  const rows = await db.discrepancy.findMany({ where: { shop, orderId, state: "open" }, orderBy: [{ since: "asc" }, { key: "asc" }], select: { code: true, since: true, detail: true } });
  return rows.map((r) => ({ code: r.code as DiscrepancyCode, since: r.since.toISOString(), detail: r.detail }));
}

/** Order counts per status for the Overview, from the tally the writer keeps. */
export async function orderCountsByStatus(db: Db, shop: string): Promise<Record<string, number>> {
  const rows = await db.orderStatusTally.findMany({ where: { shop, count: { gt: 0 } } });
  return Object.fromEntries(rows.map((r) => [r.status, r.count]));
}

/** The shop's health settings (the `health` part of Shop.settings). */
export async function getHealthSettings(db: Db, shop: string): Promise<HealthSettings> {
  return parseHealthSettings(await readShopSettingsSection(db, shop, "health"));
}

/** Rewrites only the `health` key, in one transaction, so other settings sections keep theirs. */
export async function saveHealthSettings(db: Db, shop: string, settings: HealthSettings): Promise<HealthSettings> {
  const valid = parseHealthSettings(settings);
  await writeShopSettingsSection(db, shop, "health", valid);
  return valid;
}

// ---------------------------------------------------------------------------------------------------


function orderKey(shop: string, orderId: string) {
  return `${shop}\u0000${orderId}`;
}

function byShop(orders: ReadonlyArray<{ shop: string; orderId: string }>): Array<[string, string[]]> {
  const map = new Map<string, Set<string>>();
  for (const o of orders) {
    let set = map.get(o.shop);
    if (!set) map.set(o.shop, (set = new Set()));
    set.add(o.orderId);
  }
  return [...map].map(([shop, ids]) => [shop, [...ids]]);
}

