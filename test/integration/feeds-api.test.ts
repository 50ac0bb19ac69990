/**
 * POST /api/v1/feeds/3pl and /api/v1/feeds/carrier on the production server (npm start), end to end:
 * bearer keys, content types, size limits, bad files and rows, and the status the support API then
 * answers, on the database TEST_DATABASE names.
 */
import http from "node:http";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createApiKey, revokeApiKey } from "../../app/store/api-keys.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const HEADER = "order,sku,quantity,carrier,tracking_number,shipped_at";
const TWO_BOX = "5801234567001";
let db: TestDatabase;
let app: AppProcess;
let key: string;
let otherKey: string;

const post = (path: string, body: BodyInit, contentType: string, bearer: string | null = key, extra: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { method: "POST", body, headers: { "Content-Type": contentType, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...extra } });
const postCsv = (csv: BodyInit, bearer: string | null = key) => post("/api/v1/feeds/3pl", csv, "text/csv", bearer);
const postCarrier = (body: unknown, bearer: string | null = key) => post("/api/v1/feeds/carrier", typeof body === "string" ? body : JSON.stringify(body), "application/json", bearer);
const view = async (orderId: string, bearer = key) => (await fetch(`${app.url}/api/v1/orders/${orderId}`, { headers: { Authorization: `Bearer ${bearer}` } })).json();

/**
 * Sends `size` bytes of CSV the way curl does (declared length, or chunked when `declare` is false)
 * and resolves with the answer as soon as it comes, even if the server stops reading before the end.
 */
