// Entry of the SQLite checkpoint thread, bundled on its own by scripts/build-worker.mjs.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";

export type CheckpointerOptions = { file: string; intervalMs: number };

const { file, intervalMs } = workerData as CheckpointerOptions;
// Never waits: a checkpoint that finds another one running simply tries again next time.
const db = new Database(file, { timeout: 0 });
db.pragma("synchronous = NORMAL");

// Reports only changes (a full disk fails every checkpoint until it is freed, ten times a second).
let failing: string | null = null;
setInterval(() => {
  let failure: string | null = null;
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    failure = error instanceof Error ? error.name : "unknown error";
  }
  if (failure !== failing) parentPort?.postMessage({ failed: failure });
  failing = failure;
}, intervalMs);
