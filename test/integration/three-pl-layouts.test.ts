/**
 * 3PL files laid out as shipping tools, marketplaces and warehouses document their exports, in the
 * encodings and delimiters they come in, through the real parser, matcher and event-log writer on the
 * database TEST_DATABASE names. The sample files are written here from the layouts' published field
 * lists; every one either imports with the right parcels, dates and orders, or rejects rows by reason.
 */
import ExcelJS from "exceljs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverOnce } from "../../app/domain/fixtures/load";
import { matchPendingItems, type FeedDeps } from "../../app/sources/feed-delivery.server";
import { importThreePlFile, previewThreePlFile } from "../../app/sources/three-pl/import.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { replayAll } from "../../app/store/replay.server";
import type { TestDatabase } from "../support/database";
import { feedDatabase, type FeedDatabase } from "../support/feed-database";

const SHOP = "layouts-shop.myshopify.com";
const TWO_BOX = "5801234567001"; // #1001: TRS-42 x1, MHS-M x2; Shopify parcels 7023210039414604 (TRS-42), 7023210039414611 (MHS-M x2)
const PARCEL = "5801234567006"; // #1006: IJ-M-BLK x1
const NOW = new Date("2026-11-25T12:00:00.000Z");

let db: TestDatabase;
let writer: SqlWriterConnection;
let deps: FeedDeps;

let feeds: FeedDatabase;
beforeAll(async () => {
  feeds = await feedDatabase();
  ({ db, writer, deps } = feeds);
});
afterAll(async () => feeds?.stop());
beforeEach(async () => {
  await feeds.clear();
});

async function webhook(topic: string, name: string) {
  const events = deliverOnce(topic, name).map((e) => ({ ...e, raw: "{}" }));
  await recordSubmissions(writer, [{ shop: SHOP, events, receivedAt: NOW }]);
}

const importFile = (body: string | Buffer, httpCharset: string | null = null) =>
  importThreePlFile(deps, { shop: SHOP, body, via: "upload", fileName: "nightly", receivedAt: NOW, httpCharset });

const setFeed = (format: Record<string, string>, columnMapping?: Record<string, string | null>) =>
  db.prisma.threePlFeed.create({ data: { shop: SHOP, fileFormat: JSON.stringify(format), ...(columnMapping ? { columnMapping: JSON.stringify(columnMapping) } : {}) } });

async function status(orderId: string) {
  const row = await db.prisma.order.findUnique({ where: { shop_orderId: { shop: SHOP, orderId } } });
  return row && JSON.parse(row.document);
}

/** UTF-16 little-endian with its byte-order mark: what Excel's "Unicode Text" writes. */
const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);

