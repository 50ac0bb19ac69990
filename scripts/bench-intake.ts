// `npm run bench:intake [-- --pg] [--orders N] [--processes 1,2,4] [--seconds S] [--soak-seconds S] [--cpu-prof DIR]`
// Signed webhooks with unique ids against the production build, 32 concurrent connections.
// On SQLite the load comes from wrk (Debian's `wrk` package; scripts/lib/wrk-load.ts), whose CPU per
// request is a small fraction of the server's, in three workloads of one run: fresh orders, orders
// that already hold 200 events each, and the realistic topic mix; then the bare baseline (node:http +
// HMAC check + one SQLite insert) with the same generator, and the app at a constant offered rate
// (open loop) for its latency below saturation. Each reports webhooks/s, ack p50/p99 and the server's
// CPU per webhook. PostgreSQL with several processes keeps an in-process generator (undici) that
// spreads the load over the processes' ports.
// It also times Shopify's webhook validator alone and prints the ceiling it leaves on this machine:
// no intake that verifies with it can go faster, whatever it does after the check.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { simulateStore, type WebhookDelivery } from "../app/demo/simulated-store";
import { fixture } from "../app/domain/fixtures/load";
import { createPrismaClient } from "../app/db.server";
import { createApiKey } from "../app/store/api-keys.server";
import { createWebhookVerifier, dedicateThisThreadToVerification, pickWebhookHeaders } from "../app/intake/webhook-verifier.server";
import { createPostgresDatabase } from "../test/support/database";
import { PROJECT_ROOT, startAppProcess, type AppProcess } from "./lib/app-process";
import { webhookHeaders } from "./lib/webhook-sender";
import { wrkAvailable, wrkLoad, type WrkResult } from "./lib/wrk-load";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "4000" },
    connections: { type: "string", default: "32" },
    pg: { type: "boolean", default: false },
    processes: { type: "string" },
    "soak-seconds": { type: "string", default: "0" },
    "skip-baseline": { type: "boolean", default: false },
    seconds: { type: "string", default: "10" },
    "offered-rate": { type: "string", default: "1000" },
    "cpu-prof": { type: "string" },
  },
});
const SHOP = "bench-shop.myshopify.com";
const SECRET = "bench-secret";
const CONNECTIONS = Number(values.connections);
const processCounts = (values.processes ?? (values.pg ? "1,2,4" : "1")).split(",").map(Number);

// The issues' targets on this 2-core machine: SQLite, and PostgreSQL with two app processes.
const TARGET_SQLITE = 6000;
const TARGET_PG_TWO_PROCESSES = 3000;
let wrkResults: Workload[] = [];

type Prepared = { body: string; headers: Record<string, string>; orderId: string };

function prepare(deliveries: readonly WebhookDelivery[], runId: string): Prepared[] {
  return deliveries.map((d, i) => {
    const body = JSON.stringify(d.payload);
    const payload = d.payload as { order_id?: unknown; id?: unknown };
    return { body, headers: webhookHeaders({ ...d, webhookId: `${runId}-${i}` }, SHOP, body, SECRET), orderId: String(payload.order_id ?? payload.id) };
  });
}

// undici's pool rather than node:http's client: the load generator shares the two cores with the
// server, and node:http's client took about 105 µs of CPU per webhook against undici's 75.
const pools = new Map<number, Pool>();
const poolFor = (port: number) => {
  let pool = pools.get(port);
  if (!pool) pools.set(port, (pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS, pipelining: 1 })));
  return pool;
};

