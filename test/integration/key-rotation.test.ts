/**
 * Rotating ENCRYPTION_KEY on the database TEST_DATABASE names: secrets stored under key A are read
 * while B is current and A is ENCRYPTION_KEY_PREVIOUS, `npm run reencrypt-secrets` moves them to B,
 * and then B alone serves them, down to the production server's SFTP pickup.
 */
import { execFile } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEncryptionKeys } from "../../app/config.server";
import { SecretKeyUnknown, encryptionKeys, keyId, storedKeyId } from "../../app/crypto.server";
import { EncryptedSessionStorage } from "../../app/sessions.server";
import { SFTP_PICKUP_JOB } from "../../app/sources/three-pl/sftp-job.server";
import { loadSftpSettings, saveSftpSettings } from "../../app/sources/three-pl/sftp-pickup.server";
import { PROJECT_ROOT } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSshd, type TestSshd } from "../support/sshd";

const SHOP = "rotating-shop.myshopify.com";
const LEGACY_SHOP = "legacy-shop.myshopify.com";
const A = randomBytes(32);
const B = randomBytes(32);
const b64 = (key: Buffer) => key.toString("base64");

let db: TestDatabase;
let sshd: TestSshd;
let folder: string;

beforeAll(async () => {
  [db, sshd] = await Promise.all([createTestDatabase(), startSshd()]);
  folder = path.join(sshd.root, "outbox");
  mkdirSync(folder);
}, 120_000);
afterAll(async () => {
  await Promise.all([db?.drop(), sshd?.stop()]);
});

const sessions = (keys: Buffer) => new EncryptedSessionStorage(new PrismaSessionStorage(db.prisma), keys);

