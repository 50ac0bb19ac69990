/**
 * Settings → Privacy and the data request export, through the routes' own loaders and action. The
 * embedded admin's authentication is Shopify's (not under test here): requireAdmin is replaced by
 * the shop the test is signed in as, and the app's database by the test's.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { createWebhookIntake } from "../../app/intake/shopify-webhook-intake.server";
import { createWebhookVerifier } from "../../app/intake/webhook-verifier.server";
import { createWebhookPreparer } from "../../app/intake/webhook-preparer.server";
import { openEventLogWriter } from "../../app/store/event-log/index.server";
import type { SqlWriterConnection } from "../../app/store/event-log/sql-session.server";
import { GroupCommitter } from "../../app/store/group-commit.server";
import { getPrivacySettings } from "../../app/store/privacy.server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "test-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
let signedInAs = SHOP;
let db: TestDatabase;

vi.mock(import("../../app/admin.server"), () => ({ requireAdmin: async () => ({ shop: signedInAs, demo: false, graphql: null }) }));
vi.mock(import("../../app/db.server"), async (original) => ({ ...(await original()), getPrisma: () => db.prisma }));

const settingsRoute = await import("../../app/routes/app.settings");
const exportRoute = await import("../../app/routes/app.privacy.export.$requestId");
const privacySettingsRoute = await import("../../app/routes/app.privacy.settings");

let writer: SqlWriterConnection;
let receive: ReturnType<typeof createWebhookIntake>;

const recently = new Date(Date.now() - 2 * 86_400_000).toISOString();
const camille: Record<string, unknown> = { ...fixture("two-box-order.create"), created_at: recently, updated_at: recently, processed_at: recently };
// Camille's second order, not named in her request: found by her email's hash.
const camilleAgain = { ...camille, id: 5801234567777, name: "#1777", customer: null };
const jonas = {
  ...fixture("single-parcel.create"),
  created_at: recently,
  updated_at: recently,
  email: "jonas.berg@example.org",
  contact_email: "jonas.berg@example.org",
  phone: null,
  customer: { id: 7410852969999, email: "jonas.berg@example.org", first_name: "Jonas", last_name: "Berg", phone: null },
  shipping_address: { first_name: "Jonas", last_name: "Berg", address1: "Storgatan 1", city: "Umeå", country_code: "SE", zip: "90326" },
};
// Another customer's account sharing Camille's household phone, and one placed under her email but
// another account: erasure may reach them, her export must not show them.
const sharesHerPhone = { ...jonas, id: 5801234567555, name: "#1555", phone: "+1 514 555 0142", customer: { id: 7410852965555, phone: "+1 514 555 0142" } };
const sharesHerEmail = { ...jonas, id: 5801234567556, name: "#1556", email: "camille.tremblay@example.com", customer: { id: 7410852965556, email: "camille.tremblay@example.com" } };
// As Shopify sends orders when the app has no access to the email field.
const withoutEmail = { ...fixture("single-parcel.create"), id: 5801234567888, name: "#1888", created_at: recently, updated_at: recently, email: null, contact_email: null, customer: { id: 7410852968888 } };

async function send(topic: string, payload: unknown, shop = SHOP, webhookId?: string) {
  const body = JSON.stringify(payload);
  const answer = await receive(body, signedWebhookHeaders(topic, body, { shop, webhookId }));
  expect(answer.status, answer.body).toBe(200);
}

const dataRequest = (shop: string) => ({
  shop_id: 1,
  shop_domain: shop,
  customer: { id: 7410852963001, email: "camille.tremblay@example.com", phone: "+1 514 555 0142" },
  orders_requested: [camille.id, 5801234567999],
  data_request: { id: 9999 },
});

async function asShop<T>(shop: string, work: () => Promise<T>): Promise<T> {
  signedInAs = shop;
  try {
    return await work();
  } finally {
    signedInAs = SHOP;
  }
}

const download = (id: number | string, shop = SHOP) =>
  asShop(shop, async () => (await exportRoute.loader({ request: new Request(`https://app.example.com/app/privacy/export/${id}`), params: { requestId: String(id) }, context: {} })) as Response);

const settingsPage = async (shop = SHOP) =>
  asShop(shop, async () => {
    const response = (await settingsRoute.loader({ request: new Request("https://app.example.com/app/settings"), params: {}, context: {} })) as Response;
    return (await response.json()) as Awaited<ReturnType<typeof settingsRoute.loader>> extends { json(): Promise<infer T> } ? T : never;
  });

beforeAll(async () => {
  db = await createTestDatabase();
  writer = openEventLogWriter(db.url);
  const committer = new GroupCommitter(() => writer);
  receive = createWebhookIntake({
    db: () => db.prisma,
    writer: () => writer,
    record: (s) => committer.submit(s),
    prepare: createWebhookPreparer(createWebhookVerifier({ apiKey: "k", apiSecret: TEST_SECRET, previousApiSecret: undefined, appUrl: "https://app.example.com" })),
    // As Shopify answers for a shop that uninstalled: its token is refused.
    stillInstalled: async () => false,
  });
  for (const order of [camille, camilleAgain, jonas, withoutEmail, sharesHerPhone, sharesHerEmail]) await send("orders/create", order);
  await send("fulfillments/create", fixture("two-box-order.fulfillment-a.create"));
  // The other shop's own order, as like Camille's as Shopify allows: order ids are global.
  await send("orders/create", { ...camille, id: 5801234560001 }, OTHER_SHOP);
  await db.prisma.botAnswer.create({
    data: { shop: SHOP, orderId: String(camille.id), orderName: "#1001", integration: "helpdesk", channel: "api", stage: "partially_shipped", action: "inform", reason: "r", message: "One box is on its way.", orderStatus: "partially_shipped", answeredAt: new Date() },
  });
  await send("customers/data_request", dataRequest(SHOP), SHOP, "data-request-a");
  await send("customers/data_request", dataRequest(OTHER_SHOP), OTHER_SHOP, "data-request-b");
});

afterAll(async () => {
  await writer?.close();
  await db?.drop();
});

describe(`Settings → Privacy on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  it("says how many recent orders came without an email, as guest lookups cannot find them", async () => {
    const { privacy } = await settingsPage();
    expect(privacy.recentOrders).toEqual({ days: 30, total: 6, withoutEmail: 1 });
    expect((await settingsPage(OTHER_SHOP)).privacy.recentOrders).toEqual({ days: 30, total: 1, withoutEmail: 0 });
  });

  it("lists the shop's own compliance requests, pending until exported", async () => {
    const { privacy } = await settingsPage();
    expect(privacy.requests).toEqual([expect.objectContaining({ topic: "customers/data_request", state: "pending", downloadable: true, exportedAt: null })]);
    const [otherRequest] = (await settingsPage(OTHER_SHOP)).privacy.requests;
    expect(otherRequest!.id).not.toBe(privacy.requests[0]!.id);
  });

  it("another shop cannot download the export, whatever id it asks for", async () => {
    const mine = await db.prisma.complianceRequest.findUniqueOrThrow({ where: { webhookId: "data-request-a" } });
    const response = await download(mine.id, OTHER_SHOP);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("Tremblay");
    for (const id of ["0", "abc", "99999", "1e3", `${mine.id}.5`]) expect((await download(id)).status, id).toBe(404);
    expect(await db.prisma.complianceRequest.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({ exportedAt: null, completedAt: null });
  });

  it("exports everything held about the customer and nobody else, and the first download completes the request", async () => {
    const mine = await db.prisma.complianceRequest.findUniqueOrThrow({ where: { webhookId: "data-request-a" } });
    const response = await download(mine.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Disposition")).toMatch(/attachment; filename="data-request-9999-\d{4}-\d\d-\d\d\.json"/);
    const text = await response.text();
    const data = JSON.parse(text) as {
      request: { shopifyDataRequestId: string; ordersRequested: string[] };
      ordersRequestedButNotHeld: string[];
      orders: Array<{ orderId: string; lookupKeys: { emailHash: string | null }; statusDocument: { status: string }; shipments: unknown[]; events: Array<{ kind: string; data: unknown; raw: unknown }>; botAnswers: Array<{ message: string }> }>;
    };
    expect(data.request).toMatchObject({ shopifyDataRequestId: "9999", ordersRequested: [String(camille.id), "5801234567999"] });
    expect(data.ordersRequestedButNotHeld).toEqual(["5801234567999"]);
    expect(data.orders.map((o) => o.orderId)).toEqual([String(camille.id), "5801234567777"]);
    const [first] = data.orders;
    expect(first!.statusDocument.status).toBe("partially_shipped");
    expect(first!.lookupKeys.emailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first!.shipments.length).toBe(1);
    expect(first!.events.map((e) => e.kind)).toEqual(["order_snapshot", "fulfillment_snapshot"]);
    expect(first!.botAnswers.map((a) => a.message)).toEqual(["One box is on its way."]);
    expect(text).not.toMatch(/jonas|Berg|7410852969999|5801234567555|5801234567556/i);

    const done = await db.prisma.complianceRequest.findUniqueOrThrow({ where: { id: mine.id } });
    expect(done).toMatchObject({ exportedAt: expect.any(Date), completedAt: expect.any(Date), lastError: null });
    expect((await download(mine.id)).status).toBe(200);
    expect(await db.prisma.complianceRequest.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({ exportedAt: done.exportedAt, completedAt: done.completedAt });
    expect((await settingsPage()).privacy.requests[0]).toMatchObject({ state: "completed", exportedAt: done.exportedAt!.toISOString() });
    // The other shop's request is untouched by this one's download.
    expect(await db.prisma.complianceRequest.findUniqueOrThrow({ where: { webhookId: "data-request-b" } })).toMatchObject({ exportedAt: null, completedAt: null });
  });

  it("saves the raw payload retention of the signed-in shop only, and refuses a value out of range", async () => {
    const post = (days: string, shop = SHOP) =>
      asShop(shop, async () => {
        const request = new Request("https://app.example.com/app/privacy/settings", { method: "POST", body: new URLSearchParams({ rawPayloadRetentionDays: days }) });
        return (await privacySettingsRoute.action({ request, params: {}, context: {} })) as Response;
      });
    expect((await post("0")).status).toBe(400);
    expect(await getPrivacySettings(db.prisma, SHOP)).toEqual({ rawPayloadRetentionDays: 90 });
    expect((await post("30")).status).toBe(200);
    expect(await getPrivacySettings(db.prisma, SHOP)).toEqual({ rawPayloadRetentionDays: 30 });
    expect(await getPrivacySettings(db.prisma, OTHER_SHOP)).toEqual({ rawPayloadRetentionDays: 90 });
    expect((await settingsPage()).privacy.settings).toEqual({ rawPayloadRetentionDays: 30 });
  });
});
