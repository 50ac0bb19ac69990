// `npm run bench:intake`: signed webhooks with unique ids and a realistic topic mix against the
// production build, 32 concurrent connections; reports webhooks/s, ack p50/p99, event-to-readable
// p99, and the same load against a bare baseline (node:http + HMAC check + one SQLite insert).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { simulateStore, type WebhookDelivery } from "../app/demo/simulated-store";
import { createPrismaClient } from "../app/db.server";
import { createApiKey } from "../app/store/api-keys.server";
import { PROJECT_ROOT, startAppProcess } from "./lib/app-process";
import { webhookHeaders } from "./lib/webhook-sender";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "4000" },
    connections: { type: "string", default: "32" },
    pg: { type: "boolean", default: false },
    "skip-baseline": { type: "boolean", default: false },
  },
});
const SHOP = "bench-shop.myshopify.com";
const SECRET = "bench-secret";
const CONNECTIONS = Number(values.connections);

type Prepared = { body: string; headers: Record<string, string>; orderId: string };

function prepare(deliveries: readonly WebhookDelivery[], runId: string): Prepared[] {
  return deliveries.map((d, i) => {
    const body = JSON.stringify(d.payload);
    const unique = { ...d, webhookId: `${runId}-${i}` };
    return { body, headers: webhookHeaders(unique, SHOP, body, SECRET), orderId: String((d.payload as { order_id?: unknown; id?: unknown }).order_id ?? (d.payload as { id?: unknown }).id) };
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function post(port: number, item: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path: "/webhooks", method: "POST", agent, headers: { ...item.headers, "Content-Length": Buffer.byteLength(item.body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(item.body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(port: number, items: readonly Prepared[]) {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < items.length) {
        const item = items[next++];
        const t0 = process.hrtime.bigint();
        const status = await post(port, item);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { rate: items.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, seconds };
}

/** Time from sending a webhook to the support API showing the status it caused, sampled under load. */
async function eventToReadable(port: number, items: readonly Prepared[], apiKey: string, samples: number) {
  const times: number[] = [];
  for (const item of items.slice(0, samples)) {
    const t0 = process.hrtime.bigint();
    const status = await post(port, item);
    if (status !== 200) continue;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/orders/${item.orderId}`, { headers: { Authorization: `Bearer ${apiKey}` } });
      await res.text();
      if (res.status === 200) break;
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function baseline(items: readonly Prepared[], dbFile: string) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "scripts/lib/baseline-server.mjs")], {
    env: { ...process.env, PORT: String(port), DB_FILE: dbFile, SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
  try {
    await load(port, items.slice(0, 2000));
    return await load(port, items);
  } finally {
    child.kill("SIGTERM");
  }
}

async function main() {
  if (!existsSync(path.join(PROJECT_ROOT, "build/server/index.js"))) throw new Error("Run `npm run build` first.");
  const dir = mkdtempSync(path.join(os.tmpdir(), "ot-bench-"));
  const databaseUrl = values.pg ? (process.env.BENCH_DATABASE_URL ?? "") : `file:${path.join(dir, "bench.sqlite")}`;
  if (values.pg && !databaseUrl) throw new Error("--pg needs BENCH_DATABASE_URL (a scratch PostgreSQL database)");
  const { execFileSync } = await import("node:child_process");
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, "scripts/db.mjs"), "setup"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "ignore" });

  const store = simulateStore({ shop: SHOP, orders: Number(values.orders), now: new Date(), seed: 7 });
  const warm = prepare(simulateStore({ shop: SHOP, orders: 300, now: new Date(), seed: 99, firstOrderNumber: 900_000 }).deliveries, `warm-${randomBytes(4).toString("hex")}`);
  const items = prepare(store.deliveries, `run-${randomBytes(4).toString("hex")}`);
  const topics = new Map<string, number>();
  for (const d of store.deliveries) topics.set(d.topic, (topics.get(d.topic) ?? 0) + 1);

  const app = await startAppProcess({
    port: 20000 + Math.floor(Math.random() * 20000),
    quiet: true,
    env: {
      NODE_ENV: "production",
      SHOPIFY_API_KEY: "bench",
      SHOPIFY_API_SECRET: SECRET,
      SHOPIFY_APP_URL: "http://127.0.0.1",
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    },
  });
  const port = Number(new URL(app.url).port);
  const db = createPrismaClient(databaseUrl);
  const apiKey = (await createApiKey(db, SHOP, "bench")).secret;
  try {
    await load(port, warm);
    const ours = await load(port, items);
    const readable = await eventToReadable(port, prepare(simulateStore({ shop: SHOP, orders: 100, now: new Date(), seed: 11, firstOrderNumber: 800_000 }).deliveries, `etr-${randomBytes(4).toString("hex")}`), apiKey, 300);
    const rss = await fetch(`${app.url}/healthz`).then(() => undefined);
    void rss;
    console.log(`\nIntake benchmark (${values.pg ? "PostgreSQL" : "SQLite"}), ${items.length} webhooks, ${CONNECTIONS} connections`);
    console.log(`topic mix: ${[...topics].map(([t, n]) => `${t} ${n}`).join(", ")}`);
    console.log(`ours:      ${ours.rate.toFixed(0)} webhooks/s, ack p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms, statuses ${JSON.stringify(ours.statuses)}`);
    console.log(`event-to-readable: p50 ${readable.p50.toFixed(2)} ms, p99 ${readable.p99.toFixed(2)} ms`);
    if (!values["skip-baseline"]) {
      const base = await baseline(items, path.join(dir, "baseline.sqlite"));
      console.log(`baseline:  ${base.rate.toFixed(0)} webhooks/s, ack p50 ${base.p50.toFixed(2)} ms, p99 ${base.p99.toFixed(2)} ms (node:http + HMAC + one SQLite insert)`);
      console.log(`ratio:     ${(ours.rate / base.rate).toFixed(2)}`);
    }
  } finally {
    await db.$disconnect();
    await app.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
