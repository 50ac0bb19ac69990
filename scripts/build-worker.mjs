// Bundles the worker threads next to the Remix server build: webhook preparation
// (app/intake/webhook-preparer-pool.server.ts) and SQLite checkpoints (sqlite-connection.server.ts).
// Dependencies stay in node_modules, as for the server.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: {
    "webhook-preparer.worker": path.join(root, "app/intake/webhook-preparer.worker.ts"),
    "sqlite-checkpointer.worker": path.join(root, "app/store/event-log/sqlite-checkpointer.worker.ts"),
  },
  outdir: path.join(root, "build/server"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
