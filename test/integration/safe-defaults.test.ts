/**
 * `npm start` as typed, without NODE_ENV: the built server must behave as production
 * (docs/decisions/021-safe-defaults-and-key-rotation.md). Each refusal is a non-zero exit with the
 * reason on stderr; the server that does start keeps /app behind login and its SFTP pickup off
 * private addresses.
 */
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SFTP_PICKUP_JOB } from "../../app/sources/three-pl/sftp-job.server";
import { privateSftpHostsAllowed, saveSftpSettings } from "../../app/sources/three-pl/sftp-pickup.server";
import { startAppProcess } from "../../scripts/lib/app-process";
import { TEST_API_KEY, freePort, requireBuild } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSshd, type TestSshd } from "../support/sshd";

const SHOP = "test-shop.myshopify.com";
let db: TestDatabase;

beforeAll(async () => {
  requireBuild();
  db = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

/**
 * The environment `npm start` sees on a fresh machine: nothing this test process has (NODE_ENV=test,
 * the test key, the SFTP flag) leaks into it. An undefined value is left out of the child's env.
 */
function npmStartEnv(port: number, env: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    NODE_ENV: undefined,
    DEMO_MODE: undefined,
    SFTP_ALLOW_PRIVATE_HOSTS: undefined,
    ENCRYPTION_KEY_PREVIOUS: undefined,
    VITEST: undefined,
    JOBS: "0",
    SHOPIFY_API_KEY: TEST_API_KEY,
    SHOPIFY_API_SECRET: "shpss_test_secret",
    SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    DATABASE_URL: db.url,
    ...env,
  };
}

async function npmStart(env: Record<string, string | undefined>) {
  const port = await freePort();
  return startAppProcess({ port, quiet: true, env: npmStartEnv(port, env) });
}

/** Starts the server and expects it to exit non-zero with `reason` instead of listening. */
async function expectRefusal(env: Record<string, string | undefined>, reason: RegExp) {
  const error = await npmStart(env).then(
    async (app) => {
      await app.stop();
      return null;
    },
    (e: unknown) => e as Error,
  );
  expect(error, "the server started").not.toBeNull();
  expect(error!.message).toMatch(/^app exited with [1-9]/);
  expect(error!.message).toMatch(/Refusing to start: /);
  expect(error!.message).toMatch(reason);
  // The reason is said plainly, not as a stack trace.
  expect(error!.message).not.toMatch(/\n\s+at /);
}

describe(`npm start without NODE_ENV is production, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("refuses to start without SHOPIFY_API_SECRET", async () => {
    await expectRefusal({ SHOPIFY_API_SECRET: undefined }, /Missing required environment: SHOPIFY_API_SECRET/);
  });

  it("refuses to start without ENCRYPTION_KEY, and with a weak or malformed one", async () => {
    await expectRefusal({ ENCRYPTION_KEY: undefined }, /Missing required environment: ENCRYPTION_KEY/);
    // The key that used to be built in when NODE_ENV was not production.
    await expectRefusal({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64") }, /ENCRYPTION_KEY is refused/);
    await expectRefusal({ ENCRYPTION_KEY: Buffer.from("my encryption key is a password!").toString("base64") }, /ENCRYPTION_KEY is refused: it is text/);
    await expectRefusal({ ENCRYPTION_KEY: randomBytes(16).toString("base64") }, /ENCRYPTION_KEY must be 32 random bytes, base64/);
  });

  it("refuses to start with DEMO_MODE=1 (demo mode runs only through npm run demo), credentials or not", async () => {
    const demo = { DEMO_MODE: "1", SHOPIFY_API_KEY: undefined, SHOPIFY_API_SECRET: undefined, SHOPIFY_APP_URL: undefined };
    await expectRefusal(demo, /only through `npm run demo`/);
    await expectRefusal({ DEMO_MODE: "1" }, /only through `npm run demo`/);
  });

  it("starts with what production needs, and keeps /app behind Shopify's login", async () => {
    const app = await npmStart({});
    try {
      expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
      const res = await fetch(`${app.url}/app`, { redirect: "manual" });
      expect(res.status).not.toBe(200);
      expect(await res.text()).not.toMatch(/Overview|demo-store/);
    } finally {
      await app.stop();
    }
  });

  describe("SFTP pickup", () => {
    let sshd: TestSshd;
    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    it("refuses a shop's SFTP server on a private address by default, whatever NODE_ENV says", async () => {
      expect(privateSftpHostsAllowed({})).toBe(false);
      expect(privateSftpHostsAllowed({ NODE_ENV: "development" })).toBe(false);
      expect(privateSftpHostsAllowed({ NODE_ENV: "test" })).toBe(false);

      const key = randomBytes(32);
      const folder = path.join(sshd.root, "outbox");
      await import("node:fs/promises").then((fs) => fs.mkdir(folder, { recursive: true }));
      writeFileSync(path.join(folder, "shipments_1.csv"), "order,sku,quantity,carrier,tracking_number,shipped_at\n");
      await saveSftpSettings(
        db.prisma,
        SHOP,
        { enabled: true, host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.userKey, folder, pattern: "*.csv", processedFolder: "done", everyMinutes: 30 },
        key,
      );
      const app = await npmStart({ JOBS: "1", JOBS_TICK_MS: "200", ENCRYPTION_KEY: key.toString("base64") });
      try {
        const deadline = Date.now() + 15_000;
        let run = await db.prisma.jobRun.findUnique({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
        while (!run?.lastError && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          run = await db.prisma.jobRun.findUnique({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop: SHOP } } });
        }
        expect(run?.lastError).toMatch(/private or local address/);
        expect(existsSync(path.join(folder, "shipments_1.csv"))).toBe(true);
        expect(existsSync(path.join(folder, "done"))).toBe(false);
      } finally {
        await app.stop();
      }
    });
  });
});
