// Bundles the webhook preparation thread next to the Remix server build (see
// app/intake/webhook-preparer-pool.server.ts). Dependencies stay in node_modules, as for the server.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [path.join(root, "app/intake/webhook-preparer.worker.ts")],
  outfile: path.join(root, "build/server/webhook-preparer.worker.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
