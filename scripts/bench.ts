// `npm run bench`: the benchmarks with their issue targets, one after the other, on the production build.
// bench:dashboard (a 1,000,000-order data set) is separate: `npm run bench:dashboard`.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "./lib/app-process";

const tsx = path.join(PROJECT_ROOT, "node_modules/.bin/tsx");
const runs: Array<[string, string[]]> = [
  ["Webhook intake, SQLite (target ≥ 6,000/s, ack p99 ≤ 15 ms, ratio ≥ 0.3)", ["scripts/bench-intake.ts"]],
  ["Webhook intake, PostgreSQL with 1, 2 and 4 processes (target ≥ 3,000/s with 2)", ["scripts/bench-intake.ts", "--pg"]],
  ["Storefront lookup (target p99 < 20 ms at 200 requests/s)", ["scripts/bench-lookup.ts"]],
];
execFileSync("npm", ["run", "build"], { cwd: PROJECT_ROOT, stdio: "ignore" });
for (const [title, args] of runs) {
  console.log(`\n== ${title}`);
  execFileSync(tsx, args, { cwd: PROJECT_ROOT, stdio: "inherit" });
}