function sendOversized(size: number, declare: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${app.url}/api/v1/feeds/3pl`);
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "Content-Type": "text/csv", Authorization: `Bearer ${key}`, ...(declare ? { "Content-Length": String(size) } : {}) } },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    // A server that answers before the upload ends closes the connection under the writer (EPIPE);
    // the answer it sent still counts, so give it a moment to arrive.
    req.on("error", (error) => setTimeout(() => reject(error), 2000).unref());
    const chunk = Buffer.from(`${HEADER}\n`.padEnd(64 * 1024, "x"));
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
  key = (await createApiKey(db.prisma, SHOP, "warehouse", ["feeds:write", "orders:read"])).secret;
  otherKey = (await createApiKey(db.prisma, OTHER_SHOP, "other warehouse", ["feeds:write"])).secret;
  for (const [topic, name] of [["orders/create", "two-box-order.create"], ["fulfillments/create", "two-box-order.fulfillment-a.create"]]) {
    const body = JSON.stringify(fixture(name!));
    const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic!, body, { shop: SHOP }), body });
    expect(res.status).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe(`feed API on the production server, ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("imports a CSV body: good rows kept, bad ones reported by line, a re-send changes nothing", async () => {
    const csv = `${HEADER}\n#1001,MHS-M,2,UPS,1ZAPI0001,2026-03-05T10:00:00Z\n#1001,MHS-M,lots,UPS,1ZAPI0002,2026-03-05T10:00:00Z\n#4242,X,1,UPS,1ZAPI0003,2026-03-05T10:00:00Z\n`;
    const res = await postCsv(csv);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    // #4242 is not known yet: it waits for its order and is counted as waiting, not as accepted.
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0, pending: 1, rejected: [{ line: 3, error: 'quantity "lots" is not a whole number' }], rejectedCount: 1 });
    const order = await view(TWO_BOX);
    expect(order.status).toBe("shipped");
    expect(order.sources.map((s: { source: string }) => s.source)).toEqual(expect.arrayContaining(["shopify", "3pl"]));

    const again = await (await postCsv(csv)).json();
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, pending: 0 });
    expect(await view(TWO_BOX)).toEqual(order);
  });

  it("streams a large file within the limit", async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `#${50_000 + i},SKU-${i % 7},1,UPS,1ZBULK${i},2026-03-05T10:00:00Z`);
    const started = performance.now();
    const res = await postCsv(`${HEADER}\n${rows.join("\n")}\n`);
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 0, pending: 20_000, rejectedCount: 0 });
    console.log(`20,000-row 3PL file (${Math.round(rows.join("\n").length / 1024)} KB) imported over HTTP in ${Math.round(ms)} ms`);
  });

  it("answers 413 to a file over the size limit, 415 to other content types and to binary, 400/422 to bad files", async () => {
    for (const declare of [true, false]) {
      const huge = await sendOversized(21 * 1024 * 1024, declare);
      expect(huge.status, declare ? "declared length" : "chunked").toBe(413);
      expect(JSON.parse(huge.body).error).toMatch(/larger than 20 MB/);
    }
    expect((await post("/api/v1/feeds/3pl", `${HEADER}\n`, "application/x-www-form-urlencoded")).status).toBe(415);
    const binary = await postCsv(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x00]));
    expect(binary.status).toBe(415);
    expect(await binary.json()).toEqual({ error: expect.stringMatching(/^this is not a readable Excel workbook \(\.xlsx\)/) });
    const image = await postCsv(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]));
    expect(await image.json()).toEqual({ error: "this is not a CSV file (it contains binary data)" });
    const empty = await postCsv("");
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "the file is empty" });
    const wrongColumns = await postCsv("id,name\n1,a\n");
    expect(wrongColumns.status).toBe(400);
    expect((await wrongColumns.json()).error).toMatch(/^not a 3PL shipment file: missing columns/);
    const allBad = await postCsv(`${HEADER}\n#1001,A,0,UPS,T,2026-03-05\n`);
    expect(allBad.status).toBe(422);
  });

  it("reads the charset the request names, tab-separated reports and Windows' CSV content type", async () => {
    const latin = Buffer.from(`${HEADER}\n#1001,CAFÉ-MUG-01,1,UPS,1ZCHARSET1,2026-03-05T10:00:00Z\n`, "latin1");
    const res = await post("/api/v1/feeds/3pl", latin, "text/csv; charset=windows-1252");
    expect(await res.json()).toMatchObject({ accepted: 1, rejectedCount: 0 });
    const stored = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, source: "3pl", raw: { contains: "1ZCHARSET1" } } });
    expect(JSON.parse(stored.data).lines).toEqual([{ sku: "CAFÉ-MUG-01", quantity: 1 }]);

    const tsv = `${HEADER.replace(/,/g, "\t")}\n#1001\tTRS-42\t1\tUPS\t1ZTSV0001\t2026-03-05T10:00:00Z\n`;
    expect(await (await post("/api/v1/feeds/3pl", tsv, "text/tab-separated-values")).json()).toMatchObject({ accepted: 1 });
    const excel = `${HEADER}\n#1001,TRS-42,1,UPS,1ZXLSCSV1,2026-03-05T10:00:00Z\n`;
    expect(await (await post("/api/v1/feeds/3pl", excel, "application/vnd.ms-excel")).json()).toMatchObject({ accepted: 1 });
  });

  it("imports an .xlsx workbook sent with its content type", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Shipped");
    sheet.addRow(["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"]);
    sheet.addRow([1001, "TRS-42", 1, "UPS", "1ZXLSX0001", new Date(Date.UTC(2026, 2, 5, 10, 0, 0))]);
    const body = Buffer.from(await workbook.xlsx.writeBuffer());
    const res = await post("/api/v1/feeds/3pl", body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejectedCount: 0 });
  });

  it("answers ?dryRun=1 with how the file would be read, and stores nothing", async () => {
    const before = { events: await db.prisma.event.count(), waiting: await db.prisma.pendingFeedItem.count(), imports: await db.prisma.feedImport.count() };
    const csv = `${HEADER}\n#1001,TRS-42,1,UPS,"1ZDRY0001,1ZDRY0002",2026-03-05T10:00:00-05:00\n#7777,X,1,UPS,1ZDRY0003,2026-03-05\nSO-1,X,1,UPS,1ZDRY0004,2026-03-05\n`;
    const res = await post("/api/v1/feeds/3pl?dryRun=1", csv, "text/csv");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      dryRun: true,
      file: { encoding: "utf-8", delimiter: ",", preset: null, dateFormat: "iso", timeZone: "UTC" },
      parcels: [
        { lines: [2], order: "#1001", orderKnown: true, trackingNumbers: ["1ZDRY0001", "1ZDRY0002"], carrier: "UPS", shippedAt: "2026-03-05T15:00:00.000Z", units: 1 },
        { lines: [3], order: "#7777", orderKnown: false },
      ],
      rowsForKnownOrders: 1,
      rowsWaiting: 1,
      rejected: [{ line: 4, error: expect.stringMatching(/^order "SO-1" cannot be one of this shop's orders/) }],
    });
    expect({ events: await db.prisma.event.count(), waiting: await db.prisma.pendingFeedItem.count(), imports: await db.prisma.feedImport.count() }).toEqual(before);
  });

  it("imports with ?previewHash= only the file its preview read", async () => {
    const csv = `${HEADER}\n#1001,TRS-42,1,UPS,1ZHASH0001,2026-03-05T10:00:00Z\n`;
    const { previewHash } = (await (await post("/api/v1/feeds/3pl?dryRun=1", csv, "text/csv")).json()) as { previewHash: string };
    const changed = await post(`/api/v1/feeds/3pl?previewHash=${previewHash}`, csv.replace("1ZHASH0001", "1ZHASH0002"), "text/csv");
    expect(changed.status).toBe(409);
    expect(await changed.json()).toEqual({ error: "the file or the feed's settings changed since the preview; preview the file again" });
    const same = await post(`/api/v1/feeds/3pl?previewHash=${previewHash}`, csv, "text/csv");
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ accepted: 1, rejectedCount: 0 });
  });

  it("refuses a missing, wrong or revoked key with 401, and never writes to another shop", async () => {
    expect((await postCsv(`${HEADER}\n`, null)).status).toBe(401);
    expect((await postCarrier([], "otk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrong")).status).toBe(401);
    const revoked = await createApiKey(db.prisma, SHOP, "old", ["feeds:write"]);
    await revokeApiKey(db.prisma, SHOP, revoked.id, new Date());
    expect((await postCsv(`${HEADER}\n`, revoked.secret)).status).toBe(401);
    expect((await fetch(`${app.url}/api/v1/feeds/3pl`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(405);

    const res = await postCsv(`${HEADER}\n#1001,MHS-M,2,UPS,1ZOTHER1,2026-03-05T10:00:00Z\n`, otherKey);
    expect(await res.json()).toMatchObject({ accepted: 0, pending: 1 });
    expect(await db.prisma.event.count({ where: { shop: SHOP, dedupeKey: { contains: "1ZOTHER1" } } })).toBe(0);
  });

  it("takes carrier updates, one or many, matched by tracking number, unknown numbers kept", async () => {
    const one = await postCarrier({ tracking_number: "7023 2100 3941 4604", status: "OUT_FOR_DELIVERY", happened_at: "2026-03-05T12:00:00Z", location: "Ottawa, ON" });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ accepted: 1, duplicates: 0, pending: 0, rejected: [] });
    const order = await view(TWO_BOX);
    expect(order.shipments.find((s: { trackingNumbers: string[] }) => s.trackingNumbers.includes("7023210039414604")).status).toBe("out_for_delivery");
    expect(order.sources.map((s: { source: string }) => s.source)).toContain("carrier");

    const many = await postCarrier([
      { tracking_number: "1ZAPI0001", status: "Delivered", happened_at: "2026-03-06T12:00:00Z", carrier: "UPS" },
      { tracking_number: "NOT-SHIPPED-YET", status: "InTransit", happened_at: "2026-03-06T12:00:00Z" },
      { tracking_number: "1ZAPI0001", status: "Teleported", happened_at: "2026-03-06T12:00:00Z" },
      { tracking_number: "7023210039414604", status: "out_for_delivery", happened_at: "2026-03-05T12:00:00Z" },
    ]);
    expect(many.status).toBe(200);
    expect(await many.json()).toEqual({ accepted: 2, duplicates: 1, pending: 1, rejected: [{ index: 2, error: 'status: "Teleported" is not a known shipment status' }] });
  });

  it("writes feeds and webhooks arriving at the same moment without either failing", async () => {
    const parcel = fixture("single-parcel.create");
    const webhooks = Array.from({ length: 30 }, (_, i) => {
      const body = JSON.stringify({ ...parcel, id: 7_700_000 + i, name: `#${7700 + i}` });
      return fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders("orders/create", body, { shop: SHOP }), body });
    });
    const files = Array.from({ length: 10 }, (_, i) => postCsv(`${HEADER}\n#${7700 + i},IJ-M-BLK,1,DHL,CONC${i},2026-03-05T10:00:00Z\n#1001,TRS-42,1,UPS,CONCA${i},2026-03-05T10:00:00Z\n`));
    const scans = Array.from({ length: 10 }, (_, i) => postCarrier({ tracking_number: `CONCA${i}`, status: "in_transit", happened_at: "2026-03-05T12:00:00Z" }));
    const statuses = (await Promise.all([...webhooks, ...files, ...scans])).map((r) => r.status);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it("answers clearly to bodies that are not carrier updates", async () => {
    expect((await postCarrier("{not json")).status).toBe(400);
    expect((await postCarrier([])).status).toBe(400);
    const bad = await postCarrier({ tracking_number: "X1", status: "delivered" });
    expect(bad.status).toBe(422);
    expect((await bad.json()).rejected[0].error).toMatch(/happened_at/);
    expect((await post("/api/v1/feeds/carrier", "a,b", "text/csv")).status).toBe(415);
    expect((await postCarrier(JSON.stringify([{ pad: "x".repeat(512 * 1024) }, { pad: "x".repeat(512 * 1024) }]))).status).toBe(413);
  });
});