/** A value as the app stored it before key ids: enc:v1:, AES-256-GCM with no associated data. */
function legacyEncrypted(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return `enc:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

async function storedSecrets(): Promise<string[]> {
  const rows = await db.prisma.session.findMany({ select: { accessToken: true, refreshToken: true } });
  const feeds = await db.prisma.threePlFeed.findMany({ select: { sftpPassword: true, sftpPrivateKey: true } });
  return [...rows.flatMap((r) => [r.accessToken, r.refreshToken]), ...feeds.flatMap((f) => [f.sftpPassword, f.sftpPrivateKey])].filter((v): v is string => !!v);
}

async function reencryptCommand(env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(PROJECT_ROOT, "node_modules/.bin/tsx");
  return promisify(execFile)(tsx, [path.join(PROJECT_ROOT, "scripts/reencrypt-secrets.ts")], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ENCRYPTION_KEY_PREVIOUS: undefined, DATABASE_URL: db.url, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const offline = (shop: string, accessToken: string, refreshToken?: string) =>
  new Session({ id: `offline_${shop}`, shop, state: "state", isOnline: false, scope: "read_orders", accessToken, ...(refreshToken ? { refreshToken } : {}) });

describe(`ENCRYPTION_KEY rotation on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("reads A's secrets with B current and A previous, re-encrypts them all under B, then works with B alone", async () => {
    // Under A: an offline session with both tokens, an online one, SFTP credentials, and a token
    // from before key ids.
    const underA = encryptionKeys(A);
    await sessions(underA).storeSession(offline(SHOP, "shpat_offline_token", "shprt_refresh_token"));
    await sessions(underA).storeSession(new Session({ id: `${SHOP}_42`, shop: SHOP, state: "s", isOnline: true, accessToken: "shpua_online_token" }));
    await db.prisma.session.create({ data: { id: `offline_${LEGACY_SHOP}`, shop: LEGACY_SHOP, state: "s", accessToken: legacyEncrypted("shpat_legacy_token", A) } });
    writeFileSync(path.join(folder, "shipments_1.csv"), "order,sku,quantity,carrier,tracking_number,shipped_at\n");
    await saveSftpSettings(
      db.prisma,
      SHOP,
      { enabled: true, host: sshd.host, port: sshd.port, username: sshd.username, password: "sftp password", privateKey: sshd.userKey, folder, pattern: "*.csv", processedFolder: "done", everyMinutes: 30 },
      underA,
    );
    expect((await storedSecrets()).length).toBe(6);

    // B is current, A previous: everything still reads, and new writes go under B.
    const rotating = readEncryptionKeys({ ENCRYPTION_KEY: b64(B), ENCRYPTION_KEY_PREVIOUS: b64(A) });
    expect((await sessions(rotating).loadSession(`offline_${SHOP}`))?.toObject()).toMatchObject({ accessToken: "shpat_offline_token", refreshToken: "shprt_refresh_token" });
    expect((await sessions(rotating).findSessionsByShop(SHOP)).map((s) => s.accessToken).sort()).toEqual(["shpat_offline_token", "shpua_online_token"]);
    expect((await sessions(rotating).loadSession(`offline_${LEGACY_SHOP}`))?.accessToken).toBe("shpat_legacy_token");
    expect(await loadSftpSettings(db.prisma, SHOP, rotating)).toMatchObject({ password: "sftp password", privateKey: sshd.userKey });
    await expect(sessions(B).loadSession(`offline_${SHOP}`)).rejects.toBeInstanceOf(SecretKeyUnknown);

    const first = await reencryptCommand({ ENCRYPTION_KEY: b64(B), ENCRYPTION_KEY_PREVIOUS: b64(A) });
    expect(first.stderr).toBe("");
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`Re-encrypted 6 secrets with key ${keyId(B)}; 0 were already under it.`);
    const stored = await storedSecrets();
    expect(stored.map(storedKeyId)).toEqual(stored.map(() => keyId(B)));
    for (const value of stored) expect(value).not.toMatch(/shpat_|shprt_|shpua_|sftp password|PRIVATE KEY/);

    // B alone.
    const alone = readEncryptionKeys({ ENCRYPTION_KEY: b64(B) });
    expect((await sessions(alone).loadSession(`offline_${SHOP}`))?.toObject()).toMatchObject({ accessToken: "shpat_offline_token", refreshToken: "shprt_refresh_token" });
    expect((await sessions(alone).loadSession(`offline_${LEGACY_SHOP}`))?.accessToken).toBe("shpat_legacy_token");
    expect((await sessions(alone).findSessionsByShop(SHOP)).map((s) => s.accessToken).sort()).toEqual(["shpat_offline_token", "shpua_online_token"]);
    expect(await loadSftpSettings(db.prisma, SHOP, alone)).toMatchObject({ password: "sftp password", privateKey: sshd.userKey });
    await expect(loadSftpSettings(db.prisma, SHOP, A)).rejects.toBeInstanceOf(SecretKeyUnknown);

    const again = await reencryptCommand({ ENCRYPTION_KEY: b64(B) });
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain("Re-encrypted 0 secrets");

    // The production server with B alone uses the re-encrypted SFTP credentials.
    const app = await startProductionApp(db.url, "unused-secret", { JOBS: "1", JOBS_TICK_MS: "200", ENCRYPTION_KEY: b64(B), SFTP_ALLOW_PRIVATE_HOSTS: "1" });
    try {
      const deadline = Date.now() + 15_000;
      const run = () => db.prisma.jobRun.findUnique({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
      while (!(await run())?.lastFinishedAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await run())?.lastError).toBeNull();
      expect(existsSync(path.join(folder, "done", "shipments_1.csv"))).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it("reports a secret no configured key opens, leaves it as it is, and fails", async () => {
    const C = randomBytes(32);
    await sessions(C).storeSession(offline("lost-key.myshopify.com", "shpat_lost"));
    const before = await db.prisma.session.findUniqueOrThrow({ where: { id: "offline_lost-key.myshopify.com" } });
    const result = await reencryptCommand({ ENCRYPTION_KEY: b64(B) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Session offline_lost-key.myshopify.com accessToken: secret encrypted with key ${keyId(C)}`);
    expect(result.stderr).not.toContain("shpat_lost");
    expect(await db.prisma.session.findUniqueOrThrow({ where: { id: "offline_lost-key.myshopify.com" } })).toEqual(before);
    await db.prisma.session.delete({ where: { id: "offline_lost-key.myshopify.com" } });
  });

  it("refuses to run without a usable current key", async () => {
    expect(await reencryptCommand({ ENCRYPTION_KEY: undefined })).toMatchObject({ code: 1, stderr: expect.stringMatching(/Missing required environment: ENCRYPTION_KEY/) });
    expect(await reencryptCommand({ ENCRYPTION_KEY: b64(Buffer.alloc(32, 7)) })).toMatchObject({ code: 1, stderr: expect.stringMatching(/ENCRYPTION_KEY is refused/) });
  });
});