async function post(port: number, item: Prepared): Promise<number> {
  const { statusCode, body } = await poolFor(port).request({ path: "/webhooks", method: "POST", headers: item.headers, body: item.body });
  await body.dump();
  return statusCode;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(ports: number[], items: readonly Prepared[]) {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      while (next < items.length) {
        const item = items[next++];
        const t0 = process.hrtime.bigint();
        const status = await post(ports[worker % ports.length], item);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { rate: items.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, seconds };
}

/** Time from sending a webhook to the support API answering with the status it caused. */
async function eventToReadable(port: number, items: readonly Prepared[], apiKey: string) {
  const times: number[] = [];
  for (const item of items.filter((i) => /^\d+$/.test(i.orderId))) {
    const t0 = process.hrtime.bigint();
    if ((await post(port, item)) !== 200) continue;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/orders/${item.orderId}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      await res.text();
      if (res.status === 200) {
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        break;
      }
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** CPU seconds a process has used so far, all its threads (user + system). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  // The command name (field 2) may hold spaces; the fields after it are fixed.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Throughput on a shared 2-core machine moves by a third from run to run; CPU time per webhook
 * barely moves, so it is what shows whether a change made the intake cheaper.
 */
async function measured<T>(pids: Array<number | undefined>, count: number, work: () => Promise<T>) {
  const before = pids.map(cpuSeconds);
  const postgresBefore = values.pg ? postgresCpuSeconds() : 0;
  const ownBefore = process.cpuUsage();
  const result = await work();
  const server = pids.map(cpuSeconds).reduce((sum, after, i) => sum + after - before[i], 0);
  const own = process.cpuUsage(ownBefore);
  const postgres = values.pg ? postgresCpuSeconds() - postgresBefore : 0;
  return { ...result, serverCpuUs: (server * 1e6) / count, loadCpuUs: (own.user + own.system) / count, postgresCpuUs: (postgres * 1e6) / count };
}

/**
 * CPU seconds PostgreSQL has used so far: every process of its user, plus the finished backends the
 * postmaster has reaped (their time is added to its children's fields).
 */
function postgresCpuSeconds(): number {
  const uid = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/status`, "utf8").includes(`\nUid:\t${uid}\t`)) continue;
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ");
      total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return total;
}

/**
 * Shopify's `webhooks.validate` alone, on this thread, as a preparer thread runs it: the part of
 * every webhook's cost that the intake cannot change while it verifies with Shopify's library.
 */
async function validatorCpuUs(items: readonly Prepared[]): Promise<number> {
  dedicateThisThreadToVerification();
  const verify = createWebhookVerifier({ apiKey: "bench", apiSecret: SECRET, previousApiSecret: undefined, appUrl: "http://127.0.0.1" });
  const picked = items.map((item) => {
    const lower = new Map(Object.entries(item.headers).map(([name, value]) => [name.toLowerCase(), value]));
    return pickWebhookHeaders({ get: (name) => lower.get(name) ?? null });
  });
  for (let i = 0; i < Math.min(2000, items.length); i++) await verify(items[i].body, picked[i]);
  const before = process.cpuUsage();
  for (let i = 0; i < items.length; i++) {
    if (!(await verify(items[i].body, picked[i])).ok) throw new Error("the bench's own signature was refused");
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / items.length;
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** The bare baseline server (scripts/lib/baseline-server.mjs) on a port of its own, ready. */
async function startBaseline(dbFile: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "scripts/lib/baseline-server.mjs")], {
    env: { ...process.env, PORT: String(port), DB_FILE: dbFile, SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  return { port, child };
}

async function baseline(items: readonly Prepared[], dbFile: string) {
  const { port, child } = await startBaseline(dbFile);
  try {
    await load([port], items.slice(0, 2000));
    return await measured([child.pid], items.length, () => load([port], items));
  } finally {
    child.kill("SIGTERM");
  }
}

async function scratchDatabase(dir: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const db = values.pg ? await createPostgresDatabase("ot_bench") : { url: `file:${path.join(dir, `${label}.sqlite`)}`, drop: async () => undefined };
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/db.mjs"), "setup"], { env: { ...process.env, DATABASE_URL: db.url }, stdio: "ignore" });
  return db;
}

async function startApps(count: number, databaseUrl: string): Promise<AppProcess[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      startAppProcess({
        port: 20000 + Math.floor(Math.random() * 20000),
        quiet: true,
        // A V8 CPU profile per app process, written when it exits (open in Chrome's DevTools).
        nodeArgs: values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(values["cpu-prof"])}`] : [],
        env: {
          NODE_ENV: "production",
          SHOPIFY_API_KEY: "bench",
          SHOPIFY_API_SECRET: SECRET,
          SHOPIFY_APP_URL: "http://127.0.0.1",
          DATABASE_URL: databaseUrl,
          ENCRYPTION_KEY: randomBytes(32).toString("base64"),
          // The benchmark measures intake, not the per-shop API limit it polls through.
          API_RATE_LIMIT_BURST: "100000",
          API_RATE_LIMIT_PER_SECOND: "100000",
        },
      }),
    ),
  );
}

