/**
 * The job lease: several app processes (here: several database clients, each its own pool) share one
 * database and still run each (job, shop) once per interval. On PostgreSQL this is the multi-process
 * guarantee; on SQLite the same code path runs in one process.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient, type Db } from "../../app/db.server";
import { registerJob, type JobContext } from "../../app/jobs/registry.server";
import { acquireLease, runDueJobs } from "../../app/jobs/scheduler.server";
import { createTestDatabase, type TestDatabase } from "../support/database";

const SHOPS = ["a.myshopify.com", "b.myshopify.com", "c.myshopify.com", "d.myshopify.com", "e.myshopify.com"];
const T0 = new Date("2026-03-05T12:00:00.000Z");
const MINUTE = 60_000;
let db: TestDatabase;
let processes: Db[];

beforeAll(async () => {
  db = await createTestDatabase();
  processes = [0, 1, 2, 3].map(() => createPrismaClient(db.url));
  for (const domain of SHOPS) await db.prisma.shop.create({ data: { domain } });
  await db.prisma.shop.create({ data: { domain: "gone.myshopify.com", uninstalledAt: T0 } });
});
afterAll(async () => {
  for (const p of processes ?? []) await p.$disconnect();
  await db?.drop();
});
beforeEach(async () => {
  await db.prisma.jobRun.deleteMany();
});

describe(`job lease on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("runs each installed shop once per interval however many processes tick at once", async () => {
    const runs: string[] = [];
    const job = registerJob("count-runs", 15 * MINUTE, async ({ shop }) => {
      runs.push(shop);
      await new Promise((r) => setTimeout(r, 20));
    });
    for (const [round, minutes] of [0, 5, 15, 16, 31].entries()) {
      const clock = () => new Date(T0.getTime() + minutes * MINUTE);
      await Promise.all(processes.map((client, i) => runDueJobs({ db: client, jobs: () => [job], owner: `process-${i}`, clock })));
      const expected = [1, 1, 2, 2, 3][round]! * SHOPS.length;
      expect(runs.length, `after minute ${minutes}`).toBe(expected);
    }
    expect([...new Set(runs)].sort()).toEqual(SHOPS);
    for (const shop of SHOPS) expect(runs.filter((s) => s === shop)).toHaveLength(3);
  });

  it("lets another process take over only once a crashed holder's lease has expired", async () => {
    await db.prisma.jobRun.create({ data: { job: "lease", shop: SHOPS[0]!, nextRunAt: T0 } });
    expect(await acquireLease(processes[0]!, "lease", SHOPS[0]!, "crashed", T0, 5 * MINUTE)).toBe(true);
    expect(await acquireLease(processes[1]!, "lease", SHOPS[0]!, "other", new Date(T0.getTime() + 4 * MINUTE), 5 * MINUTE)).toBe(false);
    expect(await acquireLease(processes[1]!, "lease", SHOPS[0]!, "other", new Date(T0.getTime() + 6 * MINUTE), 5 * MINUTE)).toBe(true);
    const row = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: "lease", shop: SHOPS[0]! } } });
    expect(row.leaseOwner).toBe("other");
  });

  it("keeps a job's saved state across runs, records failures, and honours runAgainInMs", async () => {
    // Shops run side by side, so what each saw is kept per shop.
    const seen: Record<string, unknown[]> = {};
    const job = registerJob(
      "stateful",
      15 * MINUTE,
      async ({ shop, state, saveState }: JobContext) => {
        (seen[shop] ??= []).push(state.page ?? null);
        await saveState({ page: Number(state.page ?? 0) + 1 });
        if (shop === SHOPS[1]) throw new Error("Admin API answered 503");
        return { runAgainInMs: 2 * MINUTE };
      },
      { shops: async () => SHOPS.slice(0, 2) },
    );
    const at = (minutes: number) => () => new Date(T0.getTime() + minutes * MINUTE);
    const first = await runDueJobs({ db: processes[0]!, jobs: () => [job], owner: "p", clock: at(0) });
    expect(first).toEqual([
      { job: "stateful", shop: SHOPS[0], ok: true },
      { job: "stateful", shop: SHOPS[1], ok: false, error: "Error: Admin API answered 503" },
    ]);
    // The successful shop asked for 2 minutes; the failed one waits its interval.
    expect((await runDueJobs({ db: processes[1]!, jobs: () => [job], owner: "q", clock: at(3) })).map((r) => r.shop)).toEqual([SHOPS[0]]);
    expect((await runDueJobs({ db: processes[1]!, jobs: () => [job], owner: "q", clock: at(16) })).map((r) => r.shop)).toEqual([SHOPS[0], SHOPS[1]]);
    expect(seen).toEqual({ [SHOPS[0]!]: [null, 1, 2], [SHOPS[1]!]: [null, 1] });
    const failed = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: "stateful", shop: SHOPS[1]! } } });
    expect(failed.lastError).toBe("Error: Admin API answered 503");
  });

  it("runs shops side by side, a shop's own runs one after another, at most `concurrency` shops at once", async () => {
    let running = 0;
    let most = 0;
    let sameShopAtOnce = false;
    const perShop = new Map<string, number>();
    const track = (name: string) =>
      registerJob(name, 15 * MINUTE, async ({ shop }) => {
        perShop.set(shop, (perShop.get(shop) ?? 0) + 1);
        sameShopAtOnce ||= perShop.get(shop)! > 1;
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 50));
        running -= 1;
        perShop.set(shop, perShop.get(shop)! - 1);
      });
    const jobs = [track("lane-one"), track("lane-two")];
    const reports = await runDueJobs({ db: processes[0]!, jobs: () => jobs, owner: "p", clock: () => T0, concurrency: 3 });
    expect(reports.map((r) => `${r.job} ${r.shop}`)).toEqual([...SHOPS.map((s) => `lane-one ${s}`), ...SHOPS.map((s) => `lane-two ${s}`)]);
    expect(reports.every((r) => r.ok)).toBe(true);
    expect(sameShopAtOnce).toBe(false);
    expect(most).toBe(3);
  });
});