describe(`3PL file layouts on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("imports a shipping tool's order-items export in Windows-1252 with US dates on a New York clock, recognised with no mapping", async () => {
    await webhook("orders/create", "two-box-order.create");
    await setFeed({ timeZone: "America/New_York" });
    const file = Buffer.from(
      [
        "Order Number,Item SKU,Item Quantity,Carrier,Tracking Number,Ship Date,Recipient",
        "1001,TRS-42,1.0,UPS,1Z999AA10123456784,11/24/2026 3:05:12 PM,Zoë Müller",
        "1001,MHS-M,2.0,UPS,1Z999AA10123456784,11/24/2026 3:05:12 PM,Zoë Müller",
        "1009.0,CAFÉ-MUG-01,1,USPS,9400100000000000000001,11/24/2026 4:00 PM,René",
        "SO-1008,TRS-42,1,UPS,1Z999AA10123456800,11/24/2026 4:00 PM,",
        "1001,TRS-42,1,UPS,1Z999AA10123456817,24.11.2026,",
      ].join("\r\n"),
      "latin1",
    );
    const result = await importFile(file);
    expect(result).toEqual({
      accepted: 2,
      duplicates: 0,
      pending: 1,
      rejected: [
        { line: 5, error: `order "SO-1008" cannot be one of this shop's orders (they are named like #1001); set the feed's order number rule` },
        { line: 6, error: `shipped_at "24.11.2026" is not a date in the feed's format, Month first (11/24/2026 3:05:12 PM)` },
      ],
      rejectedCount: 2,
    });
    const doc = await status(TWO_BOX);
    expect(doc.items).toEqual({ total: 3, shipped: 3, delivered: 0 });
    expect(doc.shipments).toEqual([expect.objectContaining({ id: "3pl:1Z999AA10123456784", trackingNumbers: ["1Z999AA10123456784"], carrier: "UPS" })]);
    const event = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, source: "3pl" } });
    // 3:05:12 PM in New York on 24 November is 20:05:12 UTC (EST, five hours behind).
    expect(event.occurredAt.toISOString()).toBe("2026-11-24T20:05:12.000Z");
    const waiting = await db.prisma.pendingFeedItem.findFirstOrThrow({ where: { shop: SHOP } });
    expect(waiting.matchKey).toBe("order:#1009");
    expect(JSON.parse(waiting.event).data.lines).toEqual([{ sku: "CAFÉ-MUG-01", quantity: 1 }]);
  });

  it("imports a marketplace fulfilled-shipments report (tab-separated, offsets, quotes in text) and confirms the parcel Shopify already shows", async () => {
    await webhook("orders/create", "two-box-order.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    const header = "amazon-order-id	merchant-order-id	shipment-id	shipment-item-id	purchase-date	shipment-date	sku	product-name	quantity-shipped	carrier	tracking-number	fulfillment-center-id";
    const rows = [
      '113-0000000-0000001	1001	DkQr5xJzN	DpN8gYv1k	2026-11-23T09:00:00+00:00	2026-11-24T06:30:00-08:00	TRS-42	Trousers 32" waist	1	CANADA_POST	7023210039414604	YYZ1',
      "113-0000000-0000001	1001	DkQr5xJzN	DpN8gYv1m	2026-11-23T09:00:00+00:00	2026-11-24T06:30:00-08:00	MHS-M	Shirt, medium	2	CANADA_POST	7023210039414611	YYZ1",
    ];
    const result = await importFile(`${header}\n${rows.join("\n")}\n`);
    expect(result).toMatchObject({ accepted: 2, pending: 0, rejectedCount: 0 });
    const doc = await status(TWO_BOX);
    expect(doc.shipments.map((s: { id: string }) => s.id).sort()).toEqual(["3pl:7023210039414611", "4901001"]);
    expect(doc.items).toEqual({ total: 3, shipped: 3, delivered: 0 });
    const second = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, source: "3pl", raw: { contains: "7023210039414611" } } });
    expect(second.occurredAt.toISOString()).toBe("2026-11-24T14:30:00.000Z");
  });

  it("reads several tracking numbers in one cell as parcels of one shipment, adding no fake shipment to an order Shopify shows shipped", async () => {
    await webhook("orders/create", "two-box-order.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-b.create");
    const before = await status(TWO_BOX);
    const result = await importFile(
      "order,sku,quantity,carrier,tracking_number,shipped_at\n" +
        '#1001,TRS-42,1,Canada Post,"7023210039414604,7023210039414611",2026-03-03T19:02:00Z\n' +
        "#1001,MHS-M,2,Canada Post,7023210039414604 | 7023210039414611,2026-03-03T19:02:00Z\n",
    );
    expect(result).toMatchObject({ accepted: 2, rejectedCount: 0 });
    const after = await status(TWO_BOX);
    expect(after.shipments.map((s: { id: string }) => s.id)).toEqual(before.shipments.map((s: { id: string }) => s.id));
    expect(after.items).toEqual(before.items);
    const events = await db.prisma.event.findMany({ where: { shop: SHOP, source: "3pl" } });
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ trackingNumber: "7023210039414604", trackingNumbers: ["7023210039414604", "7023210039414611"] });
  });

  it("imports a package-level notice (semicolons, day-first dates on a Berlin clock) whose packages cover the order's unshipped units, whichever arrives first", async () => {
    await setFeed({ dateFormat: "day_first", timeZone: "Europe/Berlin" });
    const notice = [
      "Order Number;Ship Date;Ship Time;Carrier;Tracking Numbers;Weight (kg)",
      "#1006;24.11.2026;15:05;DHL;JD014600003828342111 JD014600003828342128;1,2",
      "#1001;03.04.2026;09:00;DHL;JD014600003828342135;",
    ].join("\n");
    // The packages arrive before their orders: they wait, and the rollup resolves them once the orders exist.
    expect(await importFile(notice)).toMatchObject({ accepted: 0, pending: 2, rejectedCount: 0 });
    await webhook("orders/create", "single-parcel.create");
    await webhook("orders/create", "two-box-order.create");
    await webhook("fulfillments/create", "two-box-order.fulfillment-a.create");
    expect(await matchPendingItems(deps, SHOP, NOW)).toMatchObject({ matched: 2, waiting: 0 });

    const parcel = await status(PARCEL);
    expect(parcel.status).toBe("shipped");
    expect(parcel.items).toEqual({ total: 1, shipped: 1, delivered: 0 });
    expect(parcel.shipments).toEqual([
      expect.objectContaining({ id: "3pl:JD014600003828342111", carrier: "DHL", trackingNumbers: ["JD014600003828342111", "JD014600003828342128"] }),
    ]);
    const twoBox = await status(TWO_BOX);
    // Shopify shipped TRS-42; the package covers the two MHS-M still unshipped, and nothing twice.
    expect(twoBox.items).toEqual({ total: 3, shipped: 3, delivered: 0 });
    expect(twoBox.shipments.find((s: { id: string }) => s.id === "3pl:JD014600003828342135").items).toEqual([expect.objectContaining({ sku: "MHS-M", quantity: 2 })]);
    const berlin = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, orderId: PARCEL, source: "3pl" } });
    expect(berlin.occurredAt.toISOString()).toBe("2026-11-24T14:05:00.000Z");

    // The same notice once the orders are known gives the same documents (a re-send is a duplicate).
    expect(await importFile(notice)).toMatchObject({ accepted: 0, duplicates: 2 });
    expect((await replayAll(db.prisma)).differences).toEqual([]);
  });

  it("reads a package notice whose Items column names the package's lines", async () => {
    await webhook("orders/create", "two-box-order.create");
    const notice = ["Order Number,Ship Date,Carrier,Tracking Numbers,Items", '#1001,2026-11-24,DHL,JD014600003828342142,"TRS-42 x 1"', "#1001,2026-11-25,DHL,JD014600003828342159,"].join("\n");
    expect(await importFile(notice)).toMatchObject({ accepted: 2, rejectedCount: 0 });
    const doc = await status(TWO_BOX);
    expect(doc.items).toEqual({ total: 3, shipped: 3, delivered: 0 });
    const byId = (id: string) => doc.shipments.find((s: { id: string }) => s.id === id).items;
    expect(byId("3pl:JD014600003828342142")).toEqual([expect.objectContaining({ sku: "TRS-42", quantity: 1 })]);
    // The second package names nothing: it covers the two MHS-M the first did not.
    expect(byId("3pl:JD014600003828342159")).toEqual([expect.objectContaining({ sku: "MHS-M", quantity: 2 })]);
  });

  it("imports Excel's Unicode Text (UTF-16 with a byte-order mark, tab-separated) and a pipe-separated file with Unix times", async () => {
    await webhook("orders/create", "single-parcel.create");
    const unicode = utf16le("order\tsku\tquantity\tcarrier\ttracking_number\tshipped_at\r\n#1006\tIJ-M-BLK\t1\tDHL\tJD0016\t2026-11-24T15:05:00Z\r\n");
    expect(await importFile(unicode)).toMatchObject({ accepted: 1, rejectedCount: 0 });
    expect((await status(PARCEL)).shipments[0].trackingNumbers).toEqual(["JD0016"]);

    await db.prisma.threePlFeed.deleteMany();
    await setFeed({ dateFormat: "epoch" });
    const piped = "order|sku|quantity|carrier|tracking_number|shipped_at|\n#1006|IJ-M-BLK|1|DHL|JD0017|1795532712|\n";
    expect(await importFile(piped)).toMatchObject({ accepted: 1, rejectedCount: 0 });
    const epoch = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, raw: { contains: "JD0017" } } });
    expect(epoch.occurredAt.toISOString()).toBe("2026-11-24T15:05:12.000Z");
  });

  it("reads Windows-1252 by the HTTP charset, by the feed's setting, or by detection, never as replacement characters", async () => {
    const file = Buffer.from("order,sku,quantity,shipped_at\n#2001,CAFÉ-MUG-01,1,2026-11-24\n", "latin1");
    for (const charset of ["windows-1252", null]) {
      await db.prisma.pendingFeedItem.deleteMany();
      expect(await importFile(file, charset)).toMatchObject({ pending: 1, rejectedCount: 0 });
      const waiting = await db.prisma.pendingFeedItem.findFirstOrThrow({ where: { shop: SHOP } });
      expect(JSON.parse(waiting.event).data.lines[0].sku).toBe("CAFÉ-MUG-01");
    }
    // The feed's setting wins over detection, and the preview says which was used.
    await db.prisma.pendingFeedItem.deleteMany();
    await setFeed({ encoding: "iso-8859-1" });
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    expect(preview.file).toMatchObject({ encoding: "iso-8859-1", encodingFrom: "feed" });
    expect(preview.parcels[0]!.skus).toEqual(["1 × CAFÉ-MUG-01"]);
  });

  it("keeps the shop's date format over a recognised layout's, and takes the layout's when the shop left the default", async () => {
    await webhook("orders/create", "single-parcel.create");
    const file = "Order Number,Item SKU,Item Quantity,Carrier,Tracking Number,Ship Date\n1006,IJ-M-BLK,1,UPS,1ZDAYFIRST01,03/04/2026 14:00\n";
    const preview = () => previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    await setFeed({ dateFormat: "day_first" });
    expect(await preview()).toMatchObject({ file: { preset: "shipping_tool_items", dateFormat: "day_first" }, parcels: [{ shippedAt: "2026-04-03T14:00:00.000Z" }] });
    await db.prisma.threePlFeed.deleteMany();
    await setFeed({});
    expect(await preview()).toMatchObject({ file: { preset: "shipping_tool_items", dateFormat: "month_first" }, parcels: [{ shippedAt: "2026-03-04T14:00:00.000Z" }] });
  });

  it("refuses an HTTP charset that is not a supported text encoding, and reads Windows-1252 labelled UTF-8 by detection, saying so", async () => {
    const file = Buffer.from("order,sku,quantity,shipped_at\n#2001,CAFÉ-MUG-01,1,2026-11-24\n", "latin1");
    await expect(importFile(file, "utf-7")).rejects.toMatchObject({ status: 415, message: expect.stringMatching(/^the request's charset "utf-7" is not supported/) });
    await expect(importFile(file, "base64")).rejects.toMatchObject({ status: 415 });
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "http", receivedAt: NOW, httpCharset: "UTF-8" });
    expect(preview.file).toMatchObject({ encoding: "windows-1252", encodingFrom: "detected", notes: [expect.stringMatching(/named the charset UTF-8, but the file is not UTF-8/)] });
    expect(preview.parcels[0]!.skus).toEqual(["1 × CAFÉ-MUG-01"]);
  });

  it("reads order numbers by the feed's rule, and rejects those that cannot be the shop's with the reason", async () => {
    await webhook("orders/create", "single-parcel.create");
    await setFeed({ orderRule: "strip_prefix", orderPrefix: "SO-" });
    const result = await importFile("order,sku,quantity,shipped_at\nSO-1006,IJ-M-BLK,1,2026-11-24\nPO-1006,IJ-M-BLK,1,2026-11-24\n");
    expect(result).toEqual({
      accepted: 1,
      duplicates: 0,
      pending: 0,
      rejected: [{ line: 3, error: `order "PO-1006" cannot be one of this shop's orders (they are named like #1006); set the feed's order number rule` }],
      rejectedCount: 1,
    });
    expect((await status(PARCEL)).status).toBe("shipped");

    // An order named before the shop changed its prefix is still its order, even when its shape is no
    // longer among the names of the latest 500 orders.
    await db.prisma.order.update({ where: { shop_orderId: { shop: SHOP, orderId: PARCEL } }, data: { name: "OLD-7", updatedAt: new Date("2020-01-01T00:00:00Z") } });
    await db.prisma.order.createMany({
      data: Array.from({ length: 500 }, (_, i) => ({ shop: SHOP, orderId: `99000${i}`, name: `#${5000 + i}`, status: "unfulfilled", document: "{}", eventCount: 1, updatedAt: NOW })),
    });
    await db.prisma.threePlFeed.deleteMany();
    expect(await importFile("order,sku,quantity,shipped_at\nOLD-7,IJ-M-BLK,1,2026-11-26\nOLD-8,IJ-M-BLK,1,2026-11-26\n")).toMatchObject({
      accepted: 1,
      rejected: [{ line: 3, error: expect.stringMatching(/^order "OLD-8" cannot be one of this shop's orders/) }],
    });
    await db.prisma.order.update({ where: { shop_orderId: { shop: SHOP, orderId: PARCEL } }, data: { name: "#1006" } });

    await db.prisma.threePlFeed.deleteMany();
    await setFeed({ orderRule: "pattern", orderPattern: "^WEB/(\\d+)/\\d+$" });
    expect(await importFile("order,sku,quantity,shipped_at\nWEB/1006/2,IJ-M-BLK,1,2026-11-25\nWEB-1006,IJ-M-BLK,1,2026-11-25\n")).toMatchObject({
      accepted: 1,
      rejected: [{ line: 3, error: 'order "WEB-1006" does not match the feed\'s order pattern ^WEB/(\\d+)/\\d+$' }],
    });
  });

  it("never guesses an ambiguous date: the feed's format decides, and the preview shows how the first rows were read", async () => {
    await webhook("orders/create", "single-parcel.create");
    const file = "order,sku,quantity,shipped_at\n#1006,IJ-M-BLK,1,03/04/2026 14:00\n";
    expect(await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW })).toMatchObject({
      parcels: [],
      rejected: [{ line: 2, error: `shipped_at "03/04/2026 14:00" is not a date in the feed's format, ISO 8601 (2026-11-24 15:05)` }],
    });
    await setFeed({ dateFormat: "day_first", timeZone: "Europe/London" });
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    expect(preview).toMatchObject({
      dryRun: true,
      file: { delimiter: ",", preset: null, dateFormat: "day_first", timeZone: "Europe/London", packageRows: false },
      parcels: [{ order: "#1006", orderKnown: true, units: 1, shippedAt: "2026-04-03T13:00:00.000Z", shippedAtLocal: "2026-04-03 14:00:00 +01:00" }],
      rowsForKnownOrders: 1,
      rowsWaiting: 0,
      rejectedCount: 0,
    });
    expect(await db.prisma.event.count({ where: { source: "3pl" } })).toBe(0);
    expect(await db.prisma.feedImport.count()).toBe(0);
  });

  it("reads a mapping that turns optional columns off, and its package rows", async () => {
    await webhook("orders/create", "single-parcel.create");
    await setFeed({}, { order: "Ref", shipped_at: "Sent", sku: null, quantity: null, carrier: null, tracking_number: "Parcel", shipped_time: null });
    // "carrier" and "shipped_time" here are other data: turned off, they are not read.
    const result = await importFile("Ref,Sent,Parcel,carrier,shipped_time\n1006,2026-11-24,JD0031,not-a-carrier,not-a-time\n");
    expect(result).toMatchObject({ accepted: 1, rejectedCount: 0 });
    expect((await status(PARCEL)).shipments).toEqual([expect.objectContaining({ carrier: null, trackingNumbers: ["JD0031"], items: [expect.objectContaining({ sku: "IJ-M-BLK", quantity: 1 })] })]);
  });

  it("reads an .xlsx workbook: the first sheet or the named one, numbers and date cells as the sheet shows them", async () => {
    await webhook("orders/create", "two-box-order.create");
    await webhook("orders/create", "single-parcel.create");
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("Notes").addRow(["Nightly shipments, see the next sheet"]);
    const shipped = workbook.addWorksheet("Shipped");
    shipped.addRow(["Order Number", "Item SKU", "Item Quantity", "Carrier", "Tracking Number", "Ship Date"]);
    // Excel keeps order numbers as numbers and dates as date cells; the cell shows 3:05:12 PM.
    shipped.addRow([1006, "IJ-M-BLK", 1, "UPS", "1ZWORKBOOK01", new Date(Date.UTC(2026, 10, 24, 15, 5, 12))]);
    shipped.addRow([]);
    shipped.addRow([{ richText: [{ text: "#10" }, { text: "01" }] }, "TRS-42", { formula: "2-1", result: 1 }, "UPS", "1ZWORKBOOK02", "11/24/2026 4:00 PM"]);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());

    // The first sheet is not a shipment file; the feed names the one to read.
    const first = await importFile(file).then(() => null, (e: Error) => e.message);
    expect(first).toMatch(/^not a 3PL shipment file: missing columns/);
    await setFeed({ sheet: "shipped", timeZone: "America/Chicago" });
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    expect(preview.file).toMatchObject({ encoding: "xlsx", encodingFrom: "workbook", sheet: "Shipped", preset: "shipping_tool_items" });
    expect(await importFile(file)).toMatchObject({ accepted: 2, rejectedCount: 0 });
    const parcel = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, raw: { contains: "1ZWORKBOOK01" } } });
    expect(parcel.orderId).toBe(PARCEL);
    // 3:05:12 PM in Chicago on 24 November is 21:05:12 UTC.
    expect(parcel.occurredAt.toISOString()).toBe("2026-11-24T21:05:12.000Z");
    const twoBox = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, raw: { contains: "1ZWORKBOOK02" } } });
    expect(twoBox.orderId).toBe(TWO_BOX);
    expect(twoBox.occurredAt.toISOString()).toBe("2026-11-24T22:00:00.000Z");

    await db.prisma.threePlFeed.deleteMany();
    await setFeed({ sheet: "Returns" });
    await expect(importFile(file)).rejects.toMatchObject({ status: 400, message: 'the workbook has no sheet named "Returns" (it has "Notes", "Shipped")' });
  });
});

