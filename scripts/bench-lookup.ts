// `npm run bench:lookup [-- --pg] [--rate 200] [--seconds 30] [--orders 300]`
// Storefront lookups through the app proxy route of the production build, on the demo data set
// (the simulated store seeded through the real webhook intake), signed as Shopify's proxy signs
// them. Open loop: requests leave on a fixed schedule whatever the answers do, and latency counts
// from the scheduled time, so a slow server cannot hide queueing. Mix: 70% found by email, 10%
// wrong email, 10% missing order, 10% signed-in customer's recent orders.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../app/db.server";
import { DEMO_SHOP } from "../app/demo/constants";
import { simulateStore } from "../app/demo/simulated-store";
import { signAppProxyQuery } from "../app/storefront/app-proxy-signature.server";
import { createPostgresDatabase } from "../test/support/database";
import { PROJECT_ROOT, startAppProcess } from "./lib/app-process";
import { sendWebhooks } from "./lib/webhook-sender";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "200" },
    seconds: { type: "string", default: "30" },
    orders: { type: "string", default: "300" },
    pg: { type: "boolean", default: false },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SECRET = "bench-proxy-secret";
const TARGET_P99_MS = 20;

type Kind = "found" | "wrong_email" | "missing" | "recent";
type Planned = { kind: Kind; query: Record<string, string>; customerId: string | null; client: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** GET with no claims (recent orders), else a POST with the claims as JSON, as the block sends them. */
function request(port: number, pathAndQuery: string, client: string, claims: Record<string, string>): Promise<number> {
  const body = Object.keys(claims).length ? JSON.stringify(claims) : null;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "X-Forwarded-For": client };
    if (body) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) });
    const req = http.request({ host: "127.0.0.1", port, path: pathAndQuery, method: body ? "POST" : "GET", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

const fmt = (s: ReturnType<typeof summary>) => `n ${s.n}, p50 ${s.p50.toFixed(2)} ms, p90 ${s.p90.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(2)} ms`;

async function main() {
  if (!existsSync(path.join(PROJECT_ROOT, "build/server/index.js"))) throw new Error("Run `npm run build` first.");
  const dir = mkdtempSync(path.join(os.tmpdir(), "ot-bench-lookup-"));
  const db = values.pg ? await createPostgresDatabase("ot_bench") : { url: `file:${path.join(dir, "bench.sqlite")}`, drop: async () => undefined };
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/db.mjs"), "setup"], { env: { ...process.env, DATABASE_URL: db.url }, stdio: "ignore" });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const app = await startAppProcess({
    port,
    quiet: true,
    env: {
      NODE_ENV: "production",
      SHOPIFY_API_KEY: "bench",
      SHOPIFY_API_SECRET: SECRET,
      SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: db.url,
      ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    },
  });
  const prisma = createPrismaClient(db.url);
  try {
    const store = simulateStore({ shop: DEMO_SHOP, orders: Number(values.orders), now: new Date() });
    const seeded = await sendWebhooks(app.url, DEMO_SHOP, SECRET, store.deliveries, { demoDeliveredAt: true });
    if (seeded.failures.length > 0) throw new Error(`seeding failed: ${seeded.failures[0]}`);
    const customers = (await prisma.order.findMany({ where: { shop: DEMO_SHOP, customerId: { not: null } }, distinct: ["customerId"], select: { customerId: true } })).map((c) => c.customerId!);

    const total = Math.round(RATE * SECONDS);
    const plan = Array.from({ length: total }, (_, i): Planned => {
      const order = store.orders[i % store.orders.length]!;
      // Shoppers come from many addresses, as on a real storefront; each stays within its own limit.
      const client = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const roll = i % 10;
      if (roll === 7) return { kind: "wrong_email", query: { order: order.name, email: `guess${i}@example.com` }, customerId: null, client };
      if (roll === 8) return { kind: "missing", query: { order: `#${900_000 + i}`, email: order.email }, customerId: null, client };
      if (roll === 9) return { kind: "recent", query: {}, customerId: customers[i % customers.length]!, client };
      return { kind: "found", query: { order: order.name, email: order.email }, customerId: null, client };
    });

    const send = (p: Planned) => {
      const params = signAppProxyQuery(new URLSearchParams(), { shop: DEMO_SHOP, secret: SECRET, customerId: p.customerId, pathPrefix: "/apps/order-status" });
      return request(port, `/proxy/lookup?${params}`, p.client, p.query);
    };
    // Warm-up: JIT, prepared statements, connection pool.
    for (const p of plan.slice(0, 300)) await send({ ...p, client: `192.0.2.${Math.floor(Math.random() * 250)}` });

    const byKind = new Map<Kind, number[]>();
    const statuses: Record<string, number> = {};
    const all: number[] = [];
    const started = performance.now();
    await Promise.all(
      plan.map(async (p, i) => {
        const scheduled = started + (i * 1000) / RATE;
        const wait = scheduled - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const status = await send(p);
        const latency = performance.now() - scheduled;
        all.push(latency);
        (byKind.get(p.kind) ?? byKind.set(p.kind, []).get(p.kind)!).push(latency);
        statuses[`${p.kind} ${status}`] = (statuses[`${p.kind} ${status}`] ?? 0) + 1;
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const overall = summary(all);
    console.log(`Storefront lookup benchmark (${values.pg ? "PostgreSQL" : "SQLite"}), ${store.orders.length} demo orders, ${os.cpus().length} cores`);
    console.log(`offered ${RATE} req/s for ${SECONDS} s; achieved ${(total / elapsed).toFixed(0)} req/s`);
    console.log(`all:         ${fmt(overall)}`);
    for (const [kind, latencies] of byKind) console.log(`${kind.padEnd(12)} ${fmt(summary(latencies))}`);
    console.log(`statuses:    ${JSON.stringify(statuses)}`);
    console.log(`p99 ${overall.p99.toFixed(2)} ms ${overall.p99 < TARGET_P99_MS ? "<" : ">="} ${TARGET_P99_MS} ms target: ${overall.p99 < TARGET_P99_MS ? "met" : "MISSED"}`);
    if (overall.p99 >= TARGET_P99_MS) process.exitCode = 1;
  } finally {
    agent.destroy();
    await prisma.$disconnect();
    await app.stop();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
