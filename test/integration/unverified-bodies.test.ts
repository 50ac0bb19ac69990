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

/**
 * A sender that announces a full-size body and then sends nothing: what a slow flood looks like.
 * `from` is its loopback address (all of 127/8 is this machine), as one address may hold only a share.
 */
async function stallingSender(port: number, from = "127.0.0.1"): Promise<{ socket: net.Socket; hungUp: Promise<void> }> {
  const socket = net.connect({ port, host: "127.0.0.1", localAddress: from });
  // Watched from the start: a sender refused at once is answered before anyone could listen later, and
  // one answered 503 holds no room whether or not its connection has gone yet.
  const hungUp = new Promise<void>((resolve) => socket.once("close", () => resolve()).once("data", () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${WEBHOOK_BODY_LIMIT}\r\n\r\n{`);
  return { socket, hungUp };
}

/**
 * One more full-size sender, answered 503 only while the budget is full; an accepted one is hung up
 * at once, giving its room back. Tells when the server has read every stalled sender's headers.
 */
async function probe(port: number, from?: string): Promise<number> {
  const { socket } = await stallingSender(port, from);
  const status = await new Promise<number>((resolve) => {
    socket.once("data", (data) => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data.toString())?.[1] ?? 0)));
    setTimeout(() => resolve(0), 500);
  });
  socket.destroy();
  return status;
}

async function deliver() {
  const body = JSON.stringify(fixture("single-parcel.create"));
  return fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders("orders/create", body), body });
}

describe(`bodies before their signature is checked, on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("answers 503 with Retry-After once unverified bodies fill the budget, and hangs up on senders past the deadline", async () => {
    const port = Number(new URL(app.url).port);
    // Spread over four addresses, each within its share; two more than fill it: a sender read while a
    // probe holds its room is refused, and the rest still fill it.
    const fill = Math.ceil(UNVERIFIED_BODY_BUDGET_BYTES / WEBHOOK_BODY_LIMIT) + 2;
    const senders = await Promise.all(Array.from({ length: fill }, (_, i) => stallingSender(port, `127.0.0.${2 + (i % 4)}`)));
    // The server reads the senders' headers in its own time, under load too: wait until they fill it.
    await expect.poll(() => probe(port), { timeout: 30_000, interval: 100 }).toBe(503);
    const refused = await deliver();
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    // Nobody closes them here: the server hangs up once their bodies are overdue, and takes deliveries again.
    await Promise.all(senders.map((sender) => sender.hungUp));
    await expect.poll(async () => (await deliver()).status, { timeout: 30_000, interval: 200 }).toBe(200);
  }, 90_000);

  it("lets one address hold only its share of the budget", async () => {
    const port = Number(new URL(app.url).port);
    const share = Math.ceil(UNVERIFIED_BODY_BUDGET_BYTES / 4 / WEBHOOK_BODY_LIMIT);
    const senders = await Promise.all(Array.from({ length: share }, () => stallingSender(port, "127.0.0.9")));
    try {
      await expect.poll(() => probe(port, "127.0.0.9"), { timeout: 30_000, interval: 100 }).toBe(503);
      // Another address still gets in.
      expect(await deliver()).toMatchObject({ status: 200 });
    } finally {
      for (const { socket } of senders) socket.destroy();
    }
  }, 90_000);
});