describe(`3PL workbooks' cells on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  const workbookOf = async (rows: unknown[][]) => {
    const book = new ExcelJS.Workbook();
    book.addWorksheet("Packages").addRows(rows);
    return Buffer.from(await book.xlsx.writeBuffer());
  };

  it("joins a package notice's date cells and time-only cells on the warehouse's clock", async () => {
    await webhook("orders/create", "single-parcel.create");
    await setFeed({ timeZone: "Europe/Berlin" });
    // Excel keeps a time-only cell as a time on its day zero, 1899-12-30.
    const file = await workbookOf([
      ["Order Number", "Ship Date", "Ship Time", "Carrier", "Tracking Numbers"],
      ["#1006", new Date(Date.UTC(2026, 10, 24)), new Date(Date.UTC(1899, 11, 30, 15, 5)), "DHL", "JD014600003828342166"],
    ]);
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    expect(preview).toMatchObject({ file: { preset: "package_notice" }, rejectedCount: 0, parcels: [{ shippedAtLocal: "2026-11-24 15:05:00 +01:00" }] });
  });

  it("refuses a tracking number Excel kept as a number past its 15 digits, says leading zeros are lost, and quotes at most 100 characters of a cell", async () => {
    await webhook("orders/create", "single-parcel.create");
    const file = await workbookOf([
      ["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"],
      ["#1006", "IJ-M-BLK", 1, "USPS", 9400111899223197428, "2026-11-24T15:05:00Z"],
      ["#1006", "IJ-M-BLK", 1, "USPS", 94001118992231, "2026-11-24T15:05:00Z"],
      ["#1006", "IJ-M-BLK", 1, "DHL", "JD0016", `2026-11-24 ${"9".repeat(2000)}`],
      ["#1006", "IJ-M-BLK", 1, "DHL", "JD0017", `2026-11-24 ${"8".repeat(500)}`],
    ]);
    const preview = await previewThreePlFile(db.prisma, { shop: SHOP, body: file, via: "upload", receivedAt: NOW });
    expect(preview.parcels.map((p) => p.trackingNumbers)).toEqual([["94001118992231"]]);
    expect(preview.rejected).toEqual([
      { line: 2, error: expect.stringMatching(/^tracking_number 9400111899223198000 is a number in the sheet, and Excel keeps only 15 digits/) },
      { line: 4, error: `shipped_at is longer than 1024 characters (${JSON.stringify(`2026-11-24 ${"9".repeat(89)}…`)})` },
      { line: 5, error: expect.stringContaining(`shipped_at ${JSON.stringify(`2026-11-24 ${"8".repeat(89)}…`)} is not a date`) },
    ]);
    expect(preview.file.notes).toEqual([expect.stringMatching(/^The tracking numbers of 2 row\(s\) are numbers in the sheet, not text: Excel drops a number's leading zeros/)]);
  });
});

describe(`3PL file size in rows on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("refuses a file of more than 100,000 rows as a whole, storing nothing", async () => {
    const file = `order,sku,quantity,shipped_at\n${"#1006,IJ-M-BLK,1,2026-11-24\n".repeat(100_001)}`;
    await expect(importFile(file)).rejects.toMatchObject({ status: 413, message: "the file has more than 100,000 rows; split it into smaller files" });
    expect(await db.prisma.pendingFeedItem.count()).toBe(0);
  });
});

describe(`3PL preview and confirmation on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("imports on confirmation only the file, read with the settings, that the preview showed", async () => {
    await webhook("orders/create", "single-parcel.create");
    const previewed = "order,sku,quantity,tracking_number,shipped_at\n#1006,IJ-M-BLK,1,JD0041,2026-11-24\n";
    const { previewHash } = await previewThreePlFile(db.prisma, { shop: SHOP, body: previewed, via: "upload", receivedAt: NOW });
    const confirm = (body: string) => importThreePlFile(deps, { shop: SHOP, body, via: "upload", fileName: "nightly", receivedAt: NOW, previewHash });
    const changed = { status: 409, message: "the file or the feed's settings changed since the preview; preview the file again" };

    await expect(confirm(previewed.replace("JD0041", "JD0042"))).rejects.toMatchObject(changed);
    await setFeed({ timeZone: "Europe/Berlin" });
    await expect(confirm(previewed)).rejects.toMatchObject(changed);
    expect(await db.prisma.event.count({ where: { source: "3pl" } })).toBe(0);

    await db.prisma.threePlFeed.deleteMany();
    expect(await confirm(previewed)).toMatchObject({ accepted: 1, rejectedCount: 0 });
  });
});
