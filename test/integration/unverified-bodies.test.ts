import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { UNVERIFIED_BODY_BUDGET_BYTES } from "../../app/http/body-budget.server";
import { WEBHOOK_BODY_LIMIT } from "../../app/intake/shopify-webhook-intake.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

let db: TestDatabase;
let app: AppProcess;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await startProductionApp(db.url, TEST_SECRET);
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

/** A sender that announces a full-size body and then sends nothing: what a slow flood looks like. */
async function stallingSender(port: number): Promise<net.Socket> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${WEBHOOK_BODY_LIMIT}\r\n\r\n{`);
  return socket;
}

async function deliver() {
  const body = JSON.stringify(fixture("single-parcel.create"));
  return fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders("orders/create", body), body });
}

describe(`bodies before their signature is checked, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("answers 503 with Retry-After once unverified bodies fill the budget, and takes deliveries again when they go", async () => {
    const port = Number(new URL(app.url).port);
    const fill = Math.ceil(UNVERIFIED_BODY_BUDGET_BYTES / WEBHOOK_BODY_LIMIT) + 1;
    const senders = await Promise.all(Array.from({ length: fill }, () => stallingSender(port)));
    try {
      // Under load the server may take a while to read every sender's headers.
      await expect.poll(async () => (await deliver()).status, { timeout: 30_000, interval: 200 }).toBe(503);
      const refused = await deliver();
      expect(refused.headers.get("retry-after")).toBe("5");
    } finally {
      for (const socket of senders) socket.destroy();
    }
    await expect.poll(async () => (await deliver()).status, { timeout: 30_000, interval: 200 }).toBe(200);
  }, 90_000);
});
