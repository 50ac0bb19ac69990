// Entry of the SQLite checkpoint thread, bundled on its own by scripts/build-worker.mjs.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

export type CheckpointerOptions = { file: string; intervalMs: number };

const { file, intervalMs } = workerData as CheckpointerOptions;
// Never waits: a checkpoint that finds another one running simply tries again next time.
const db = new Database(file, { timeout: 0 });
db.pragma("synchronous = NORMAL");

setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    parentPort?.postMessage({ failed: error instanceof Error ? error.name : "unknown error" });
  }
}, intervalMs);
