// Runs against the provider in TEST_DATABASE (sqlite by default), on a fresh migrated database.
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as SqliteClient from "@prisma/client";
import { databaseProviderOf } from "../../app/db.server";
import { createTestDatabase, testDatabaseProvider, type TestDatabase } from "../support/database";

// The Prisma namespace as @shopify/shopify-app-session-storage-prisma sees it: require('@prisma/client').
const { Prisma } = createRequire(import.meta.url)("@prisma/client") as typeof SqliteClient;

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

const at = new Date("2026-11-24T10:00:00.000Z");

describe(`database (${testDatabaseProvider()})`, () => {
  it("uses the provider the test asked for", () => {
    expect(databaseProviderOf(db.prisma)).toBe(db.provider);
  });

  it("writes and reads a row of every model", async () => {
    const p = db.prisma;
    const shop = "truth-test.myshopify.com";

    await p.session.create({
      data: { id: "offline_x", shop, state: "s", accessToken: "enc", userId: 9007199254740993n, expires: at },
    });
    expect(await p.session.findUniqueOrThrow({ where: { id: "offline_x" } })).toMatchObject({
      shop,
      isOnline: false,
      userId: 9007199254740993n,
      expires: at,
      collaborator: false,
    });

    await p.shop.create({ data: { domain: shop } });
    expect(await p.shop.findUniqueOrThrow({ where: { domain: shop } })).toMatchObject({ settings: "{}", uninstalledAt: null });

    const event = await p.event.create({
      data: { shop, orderId: "1", source: "shopify", kind: "orders/create", dedupeKey: "wh-1", occurredAt: at, receivedAt: at, data: "{}", raw: "{}" },
    });
    const second = await p.event.create({
      data: { shop, orderId: "1", source: "3pl", kind: "shipped", dedupeKey: "wh-2", occurredAt: at, receivedAt: at, data: "{}", raw: "{}" },
    });
    expect(second.id).toBeGreaterThan(event.id);
    expect(await p.event.findUniqueOrThrow({ where: { shop_dedupeKey: { shop, dedupeKey: "wh-1" } } })).toMatchObject({ id: event.id, sourceEventId: null });

    await p.order.create({
      data: { shop, orderId: "1", name: "#1001", status: "open", document: "{}", eventCount: 2, updatedAt: at, emailHash: "h" },
    });
    expect(await p.order.findUniqueOrThrow({ where: { shop_orderId: { shop, orderId: "1" } } })).toMatchObject({ name: "#1001", eventCount: 2, placedAt: null });

    await p.shipment.create({ data: { shop, orderId: "1", shipmentId: "s1", status: "in_transit", trackingNumbers: "1Z9 1Z8", updatedAt: at } });
    expect(await p.shipment.findUniqueOrThrow({ where: { shop_orderId_shipmentId: { shop, orderId: "1", shipmentId: "s1" } } })).toMatchObject({ carrier: null });

    await p.trackingNumber.createMany({
      data: [
        { shop, trackingNumber: "1Z9", orderId: "1", shipmentId: "s1" },
        { shop, trackingNumber: "1Z8", orderId: "1", shipmentId: "s1" },
      ],
    });
    expect(await p.trackingNumber.count({ where: { shop, orderId: "1" } })).toBe(2);

    await p.sourceClaim.create({ data: { shop, orderId: "1", source: "3pl", claim: "shipped", occurredAt: at, receivedAt: at } });
    expect(await p.sourceClaim.findUniqueOrThrow({ where: { shop_orderId_source: { shop, orderId: "1", source: "3pl" } } })).toMatchObject({ claim: "shipped" });

    await p.apiKey.create({ data: { id: "k1", shop, secretHash: "sha", label: "ops" } });
    expect((await p.apiKey.findUniqueOrThrow({ where: { secretHash: "sha" } })).createdAt).toBeInstanceOf(Date);

    const request = await p.complianceRequest.create({ data: { shop, topic: "shop/redact", webhookId: "w1", receivedAt: at } });
    expect(await p.complianceRequest.findUniqueOrThrow({ where: { webhookId: "w1" } })).toMatchObject({ id: request.id, completedAt: null });
  });

  it("reports a duplicate (shop, dedupeKey) Event as P2002, an instance of @prisma/client's error class", async () => {
    const data = { shop: "dup.myshopify.com", orderId: "7", source: "carrier", kind: "k", dedupeKey: "same", occurredAt: at, receivedAt: at, data: "{}", raw: "{}" };
    await db.prisma.event.create({ data });
    const error: unknown = await db.prisma.event.create({ data }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect((error as InstanceType<typeof Prisma.PrismaClientKnownRequestError>).code).toBe("P2002");
  });

  it("rolls back an interactive transaction", async () => {
    const shop = "tx.myshopify.com";
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.shop.create({ data: { domain: shop } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await db.prisma.shop.findUnique({ where: { domain: shop } })).toBeNull();
  });

  it("opens the database with the settings the app relies on", async () => {
    if (testDatabaseProvider() === "sqlite") {
      const one = async (pragma: string) => {
        const rows = await db.prisma.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${pragma}`);
        return Object.values(rows[0] ?? {})[0];
      };
      expect(await one("journal_mode")).toBe("wal");
      expect(Number(await one("busy_timeout"))).toBe(5000);
      expect(Number(await one("synchronous"))).toBe(1);
      expect(Number(await one("foreign_keys"))).toBe(1);
    } else {
      // Advisory locks (hashtextextended) and unnest over text[] need PostgreSQL 11+.
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ v: string }>>(`SELECT current_setting('server_version_num') AS v`);
      expect(Number(row.v)).toBeGreaterThanOrEqual(110000);
      const at = new Date("2026-03-01T23:30:00.123Z");
      await db.prisma.shop.create({ data: { domain: "utc-check.myshopify.com", installedAt: at } });
      const back = await db.prisma.shop.findUniqueOrThrow({ where: { domain: "utc-check.myshopify.com" } });
      expect(back.installedAt.toISOString()).toBe(at.toISOString());
    }
  });
});
