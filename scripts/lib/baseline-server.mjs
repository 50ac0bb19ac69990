// The bare baseline for bench:intake: node:http, an HMAC check and one SQLite insert per webhook.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import Database from "better-sqlite3";

const db = new Database(process.env.DB_FILE);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec("CREATE TABLE IF NOT EXISTS webhook (id TEXT PRIMARY KEY, topic TEXT, body TEXT, received_at INTEGER)");
const insert = db.prepare("INSERT OR IGNORE INTO webhook (id, topic, body, received_at) VALUES (?, ?, ?, ?)");
const secret = process.env.SECRET;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const expected = createHmac("sha256", secret).update(body).digest();
    const given = Buffer.from(String(req.headers["x-shopify-hmac-sha256"] ?? ""), "base64");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    insert.run(req.headers["x-shopify-webhook-id"], req.headers["x-shopify-topic"], body.toString("utf8"), Date.now());
    res.writeHead(200).end("ok");
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.stdout.write("ready\n"));
