// Production server: Remix for pages and APIs, plus a lean path for webhook intake.
// See docs/decisions/005-lean-webhook-path.md for why webhooks skip Remix's request pipeline.
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import compression from "compression";
import express from "express";

// `npm start` is production unless told otherwise (decision 021): Express, Remix and the app's
// configuration all read this, so it is settled before any of them is created.
process.env.NODE_ENV ||= "production";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The configuration is read as the build loads; a refusal is the operator's to fix, so it is said
// plainly rather than as a stack trace.
const build = await import(pathToFileURL(path.join(root, "build/server/index.js")).href).catch((error) => {
  if (error?.name !== "ConfigError") throw error;
  console.error(`Refusing to start: ${error.message}`);
  process.exit(1);
});
const { receiveWebhook, startWorkerThreads, checkDatabase, startJobs, WEBHOOK_BODY_LIMIT, createBodyBudget, UNVERIFIED_BODY_DEADLINE_MS } = build.entry.module;
// Bytes of webhook bodies held before their signature is checked (app/http/body-budget.server.ts).
const unverifiedBodies = createBodyBudget();
// Signature checks, normalisation and SQLite checkpoints run on worker threads; this thread serves
// HTTP and writes.
startWorkerThreads(path.join(root, "build/server"));

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use("/assets", express.static(path.join(root, "build/client/assets"), { immutable: true, maxAge: "1y" }));
app.use(express.static(path.join(root, "build/client"), { maxAge: "1h" }));
// The connection's address reaches routes that key a rate limit on the client (customer account extensions).
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV, getLoadContext: (req) => ({ remoteAddress: req.socket.remoteAddress }) }));

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(body);
}

const bodyError = (status) => Object.assign(new Error(status === 413 ? "body too large" : "request aborted"), { status });

// Over the limit the rest of the body is read and dropped before answering 413: closing on a client
// that is still sending makes it see a broken pipe instead of the answer. Past a hard cap, hang up.
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    // A body trickled in slowly holds its reservation: past the deadline the sender is hung up on.
    const deadline = setTimeout(() => req.destroy(), UNVERIFIED_BODY_DEADLINE_MS);
    req.on("close", () => clearTimeout(deadline));
    const hangUpAt = limit * 8;
    if (Number(req.headers["content-length"] ?? 0) > hangUpAt) {
      req.destroy();
      return reject(bodyError(413));
    }
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > hangUpAt) req.destroy();
      else if (size <= limit) chunks.push(chunk);
    });
    let ended = false;
    req.on("end", () => {
      ended = true;
      if (size > limit) reject(bodyError(413));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
    // Every request closes; only one that closes before its end was aborted. (An Error per
    // request, for a promise already settled, showed up in the intake's CPU profile.)
    req.on("close", () => {
      if (!ended) reject(bodyError(size > limit ? 413 : 400));
    });
  });
}

async function handleWebhook(req, res) {
  const declared = req.headers["content-length"] === undefined ? null : Number(req.headers["content-length"]);
  const release = unverifiedBodies.reserve(declared, WEBHOOK_BODY_LIMIT, req.socket.remoteAddress ?? "");
  if (!release) {
    // Its body is never read: once the answer is out, the connection goes too.
    res.on("finish", () => req.destroy());
    return send(res, 503, "busy, retry", { "Retry-After": "5", Connection: "close" });
  }
  res.on("close", release);
  let rawBody;
  try {
    rawBody = await readBody(req, WEBHOOK_BODY_LIMIT);
  } catch (error) {
    return send(res, error.status ?? 400, error.status === 413 ? "body too large" : "bad request", { Connection: "close" });
  }
  // node lower-cases header names; repeated headers (arrays) are never Shopify's.
  const headers = {
    get: (name) => {
      const value = req.headers[name];
      return typeof value === "string" ? value : null;
    },
  };
  try {
    const answer = await receiveWebhook(rawBody, headers);
    send(res, answer.status, answer.body, answer.headers);
  } catch (error) {
    console.error("webhook intake failed", error instanceof Error ? error.name : "unknown");
    send(res, 500, "internal error");
  }
}

const server = http.createServer((req, res) => {
  const pathname = (req.url ?? "").split("?")[0];
  if (pathname === "/webhooks" && req.method === "POST") return void handleWebhook(req, res);
  if (pathname === "/healthz") {
    return void checkDatabase().then((ok) => send(res, ok ? 200 : 503, ok ? "ok" : "database unavailable"));
  }
  app(req, res);
});
server.keepAliveTimeout = 65_000;

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || "0.0.0.0";
server.listen(port, host, () => {
  // Scheduled work (reconciliation, SFTP pickup, feed matching); see app/jobs/.
  startJobs();
  console.log(`Order truth listening on http://${host === "0.0.0.0" ? "localhost" : host}:${port}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
