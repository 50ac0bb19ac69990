import type { Db } from "../db.server";

export type SourceActivity = { source: string; events: number; lastReceivedAt: string | null };

export async function sourceActivity(db: Db, shop: string): Promise<SourceActivity[]> {
  const groups = await db.event.groupBy({
    by: ["source"],
    where: { shop },
    _count: { _all: true },
    _max: { receivedAt: true },
  });
  return groups
    .map((g) => ({ source: g.source, events: g._count._all, lastReceivedAt: g._max.receivedAt?.toISOString() ?? null }))
    .sort((a, b) => a.source.localeCompare(b.source));
}