/**
 * `count` signed fulfillment_events/create webhooks (Shopify's example shape, app/domain/fixtures),
 * spread over `orders` orders from `firstOrder` on, event ids from `firstEvent` on.
 */
function scanWebhooks(count: number, options: { firstOrder: number; orders: number; firstEvent: number; runId: string }): Prepared[] {
  const scan = fixture("single-parcel.event-in-transit");
  const start = Date.now() - 86_400_000;
  const deliveries: WebhookDelivery[] = Array.from({ length: count }, (_, i) => {
    const orderId = options.firstOrder + (i % options.orders);
    const at = new Date(start + i * 10).toISOString();
    return {
      topic: "fulfillment_events/create",
      webhookId: `${options.runId}-${i}`,
      eventId: `${options.runId}-e${i}`,
      triggeredAt: at,
      deliveredAt: at,
      payload: { ...scan, id: options.firstEvent + i, order_id: orderId, fulfillment_id: orderId + 10_000_000, happened_at: at, created_at: at, updated_at: at },
    };
  });
  return prepare(deliveries, options.runId);
}

const WORKLOAD_RATE_CAP = 6000;
const GROWN_ORDERS = 200;
const GROWN_EVENTS = 200;

type Workload = { name: string; result: WrkResult & { serverCpuUs: number } };

/**
 * The three workloads of the intake on SQLite, each for `seconds` at full rate from wrk, and the app
 * at a constant offered rate. Requests are prepared for the most the machine could take, so wrk never
 * runs out (it would say so).
 */
async function wrkWorkloads(app: AppProcess, seconds: number): Promise<Workload[]> {
  const port = Number(new URL(app.url).port);
  const pids = [app.child.pid!];
  const enough = WORKLOAD_RATE_CAP * seconds;
  const run = async (name: string, items: Prepared[], offeredRate?: number): Promise<Workload> => ({
    name,
    result: await wrkLoad(port, items, { connections: CONNECTIONS, seconds, offeredRate, serverPids: pids }),
  });
  const tag = () => randomBytes(4).toString("hex");
  const workloads: Workload[] = [];
  workloads.push(await run("fresh orders (one scan each)", scanWebhooks(enough, { firstOrder: 10_000_000, orders: enough, firstEvent: 50_000_000, runId: `fresh-${tag()}` })));
  // Orders that already hold 200 events each, seeded through the intake before the measured run.
  await load([port], scanWebhooks(GROWN_ORDERS * GROWN_EVENTS, { firstOrder: 20_000_000, orders: GROWN_ORDERS, firstEvent: 60_000_000, runId: `seed-${tag()}` }));
  workloads.push(await run(`orders holding ${GROWN_EVENTS} events`, scanWebhooks(enough, { firstOrder: 20_000_000, orders: GROWN_ORDERS, firstEvent: 70_000_000, runId: `grown-${tag()}` })));
  const mix = simulateStore({ shop: SHOP, orders: Math.ceil(enough / 5), now: new Date(), seed: 21, firstOrderNumber: 3_000_000 });
  workloads.push(await run("realistic topic mix", prepare(mix.deliveries, `mix-${tag()}`)));
  const offered = Number(values["offered-rate"]);
  workloads.push(await run(`open loop, ${offered}/s offered`, scanWebhooks(offered * seconds * 2, { firstOrder: 30_000_000, orders: offered * seconds * 2, firstEvent: 80_000_000, runId: `open-${tag()}` }), offered));
  return workloads;
}

async function wrkBaseline(dbFile: string, seconds: number): Promise<WrkResult & { serverCpuUs: number }> {
  const { port, child } = await startBaseline(dbFile);
  try {
    const items = scanWebhooks(WORKLOAD_RATE_CAP * 4 * seconds, { firstOrder: 10_000_000, orders: 1_000_000, firstEvent: 90_000_000, runId: `base-${randomBytes(4).toString("hex")}` });
    return await wrkLoad(port, items, { connections: CONNECTIONS, seconds, serverPids: [child.pid!] });
  } finally {
    child.kill("SIGTERM");
  }
}

const describeRun = (r: WrkResult & { serverCpuUs: number }) =>
  `${r.rate.toFixed(0)} webhooks/s, ack p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, server CPU ${r.serverCpuUs.toFixed(0)} µs/webhook, wrk ${r.generatorCpuUs.toFixed(1)} µs${r.errors ? `, ${r.errors} errors` : ""}${r.exhausted ? ", RAN OUT of prepared requests" : ""}`;

