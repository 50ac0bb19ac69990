// `npm test`: everything, in the order that fails fastest. Each step runs even if an earlier one
// failed, so one run shows every problem; the exit code is non-zero if any step failed.
import { spawnSync } from "node:child_process";

const steps = [
  ["typecheck", "npx", ["tsc", "--noEmit"]],
  // Customer account UI extensions compile with Preact's JSX and Shopify's types, each under its own tsconfig.
  ["typecheck extensions: order status page", "npx", ["tsc", "--noEmit", "-p", "extensions/order-status-page"]],
  ["typecheck extensions: order index page", "npx", ["tsc", "--noEmit", "-p", "extensions/order-index-page"]],
  ["unit (domain, contract, GraphQL schema, theme-check, schema drift, UI extensions)", "npx", ["vitest", "run", "--project", "unit"]],
  ["build", "npm", ["run", "build"]],
  ["integration on SQLite", "npx", ["vitest", "run", "--project", "integration"], { TEST_DATABASE: "sqlite" }],
  ["integration on PostgreSQL", "npx", ["vitest", "run", "--project", "integration"], { TEST_DATABASE: "postgresql" }],
  ["browser (chromium)", "npx", ["vitest", "run", "--project", "browser"]],
];

const only = process.argv.slice(2);
const results = [];
for (const [name, command, args, env] of steps) {
  if (only.length && !only.some((o) => name.startsWith(o))) continue;
  console.log(`\n━━ ${name}`);
  const started = Date.now();
  const run = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  results.push({ name, ok: run.status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}

console.log("\n━━ summary");
for (const r of results) console.log(`${r.ok ? "pass" : "FAIL"}  ${r.seconds.padStart(6)} s  ${r.name}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
