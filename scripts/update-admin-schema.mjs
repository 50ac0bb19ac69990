#!/usr/bin/env node
// Refreshes graphql/admin-<version>.schema.json.gz from the introspection files that
// @shopify/dev-mcp publishes on npm. Shopify's schema endpoint is not reachable from CI
// or the dev machines (npm is), and installing dev-mcp would pull its whole tree into
// the project for one data file, so the package is only packed and one file is taken.
//
// Usage: node scripts/update-admin-schema.mjs [apiVersion] [--package-version x.y.z]
//   apiVersion defaults to 2026-07; package version defaults to the one the current
//   file came from. Needs `npm` and `tar` on PATH.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { buildClientSchema } from "graphql";

const DEFAULT_API_VERSION = "2026-07";
const DEFAULT_PACKAGE_VERSION = "1.16.0";

function parseArgs(argv) {
  let apiVersion = DEFAULT_API_VERSION;
  let packageVersion = DEFAULT_PACKAGE_VERSION;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--package-version") {
      packageVersion = argv[++i];
      if (!packageVersion) throw new Error("--package-version needs a value");
    } else if (arg === "-h" || arg === "--help") {
      console.log("usage: node scripts/update-admin-schema.mjs [apiVersion] [--package-version x.y.z]");
      process.exit(0);
    } else {
      apiVersion = arg;
    }
  }
  // The version ends up in a tar member path and in our file name; refuse anything odd.
  if (!/^(\d{4}-\d{2}|unstable)$/.test(apiVersion)) {
    throw new Error(`API version must look like 2026-07 or "unstable", got "${apiVersion}"`);
  }
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(packageVersion)) {
    throw new Error(`package version must be exact semver, got "${packageVersion}"`);
  }
  return { apiVersion, packageVersion };
}

function main() {
  const { apiVersion, packageVersion } = parseArgs(process.argv.slice(2));
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const target = path.join(root, "graphql", `admin-${apiVersion}.schema.json.gz`);
  const member = `package/dist/data/admin_${apiVersion}.json.gz`;

  const work = mkdtempSync(path.join(tmpdir(), "admin-schema-"));
  try {
    const spec = `@shopify/dev-mcp@${packageVersion}`;
    console.log(`packing ${spec} ...`);
    execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", work], {
      stdio: ["ignore", "ignore", "inherit"],
      shell: process.platform === "win32",
    });
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new Error(`npm pack produced no tarball in ${work}`);

    try {
      execFileSync("tar", ["-xzf", path.join(work, tarball), "-C", work, member], { stdio: "inherit" });
    } catch {
      throw new Error(`${spec} has no ${member}; pick another --package-version or API version`);
    }

    const gz = readFileSync(path.join(work, member));
    // Check before overwriting: a truncated or non-introspection file would otherwise only
    // surface later as a confusing test failure.
    const introspection = JSON.parse(gunzipSync(gz).toString("utf8"));
    const schema = buildClientSchema(introspection.data ?? introspection);
    if (!schema.getQueryType()?.getFields().shop) {
      throw new Error("introspection has no QueryRoot.shop; not an Admin API schema?");
    }

    writeFileSync(target, gz);
    const size = statSync(target).size;
    console.log(`wrote ${path.relative(root, target)} (${(size / 1024).toFixed(0)} KiB gzipped) from ${spec}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
