import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

// The Remix route is the path `shopify app dev` uses; production takes the lean path in server/index.js.
let db: TestDatabase;
const savedEnv = { ...process.env };
let action: (args: { request: Request; params: object; context: object }) => Promise<Response>;

beforeAll(async () => {
  db = await createTestDatabase();
  Object.assign(process.env, {
    DATABASE_URL: db.url,
    SHOPIFY_API_KEY: "route-test-key",
    SHOPIFY_API_SECRET: TEST_SECRET,
    SHOPIFY_APP_URL: "https://app.example.com",
    DEMO_MODE: "0",
  });
  ({ action } = (await import("../../app/routes/webhooks")) as unknown as { action: typeof action });
});

afterAll(async () => {
  const { getPrisma } = await import("../../app/db.server");
  const { getEventLogWriter } = await import("../../app/store/event-log/index.server");
  await getPrisma().$disconnect();
  await getEventLogWriter().close();
  await db?.drop();
  process.env = savedEnv;
});

function post(body: string, headers: Headers) {
  return action({ request: new Request("https://app.example.com/webhooks", { method: "POST", headers, body }), params: {}, context: {} });
}

describe(`the Remix webhooks route on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("accepts a signed webhook and makes the order readable", async () => {
    const body = JSON.stringify(fixture("single-parcel.create"));
    const response = await post(body, signedWebhookHeaders("orders/create", body));
    expect(response.status).toBe(200);
    expect(await db.prisma.order.count()).toBe(1);
  });

  it("refuses a forged one with 401 and an oversized one with 413, storing nothing", async () => {
    const body = JSON.stringify({ ...fixture("two-box-order.create"), name: "#4242" });
    expect((await post(body, signedWebhookHeaders("orders/create", body, { secret: "forged" }))).status).toBe(401);
    const huge = "x".repeat(3 * 1024 * 1024);
    expect((await post(huge, signedWebhookHeaders("orders/create", huge))).status).toBe(413);
    expect(await db.prisma.event.count()).toBe(1);
  });
});
