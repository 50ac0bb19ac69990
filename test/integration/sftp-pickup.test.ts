/**
 * Scheduled 3PL pickup against a real OpenSSH server on 127.0.0.1 (test/support/sshd.ts), through the
 * job scheduler, on the database TEST_DATABASE names.
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliverOnce } from "../../app/domain/fixtures/load";
import { registerJob } from "../../app/jobs/registry.server";
import { runDueJobs, scheduleNow, startScheduler } from "../../app/jobs/scheduler.server";
import type { RecordEvents } from "../../app/sources/feed-delivery.server";
import { MAX_THREE_PL_FILE_BYTES, recentImports } from "../../app/sources/three-pl/import.server";
import { SFTP_PICKUP_JOB, runSftpPickup, shopsWithSftpPickup } from "../../app/sources/three-pl/sftp-job.server";
import {
  PICKUP_LIMITS,
  SftpHostKeyMismatch,
  SftpHostRefused,
  SftpTimeout,
  fileTooLarge,
  loadSftpSettings,
  pickUpFiles,
  privateSftpHostsAllowed,
  resolveSftpHost,
  saveSftpSettings,
} from "../../app/sources/three-pl/sftp-pickup.server";
import { recordSubmissions } from "../../app/store/event-log/event-log-writer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startHostileSftp } from "../support/hostile-sftp";
import { startSshd, type TestSshd } from "../support/sshd";
import { startTcpProxy } from "../support/tcp-proxy";

const SHOP = "test-shop.myshopify.com";
const KEY = Buffer.alloc(32, 3);
const HEADER = "order,sku,quantity,carrier,tracking_number,shipped_at";
let db: TestDatabase;
let writer: SqlWriterConnection;
let record: RecordEvents;
let sshd: TestSshd;
let folder: string;

beforeAll(async () => {
  [db, sshd] = await Promise.all([createTestDatabase(), startSshd()]);
  writer = openEventLogWriter(db.url);
  record = (submissions) => recordSubmissions(writer, submissions);
  const events = deliverOnce("orders/create", "single-parcel.create").map((e) => ({ ...e, raw: "{}" }));
  await recordSubmissions(writer, [{ shop: SHOP, events, receivedAt: new Date() }]);
});
afterAll(async () => {
  await writer?.close();
  await Promise.all([db?.drop(), sshd?.stop()]);
});
let run = 0;
beforeEach(async () => {
  run += 1;
  folder = path.join(sshd.root, `outbox-${run}`);
  await import("node:fs/promises").then((fs) => fs.mkdir(folder));
  await db.prisma.threePlFeed.deleteMany();
  await db.prisma.feedImport.deleteMany();
  await db.prisma.jobRun.deleteMany();
});

const settings = (extra: Partial<Parameters<typeof saveSftpSettings>[2]> = {}) => ({
  enabled: true,
  host: sshd.host,
  port: sshd.port,
  username: sshd.username,
  privateKey: sshd.userKey,
  folder,
  pattern: "shipments_*.csv",
  processedFolder: "done",
  everyMinutes: 30,
  ...extra,
});

describe(`SFTP pickup against a real sshd, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("stores password and private key encrypted, never in clear", async () => {
    await saveSftpSettings(db.prisma, SHOP, settings({ password: "s3cret-pass" }), KEY);
    const row = await db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: SHOP } });
    expect(row.sftpPassword).toMatch(/^enc:v2:/);
    expect(row.sftpPrivateKey).toMatch(/^enc:v2:/);
    expect(JSON.stringify(row)).not.toContain("s3cret-pass");
    expect(JSON.stringify(row)).not.toContain("OPENSSH PRIVATE KEY");
    const loaded = await loadSftpSettings(db.prisma, SHOP, KEY);
    expect(loaded).toMatchObject({ password: "s3cret-pass", privateKey: sshd.userKey, everyMinutes: 30 });
    // Saving without secrets keeps the stored ones; an empty string removes one.
    await saveSftpSettings(db.prisma, SHOP, { ...settings(), privateKey: undefined, password: "" }, KEY);
    expect(await loadSftpSettings(db.prisma, SHOP, KEY)).toMatchObject({ password: null, privateKey: sshd.userKey });
  });

  it("picks up matching files through the scheduler, imports them, moves them, and pins the host key", async () => {
    writeFileSync(path.join(folder, "shipments_0305.csv"), `${HEADER}\n#1006,IJ-M-BLK,1,DHL,SF0001,2026-03-05T10:00:00Z\n#1006,IJ-M-BLK,x,DHL,SF0001,2026-03-05T10:00:00Z\n`);
    writeFileSync(path.join(folder, "shipments_0306.xlsx"), "PK\u0003\u0004");
    writeFileSync(path.join(folder, "readme.txt"), "not for us");
    await saveSftpSettings(db.prisma, SHOP, settings(), KEY);
    const job = registerJob(SFTP_PICKUP_JOB, 60_000, (context) => runSftpPickup(context, KEY, record), { shops: shopsWithSftpPickup });
    const t0 = new Date();
    const reports = await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => t0 });
    expect(reports).toEqual([{ job: SFTP_PICKUP_JOB, shop: SHOP, ok: true }]);

    expect(readdirSync(folder).sort()).toEqual(["done", "readme.txt", "shipments_0306.xlsx"]);
    expect(readdirSync(path.join(folder, "done"))).toEqual(["shipments_0305.csv"]);
    const [log] = await recentImports(db.prisma, SHOP);
    expect(log).toMatchObject({ via: "sftp", fileName: "shipments_0305.csv", accepted: 1, rejected: 1, rejections: [{ line: 3, error: 'quantity "x" is not a whole number' }] });
    const order = await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: SHOP, orderId: "5801234567006" } } });
    expect(order.status).toBe("shipped");
    expect((await db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: SHOP } })).sftpHostKey).toBe(sshd.hostKeyFingerprint);

    // Not due again before the shop's schedule (30 min); then the same file re-sent is all duplicates.
    expect(await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => new Date(t0.getTime() + 29 * 60_000) })).toEqual([]);
    writeFileSync(path.join(folder, "shipments_0305.csv"), `${HEADER}\n#1006,IJ-M-BLK,1,DHL,SF0001,2026-03-05T10:00:00Z\n`);
    await scheduleNow(db.prisma, SFTP_PICKUP_JOB, SHOP, t0);
    expect(await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => new Date(t0.getTime() + 60_000) })).toHaveLength(1);
    expect((await recentImports(db.prisma, SHOP))[0]).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(readdirSync(path.join(folder, "done")).length).toBe(2);
  });

  it("reads the same formats as the HTTP feed: a package notice as Unicode Text with day-first dates on the feed's clock", async () => {
    const notice = "Order Number\tShip Date\tShip Time\tCarrier\tTracking Numbers\r\n#1006\t05.03.2026\t10:00\tDHL\tSF00000021, SF00000022\r\n";
    writeFileSync(path.join(folder, "notice_0305.txt"), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(notice, "utf16le")]));
    await db.prisma.threePlFeed.create({ data: { shop: SHOP, fileFormat: JSON.stringify({ dateFormat: "day_first", timeZone: "Europe/Paris" }) } });
    const report = await pickUpFiles({ db: db.prisma, record }, SHOP, { ...settings({ pattern: "notice_*.txt" }), password: null, hostKey: null }, () => new Date());
    expect(report.files).toEqual([{ name: "notice_0305.txt", result: expect.objectContaining({ accepted: 1, rejectedCount: 0 }), error: null }]);
    const event = await db.prisma.event.findFirstOrThrow({ where: { shop: SHOP, source: "3pl", raw: { contains: "SF00000021" } } });
    expect(event.occurredAt.toISOString()).toBe("2026-03-05T09:00:00.000Z");
    expect(JSON.parse(event.data)).toMatchObject({ trackingNumbers: ["SF00000021", "SF00000022"], lines: [], coversUnshipped: true });
  });

  it("moves a refused file too, logging why", async () => {
    writeFileSync(path.join(folder, "shipments_bad.csv"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]));
    const report = await pickUpFiles({ db: db.prisma, record }, SHOP, { ...settings(), password: null, hostKey: null }, () => new Date());
    expect(report.files).toEqual([{ name: "shipments_bad.csv", result: null, error: "this is not a CSV file (it contains binary data)" }]);
    expect(existsSync(path.join(folder, "done", "shipments_bad.csv"))).toBe(true);
    expect((await recentImports(db.prisma, SHOP))[0]).toMatchObject({ via: "sftp", accepted: 0, rejections: [{ error: "this is not a CSV file (it contains binary data)" }] });
  });

  it("refuses a server whose host key is not the pinned one", async () => {
    writeFileSync(path.join(folder, "shipments_1.csv"), `${HEADER}\n`);
    const pinned = { ...settings(), password: null, hostKey: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" };
    await expect(pickUpFiles({ db: db.prisma, record }, SHOP, pinned, () => new Date())).rejects.toBeInstanceOf(SftpHostKeyMismatch);
    expect(readdirSync(folder)).toEqual(["shipments_1.csv"]);
  });

  it("is refused by the server with a key it does not know or a wrong password, and the job records the error", async () => {
    const base = { ...settings(), hostKey: sshd.hostKeyFingerprint };
    await expect(pickUpFiles({ db: db.prisma, record }, SHOP, { ...base, privateKey: sshd.strangerKey, password: null }, () => new Date())).rejects.toThrow(/authentication/i);
    await expect(pickUpFiles({ db: db.prisma, record }, SHOP, { ...base, privateKey: null, password: "wrong password" }, () => new Date())).rejects.toThrow(/authentication/i);

    await saveSftpSettings(db.prisma, SHOP, settings({ privateKey: sshd.strangerKey }), KEY);
    const job = registerJob(SFTP_PICKUP_JOB, 60_000, (context) => runSftpPickup(context, KEY, record), { shops: shopsWithSftpPickup });
    const [report] = await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a" });
    expect(report).toMatchObject({ ok: false, error: expect.stringMatching(/authentication/i) });
    const row = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
    expect(row.lastError).toMatch(/authentication/i);
    expect(row.lastError).not.toContain("PRIVATE KEY");
    expect(row.leaseOwner).toBeNull();
  });

  it("is picked up by the production server's own scheduler (server/index.js starts the jobs)", async () => {
    writeFileSync(path.join(folder, "shipments_server.csv"), `${HEADER}\n#1006,IJ-M-BLK,1,DHL,SRV0001,2026-03-05T10:00:00Z\n`);
    const key = randomBytes(32);
    await saveSftpSettings(db.prisma, SHOP, settings(), key);
    const app = await startProductionApp(db.url, "unused-secret", { JOBS: "1", JOBS_TICK_MS: "200", ENCRYPTION_KEY: key.toString("base64"), SFTP_ALLOW_PRIVATE_HOSTS: "1" });
    try {
      const deadline = Date.now() + 15_000;
      while (!existsSync(path.join(folder, "done", "shipments_server.csv")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(readdirSync(path.join(folder, "done"))).toEqual(["shipments_server.csv"]);
      const [log] = await recentImports(db.prisma, SHOP);
      expect(log).toMatchObject({ via: "sftp", fileName: "shipments_server.csv", accepted: 1 });
      // The file moves before the run is booked as finished; wait for the booking, not just the move.
      const finished = async () => db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
      let run = await finished();
      while (!run.lastFinishedAt && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        run = await finished();
      }
      expect(run.lastError).toBeNull();
      expect(run.nextRunAt.getTime() - (run.lastFinishedAt?.getTime() ?? 0)).toBe(30 * 60_000);
    } finally {
      await app.stop();
    }
  });

  describe("bounded: the merchant's server is not trusted with the app's memory or time", () => {
    const MB = 1024 * 1024;
    const row = (tracking: string) => `#1006,IJ-M-BLK,1,DHL,${tracking},2026-03-05T10:00:00Z\n`;
    const viaProxy = (port: number) => ({
      ...settings(),
      port,
      password: null,
      hostKey: null,
    });
    const trackingRows = (numbers: string[]) =>
      db.prisma.trackingNumber.findMany({
        where: { shop: SHOP, trackingNumber: { in: numbers } },
      });

    it("stops a file at the 3PL cap as it streams, even one listed small that grew, imports nothing of it, and goes on with the others", async () => {
      const proxy = await startTcpProxy(sshd.port);
      try {
        writeFileSync(path.join(folder, "shipments_a.csv"), `${HEADER}\n${row("CAPA1")}`);
        writeFileSync(path.join(folder, "shipments_b.csv"), `${HEADER}\n${row("CAPB1")}`);
        writeFileSync(path.join(folder, "shipments_c.csv"), `${HEADER}\n${row("CAPC1")}`);
        // Listed at three times the cap (sparse, nothing on disk): refused from the listing alone.
        writeFileSync(path.join(folder, "shipments_huge.csv"), "");
        truncateSync(path.join(folder, "shipments_huge.csv"), 3 * MAX_THREE_PL_FILE_BYTES);
        // While shipments_a is imported (after the listing said shipments_b was one row), the 3PL's
        // writer appends two and a half times the cap to shipments_b.
        const grownTracking = `CAPB2${"0".repeat(1000)}`;
        let grown = false;
        const growing: RecordEvents = async (submissions) => {
          if (!grown) {
            grown = true;
            const block = row(grownTracking).repeat(1000);
            for (let written = 0; written < 2.5 * MAX_THREE_PL_FILE_BYTES; written += block.length) appendFileSync(path.join(folder, "shipments_b.csv"), block);
          }
          return record(submissions);
        };
        const report = await pickUpFiles({ db: db.prisma, record: growing }, SHOP, viaProxy(proxy.port), () => new Date());
        expect(grown).toBe(true);
        // The transfer stopped just past the cap: shipments_b's 50 MB and shipments_huge's 60 MB never came.
        expect(proxy.bytesFromTarget).toBeGreaterThan(MAX_THREE_PL_FILE_BYTES);
        expect(proxy.bytesFromTarget).toBeLessThan(MAX_THREE_PL_FILE_BYTES + 2 * MB);
        const tooLarge = (name: string) => `${name} is larger than 20 MB, the limit for a 3PL file; nothing in it was imported`;
        expect(fileTooLarge("shipments_b.csv", MAX_THREE_PL_FILE_BYTES).message).toBe(tooLarge("shipments_b.csv"));
        expect(report.files).toEqual([
          {
            name: "shipments_a.csv",
            result: expect.objectContaining({ accepted: 1 }),
            error: null,
          },
          {
            name: "shipments_b.csv",
            result: null,
            error: tooLarge("shipments_b.csv"),
          },
          {
            name: "shipments_c.csv",
            result: expect.objectContaining({ accepted: 1 }),
            error: null,
          },
          {
            name: "shipments_huge.csv",
            result: null,
            error: tooLarge("shipments_huge.csv"),
          },
        ]);
        // Not half-imported: the rows before the cap were not recorded either.
        expect((await trackingRows(["CAPA1", "CAPB1", grownTracking, "CAPC1"])).map((t) => t.trackingNumber).sort()).toEqual(["CAPA1", "CAPC1"]);
        // Reported where the Feeds page shows imports, once: both refused files moved on.
        const logs = await recentImports(db.prisma, SHOP);
        for (const name of ["shipments_b.csv", "shipments_huge.csv"]) {
          expect(logs.filter((l) => l.fileName === name)).toEqual([
            expect.objectContaining({
              via: "sftp",
              accepted: 0,
              rejections: [{ line: 0, error: tooLarge(name) }],
            }),
          ]);
        }
        expect(readdirSync(path.join(folder, "done")).sort()).toEqual(["shipments_a.csv", "shipments_b.csv", "shipments_c.csv", "shipments_huge.csv"]);
      } finally {
        await proxy.close();
      }
    });

    it("a server gone silent mid-transfer: the run fails after the read timeout, the lease is released, and another shop's jobs run meanwhile", async () => {
      const proxy = await startTcpProxy(sshd.port);
      const OTHER = "other-shop.myshopify.com";
      const scheduler: { stop(): Promise<void> }[] = [];
      try {
        const lines = Array.from({ length: 40_000 }, (_, i) => row(`SLOW${i}`)).join("");
        writeFileSync(path.join(folder, "shipments_slow.csv"), `${HEADER}\n${lines}`);
        await saveSftpSettings(db.prisma, SHOP, { ...settings(), port: proxy.port }, KEY);
        const limits = { ...PICKUP_LIMITS, operationTimeoutMs: 2000, runBudgetMs: 60_000 };
        const pickup = registerJob(SFTP_PICKUP_JOB, 60_000, (context) => runSftpPickup(context, KEY, record, limits), { shops: async () => [SHOP] });
        const beats: number[] = [];
        const heartbeat = registerJob("heartbeat", 20, async () => void beats.push(Date.now()), { shops: async () => [OTHER] });
        // Handshake and listing pass; the server then falls silent half a megabyte into the file.
        proxy.stallAfter(512 * 1024);
        scheduler.push(
          startScheduler({
            db: db.prisma,
            jobs: () => [pickup, heartbeat],
            tickMs: 20,
            owner: "stall-test",
          }),
        );
        const pickupRun = () =>
          db.prisma.jobRun.findUnique({
            where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } },
          });
        const deadline = Date.now() + 20_000;
        let run = await pickupRun();
        let sawLease = false;
        while (!run?.lastFinishedAt && Date.now() < deadline) {
          sawLease ||= run?.leaseOwner === "stall-test";
          await new Promise((r) => setTimeout(r, 20));
          run = await pickupRun();
        }
        await scheduler.pop()!.stop();
        expect(proxy.bytesFromTarget).toBeGreaterThanOrEqual(512 * 1024);
        expect(sawLease).toBe(true);
        expect(run).toMatchObject({ leaseOwner: null, leaseUntil: null });
        expect(run?.lastError).toBe(
          "SftpTimeout: the SFTP server did not answer for 2 s while reading shipments_slow.csv; the connection was closed and the pickup tries again at its next run",
        );
        const started = run!.lastStartedAt!.getTime();
        const finished = run!.lastFinishedAt!.getTime();
        expect(finished - started).toBeLessThan(6000);
        expect(beats.filter((t) => t > started && t < finished).length).toBeGreaterThanOrEqual(5);
        // Nothing of the file was imported; it stays for the next run.
        expect(await trackingRows(["SLOW0"])).toEqual([]);
        expect(await recentImports(db.prisma, SHOP)).toEqual([]);
        expect(readdirSync(folder)).toEqual(["done", "shipments_slow.csv"]);
      } finally {
        await Promise.all(scheduler.map((s) => s.stop()));
        await proxy.close();
      }
    });

    it("ends a run that outlasts its budget, and one whose server never answers the handshake", async () => {
      const proxy = await startTcpProxy(sshd.port);
      try {
        writeFileSync(path.join(folder, "shipments_slow.csv"), `${HEADER}\n${Array.from({ length: 40_000 }, (_, i) => row(`SLOW${i}`)).join("")}`);
        proxy.stallAfter(512 * 1024);
        const started = Date.now();
        const budget = pickUpFiles({ db: db.prisma, record }, SHOP, viaProxy(proxy.port), () => new Date(), { ...PICKUP_LIMITS, operationTimeoutMs: 30_000, runBudgetMs: 2000 });
        await expect(budget).rejects.toThrow(new SftpTimeout("the SFTP pickup ran past its 2 s budget while reading shipments_slow.csv"));
        expect(Date.now() - started).toBeLessThan(4000);

        proxy.stallAfter(proxy.bytesFromTarget);
        const silent = pickUpFiles({ db: db.prisma, record }, SHOP, viaProxy(proxy.port), () => new Date(), { ...PICKUP_LIMITS, operationTimeoutMs: 1000, runBudgetMs: 60_000 });
        await expect(silent).rejects.toThrow(new SftpTimeout("the SFTP server did not answer for 1 s while connecting"));
        expect(readdirSync(folder)).toEqual(["done", "shipments_slow.csv"]);
        expect(readdirSync(path.join(folder, "done"))).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
    // Sparse files listed over the cap: thousands of them cost nothing on disk, and each is refused
    // from its listed size alone, with a row in the import log and a move.
    const oversized = (count: number) => {
      const names = Array.from({ length: count }, (_, i) => `shipments_${String(i).padStart(5, "0")}.csv`);
      for (const name of names) {
        writeFileSync(path.join(folder, name), "");
        truncateSync(path.join(folder, name), MAX_THREE_PL_FILE_BYTES + 1);
      }
      return names;
    };

    it("takes at most the per-run number of files, says so in Settings, and leaves the others for the next run", async () => {
      const names = oversized(25);
      await saveSftpSettings(db.prisma, SHOP, settings(), KEY);
      const limits = { ...PICKUP_LIMITS, maxFilesPerRun: 10 };
      const job = registerJob(SFTP_PICKUP_JOB, 60_000, (context) => runSftpPickup(context, KEY, record, limits), { shops: shopsWithSftpPickup });
      const t0 = new Date();
      expect(await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => t0 })).toEqual([
        { job: SFTP_PICKUP_JOB, shop: SHOP, ok: false, error: "SftpPickupUnfinished: the SFTP pickup took 10 files, the most for one run; the other 15 files wait for its next run" },
      ]);
      const row = await db.prisma.jobRun.findUniqueOrThrow({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
      expect(row).toMatchObject({ leaseOwner: null, lastError: "SftpPickupUnfinished: the SFTP pickup took 10 files, the most for one run; the other 15 files wait for its next run" });
      // The run that stopped early still pinned the key it was shown.
      expect((await db.prisma.threePlFeed.findUniqueOrThrow({ where: { shop: SHOP } })).sftpHostKey).toBe(sshd.hostKeyFingerprint);
      expect(readdirSync(path.join(folder, "done")).sort()).toEqual(names.slice(0, 10));
      expect(await db.prisma.feedImport.count({ where: { shop: SHOP } })).toBe(10);

      await scheduleNow(db.prisma, SFTP_PICKUP_JOB, SHOP, t0);
      await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => new Date(t0.getTime() + 60_000) });
      expect(readdirSync(path.join(folder, "done")).sort()).toEqual(names.slice(0, 20));
      await scheduleNow(db.prisma, SFTP_PICKUP_JOB, SHOP, t0);
      expect(await runDueJobs({ db: db.prisma, jobs: () => [job], owner: "test-a", clock: () => new Date(t0.getTime() + 120_000) })).toEqual([{ job: SFTP_PICKUP_JOB, shop: SHOP, ok: true }]);
      expect(readdirSync(folder)).toEqual(["done"]);
      expect(await db.prisma.feedImport.count({ where: { shop: SHOP } })).toBe(25);
    });

    it("ends within its budget however many files are listed over the cap", async () => {
      const names = oversized(3000);
      const started = Date.now();
      const limits = { ...PICKUP_LIMITS, runBudgetMs: 2000, maxFilesPerRun: names.length };
      // The budget runs out either between two files or during a refused file's move; both say so.
      const message = await pickUpFiles({ db: db.prisma, record }, SHOP, { ...settings(), password: null, hostKey: null }, () => new Date(), limits).then(
        (report) => report.unfinished,
        (error: unknown) => (error instanceof SftpTimeout ? error.message : error),
      );
      expect(Date.now() - started).toBeLessThan(2000 + 1000);
      expect(message).toMatch(/^the SFTP pickup (used its 2 s budget after [\d,]+ files; the other [\d,]+ files wait|ran past its 2 s budget while moving shipments_\d+\.csv)/);
      const moved = readdirSync(path.join(folder, "done")).length;
      expect(moved).toBeLessThan(names.length);
      expect(readdirSync(folder)).toHaveLength(names.length - moved + 1);
      // A refused file whose move the budget cut off is logged again when the next run moves it.
      expect(await db.prisma.feedImport.count({ where: { shop: SHOP } })).toBeLessThanOrEqual(moved + 1);
    });

    it("reads the folder only up to its entry cap, takes the matching files among those, and says so", async () => {
      oversized(250);
      const limits = { ...PICKUP_LIMITS, maxListedEntries: 100 };
      const pickup = () => pickUpFiles({ db: db.prisma, record }, SHOP, { ...settings(), password: null, hostKey: null }, () => new Date(), limits);
      const report = await pickup();
      expect(report.unfinished).toBe(
        "the SFTP pickup read the first 100 entries of the folder, the most for one run, and took the matching files among them; the others wait for a later run (files it does not take count too: move them out of the folder)",
      );
      expect(report.files).toHaveLength(100);
      expect(readdirSync(path.join(folder, "done"))).toHaveLength(100);
      // The processed folder is an entry of the folder too, if read among the first 100.
      expect((await pickup()).files.length).toBeGreaterThanOrEqual(99);
      expect((await pickup()).unfinished).toBeNull();
      expect(readdirSync(folder)).toEqual(["done"]);
    });

    it("stops reading a listing that never ends", async () => {
      const name = "x".repeat(2000);
      const server = await startHostileSftp(() => Array.from({ length: 50 }, (_, i) => ({ filename: `${name}${i}.txt`, longname: `-rw-r--r-- 1 u g 1 Jan 1 ${name}${i}.txt`, attrs: { mode: 0o100644, uid: 0, gid: 0, size: 1, atime: 0, mtime: 0 } })));
      try {
        const report = await pickUpFiles({ db: db.prisma, record }, SHOP, { ...settings(), host: server.host, port: server.port, password: "any", privateKey: null, hostKey: null, folder: "outbox" }, () => new Date(), {
          ...PICKUP_LIMITS,
          operationTimeoutMs: 5000,
        });
        expect(report).toEqual({ files: [], hostKey: expect.stringMatching(/^SHA256:/), unfinished: expect.stringMatching(/^the SFTP pickup read the first 10,000 entries of the folder, the most for one run/) });
        // 10,000 entries, 50 to an answer, and one more answer to find the cap passed.
        expect(server.readdirs).toBe(201);
      } finally {
        await server.close();
      }
    });
  });

  it("refuses private and local addresses in production unless the operator allows them", async () => {
    for (const host of ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "localhost"]) {
      await expect(resolveSftpHost(host, false), host).rejects.toBeInstanceOf(SftpHostRefused);
      await expect(resolveSftpHost(host, true)).resolves.toBeTruthy();
    }
    await expect(resolveSftpHost("203.0.113.7", false)).resolves.toBe("203.0.113.7");
    expect(privateSftpHostsAllowed({ NODE_ENV: "production" })).toBe(false);
    expect(privateSftpHostsAllowed({ NODE_ENV: "production", SFTP_ALLOW_PRIVATE_HOSTS: "1" })).toBe(true);
  });
});