async function run(processes: number, dir: string) {
  const db = await scratchDatabase(dir, `bench-${processes}`);
  const apps = await startApps(processes, db.url);
  const ports = apps.map((a) => Number(new URL(a.url).port));
  const prisma = createPrismaClient(db.url);
  try {
    const apiKey = (await createApiKey(prisma, SHOP, "bench", ["orders:read"])).secret;
    await load(ports, prepare(simulateStore({ shop: SHOP, orders: 300, now: new Date(), seed: 99, firstOrderNumber: 900_000 }).deliveries, `warm-${randomBytes(4).toString("hex")}`));
    // A running PostgreSQL has statistics (autovacuum analyzes tables as they grow); this database is
    // seconds old and has none, so the planner would scan whole shops where it should look up orders.
    if (values.pg) await prisma.$executeRawUnsafe("ANALYZE");
    const store = simulateStore({ shop: SHOP, orders: Number(values.orders), now: new Date(), seed: 7 });
    const ours = await measured(
      apps.map((a) => a.child.pid),
      store.deliveries.length,
      () => load(ports, prepare(store.deliveries, `run-${randomBytes(4).toString("hex")}`)),
    );
    const readable = await eventToReadable(
      ports[0],
      prepare(simulateStore({ shop: SHOP, orders: 60, now: new Date(), seed: 11, firstOrderNumber: 800_000 }).deliveries, `etr-${randomBytes(4).toString("hex")}`),
      apiKey,
    );
    console.log(
      `${values.pg ? "PostgreSQL" : "SQLite"}, ${processes} process${processes > 1 ? "es" : ""}: ${ours.rate.toFixed(0)} webhooks/s over ${store.deliveries.length}, ack p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms, event-to-readable p50 ${readable.p50.toFixed(2)} ms, p99 ${readable.p99.toFixed(2)} ms, server CPU ${ours.serverCpuUs.toFixed(0)} µs/webhook${values.pg ? `, PostgreSQL ${ours.postgresCpuUs.toFixed(0)} µs` : ""}, load generator ${ours.loadCpuUs.toFixed(0)} µs, RSS ${apps.map((a) => rssMiB(a.child.pid).toFixed(0)).join("/")} MiB, statuses ${JSON.stringify(ours.statuses)}`,
    );

    if (!values.pg && processes === 1 && wrkAvailable()) {
      console.log(`wrk workloads, ${values.seconds} s each, ${CONNECTIONS} connections:`);
      const workloads = await wrkWorkloads(apps[0]!, Number(values.seconds));
      for (const w of workloads) console.log(`  ${w.name}: ${describeRun(w.result)}`);
      wrkResults = workloads;
    }

    const soakSeconds = Number(values["soak-seconds"]);
    if (soakSeconds > 0) {
      const until = Date.now() + soakSeconds * 1000;
      let round = 0;
      console.log(`soak: ${soakSeconds} s at full rate, RSS per minute:`);
      let nextReport = Date.now();
      while (Date.now() < until) {
        // Fresh orders every round: a store keeps taking new orders, not ever more events on the same ones.
        const soakStore = simulateStore({ shop: SHOP, orders: 2000, now: new Date(), seed: 13 + round, firstOrderNumber: 2_000_000 + round * 2000 });
        const result = await load(ports, prepare(soakStore.deliveries, `soak-${round++}-${randomBytes(3).toString("hex")}`));
        if (Date.now() >= nextReport) {
          console.log(`  ${new Date().toISOString()} ${result.rate.toFixed(0)} webhooks/s, RSS ${apps.map((a) => rssMiB(a.child.pid).toFixed(0)).join("/")} MiB`);
          nextReport = Date.now() + 60_000;
        }
      }
    }
    const target = values.pg ? TARGET_PG_TWO_PROCESSES : TARGET_SQLITE;
    const usedUs = ours.serverCpuUs + ours.loadCpuUs + ours.postgresCpuUs;
    console.log(
      `  CPU per webhook: ${usedUs.toFixed(0)} µs (server ${ours.serverCpuUs.toFixed(0)}${values.pg ? ` + PostgreSQL ${ours.postgresCpuUs.toFixed(0)}` : ""} + load generator ${ours.loadCpuUs.toFixed(0)}); the target of ${target.toLocaleString("en")} webhooks/s${values.pg ? " (with two processes)" : ""} on ${os.cpus().length} cores allows ${((os.cpus().length * 1e6) / target).toFixed(0)} µs`,
    );
    return ours;
  } finally {
    await prisma.$disconnect();
    await Promise.all(apps.map((a) => a.stop()));
    await db.drop();
  }
}

