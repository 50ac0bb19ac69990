#!/usr/bin/env node
// `npm run deploy [-- <shopify app deploy flags>]`: `shopify app deploy`, refused while the customer
// account extensions would be bundled without the app's URL or with another one. Shopify CLI writes
// APP_URL into their bundles from the shell's environment, else from the app's .env; bundled
// without it they stay empty, and with a stale host they ask a server that is not the app.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A URL compared without a trailing slash, which the extensions drop before joining paths. */
const comparable = (url) => url.replace(/\/+$/, "");

/**
 * Why deploying now would ship extensions that cannot reach the app, or null when nothing stops it.
 * `shell` is the process environment and `dotenv` the app's .env; the shell wins, as in the CLI.
 * @param {{shell: Record<string, string | undefined>, dotenv: Record<string, string | undefined>}} sources
 * @returns {string | null}
 */
export function deployProblem({ shell, dotenv }) {
  const appUrl = shell.APP_URL || dotenv.APP_URL;
  if (!appUrl) {
    return "APP_URL is not set: put APP_URL=https://<the app's host> in .env (the value of SHOPIFY_APP_URL), or the customer account extensions are deployed without the app's URL and show nothing.";
  }
  if (shell.APP_URL && dotenv.APP_URL && comparable(shell.APP_URL) !== comparable(dotenv.APP_URL)) {
    return `APP_URL in the shell (${shell.APP_URL}) overrides the one in .env (${dotenv.APP_URL}): unset it in the shell or make them equal.`;
  }
  let parsed;
  try {
    parsed = new URL(appUrl);
  } catch {
    return `APP_URL (${appUrl}) is not a URL.`;
  }
  // Customer account pages are served over https: a plain http fetch from them is blocked.
  if (parsed.protocol !== "https:") return `APP_URL (${appUrl}) must be an https URL.`;
  const shopifyAppUrl = shell.SHOPIFY_APP_URL || dotenv.SHOPIFY_APP_URL;
  if (shopifyAppUrl && comparable(shopifyAppUrl) !== comparable(appUrl)) {
    return `APP_URL (${appUrl}) differs from SHOPIFY_APP_URL (${shopifyAppUrl}): the extensions would ask another host than the app's.`;
  }
  return null;
}

function readDotenv() {
  const file = path.join(ROOT, ".env");
  return existsSync(file) ? parseEnv(readFileSync(file, "utf8")) : {};
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = deployProblem({ shell: process.env, dotenv: readDotenv() });
  if (problem) {
    console.error(`npm run deploy: ${problem}`);
    process.exit(1);
  }
  const run = spawnSync("npx", ["shopify", "app", "deploy", ...process.argv.slice(2)], { stdio: "inherit", cwd: ROOT });
  process.exit(run.status ?? 1);
}