async function main() {
  if (!existsSync(path.join(PROJECT_ROOT, "build/server/index.js"))) throw new Error("Run `npm run build` first.");
  const dir = mkdtempSync(path.join(os.tmpdir(), "ot-bench-"));
  try {
    console.log(`Intake benchmark: ${CONNECTIONS} connections, ${os.cpus().length} cores, ${values.orders} simulated orders`);
    const results = new Map<number, Awaited<ReturnType<typeof run>>>();
    for (const count of processCounts) results.set(count, await run(count, dir));
    const single = results.get(1);
    const validatorUs = await validatorCpuUs(prepare(simulateStore({ shop: SHOP, orders: 1000, now: new Date(), seed: 7 }).deliveries, `validator-${randomBytes(4).toString("hex")}`));
    console.log(`Shopify's webhook validator alone: ${validatorUs.toFixed(0)} µs of CPU per webhook`);
    // A ceiling, not a forecast: the machine's CPU divided by what every webhook costs before our own
    // code does anything (the check, the load generator's side, and bare HTTP plus one write).
    const ceiling = (floorUs: number) => ((os.cpus().length * 1e6) / floorUs).toFixed(0);
    if (!values.pg && !values["skip-baseline"] && wrkResults.length > 0) {
      const base = await wrkBaseline(path.join(dir, "wrk-baseline.sqlite"), Number(values.seconds));
      console.log(`wrk baseline (node:http + HMAC + one SQLite insert): ${describeRun(base)}`);
      const [fresh, grown] = wrkResults;
      console.log(
        `wrk ratios: fresh orders ${(fresh!.result.rate / base.rate).toFixed(2)}× the baseline (target 0.35); orders holding ${GROWN_EVENTS} events ${(grown!.result.rate / fresh!.result.rate).toFixed(2)}× fresh orders (target 0.9)`,
      );
    } else if (!values.pg && !wrkAvailable()) {
      console.log("wrk not found: install Debian's `wrk` package (apt-get install wrk) for the workloads measured with it");
    }
    if (!values.pg && !values["skip-baseline"] && single) {
      const store = simulateStore({ shop: SHOP, orders: Number(values.orders), now: new Date(), seed: 7 });
      const base = await baseline(prepare(store.deliveries, `base-${randomBytes(4).toString("hex")}`), path.join(dir, "baseline.sqlite"));
      // The load generator is one thread: when its CPU per webhook times the rate nears one core, the
      // baseline's figure is the generator's limit, not the bare server's.
      console.log(
        `baseline (node:http + HMAC + one SQLite insert): ${base.rate.toFixed(0)} webhooks/s, ack p50 ${base.p50.toFixed(2)} ms, p99 ${base.p99.toFixed(2)} ms, server CPU ${base.serverCpuUs.toFixed(0)} µs/webhook, load generator ${base.loadCpuUs.toFixed(0)} µs (${((base.rate * base.loadCpuUs) / 1e4).toFixed(0)} % of a core)`,
      );
      console.log(`ratio: ${(single.rate / base.rate).toFixed(2)}`);
      const floorUs = validatorUs + single.loadCpuUs + base.serverCpuUs;
      console.log(
        `ceiling with Shopify's validator on ${os.cpus().length} cores: ${ceiling(floorUs)} webhooks/s (validator ${validatorUs.toFixed(0)} + load generator ${single.loadCpuUs.toFixed(0)} + bare baseline server ${base.serverCpuUs.toFixed(0)} µs per webhook)`,
      );
    }
    if (values.pg) {
      for (const [count, result] of results) {
        const floorUs = validatorUs + result.loadCpuUs + result.postgresCpuUs;
        console.log(
          `ceiling with Shopify's validator, ${count} process${count > 1 ? "es" : ""}, on ${os.cpus().length} cores: ${ceiling(floorUs)} webhooks/s (validator ${validatorUs.toFixed(0)} + load generator ${result.loadCpuUs.toFixed(0)} + PostgreSQL ${result.postgresCpuUs.toFixed(0)} µs per webhook)`,
        );
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((pool) => pool.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
