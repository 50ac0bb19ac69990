import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv2020 from "ajv/dist/2020";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateStore, type Scenario, type SimulatedStore } from "../../app/demo/simulated-store";
import { fixture } from "../../app/domain/fixtures/load";
import { ESCALATION_REASONS } from "../../app/domain/wismo";
import { createApiKey, revokeApiKey } from "../../app/store/api-keys.server";
import { saveBotAnswerSettings } from "../../app/support/bot-answer-settings.server";
import { botAnswerReport } from "../../app/support/bot-answers.server";
import { lookUpOrder } from "../../app/support/wismo-api.server";
import type { WismoAnswer } from "../../app/support/wismo.server";
import type { AppProcess } from "../../scripts/lib/app-process";
import { rememberSimulatedFulfillmentOrders } from "../../scripts/lib/demo-store";
import { sendWebhooks } from "../../scripts/lib/webhook-sender";
import { startProductionApp } from "../support/app-server";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { signedWebhookHeaders, TEST_SECRET } from "../support/webhooks";

const SHOP = "wismo-shop.myshopify.com";
const OTHER_SHOP = "other-shop.myshopify.com";
const CLOCK_SHOP = "clock-shop.myshopify.com";
const HOUR = 3_600_000;
const CLOCK_DISCREPANCIES = new Set(["past_estimated_delivery", "stalled_no_carrier_scan"]);

const schema = JSON.parse(readFileSync(new URL("../../contracts/order-status.schema.json", import.meta.url), "utf8"));
const validateContract = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

let db: TestDatabase;
let app: AppProcess;
let store: SimulatedStore;
let clockStore: SimulatedStore;
let key: string;
let otherKey: string;
let revokedKey: string;

const get = (path: string, bearer: string | null = key, headers: Record<string, string> = {}) =>
  fetch(`${app.url}${path}`, { headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...headers } });
/** A lookup with the customer's email in a JSON body, as the endpoints take it. */
const post = (path: string, body: Record<string, string>, bearer: string | null = key) =>
  fetch(`${app.url}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) } });

async function postWebhook(topic: string, payload: unknown, shop = SHOP) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${app.url}/webhooks`, { method: "POST", headers: signedWebhookHeaders(topic, body, { shop }), body });
  expect(res.status).toBe(200);
}

async function mcpClient(bearer: string, name = "test-helpdesk"): Promise<Client> {
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}

function toolJson(result: Awaited<ReturnType<Client["callTool"]>>): Record<string, unknown> {
  const content = result.content as Array<{ type: string; text: string }>;
  expect(content[0]?.type).toBe("text");
  return JSON.parse(content[0]!.text);
}

beforeAll(async () => {
  db = await createTestDatabase();
  // The demo-order search below asks hundreds of questions in a row; the limit has its own test.
  app = await startProductionApp(db.url, TEST_SECRET, { API_RATE_LIMIT_BURST: "100000", API_RATE_LIMIT_PER_SECOND: "100000" });
  key = (await createApiKey(db.prisma, SHOP, "Helpdesk bot", ["orders:read"])).secret;
  otherKey = (await createApiKey(db.prisma, OTHER_SHOP, "Other shop bot", ["orders:read"])).secret;
  const revoked = await createApiKey(db.prisma, SHOP, "Old bot", ["orders:read"]);
  await revokeApiKey(db.prisma, SHOP, revoked.id, new Date());
  revokedKey = revoked.secret;
  const now = new Date();
  store = simulateStore({ shop: SHOP, orders: 300, now, seed: 7 });
  clockStore = simulateStore({ shop: CLOCK_SHOP, orders: 40, now, seed: 11, firstOrderNumber: 5001 });
  for (const [shop, s] of [[SHOP, store], [CLOCK_SHOP, clockStore]] as const) {
    await rememberSimulatedFulfillmentOrders(db.prisma, s);
    const report = await sendWebhooks(app.url, shop, TEST_SECRET, s.deliveries, { concurrency: 16 });
    expect(report.failures).toEqual([]);
  }
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

/**
 * Demo parcels go late or stall as the clock passes: the attention flags an order needs for the
 * answer wanted are none to inform, or the reason's own flag and none of the more urgent ones.
 */
function hasFlagsFor(attention: readonly string[], action: string, reason: string): boolean {
  if (action === "inform") return attention.length === 0;
  const flag: Record<string, string> = { delivery_exception: "delivery_exception", attempted_delivery: "attempted_delivery", delayed: "delayed", stalled: "stalled", on_hold: "on_hold" };
  if (!flag[reason]) return true;
  const moreUrgent = ESCALATION_REASONS.slice(0, ESCALATION_REASONS.indexOf(reason as never)).map((r) => flag[r]).filter(Boolean);
  return attention.includes(flag[reason]!) && moreUrgent.every((f) => !attention.includes(f!));
}

describe(`WISMO endpoints on ${process.env.TEST_DATABASE ?? "sqlite"}`, () => {
  const adminDiscrepancies = async (orderId: string): Promise<Array<{ code: string }>> =>
    ((await (await get(`/api/v1/orders/${orderId}`)).json()) as { discrepancies: Array<{ code: string }> }).discrepancies;

  /** The first demo order of a scenario with the status, flags and (dis)agreement of sources wanted. */
  async function demoOrder(scenario: Scenario, status: string, action: string, reason: string): Promise<WismoAnswer> {
    for (const o of store.orders.filter((x) => x.scenario === scenario)) {
      const res = await get(`/api/v1/wismo/order?id=${o.orderId}`);
      expect(res.status).toBe(200);
      const { order } = (await res.json()) as { order: WismoAnswer };
      if (order.status !== status) continue;
      const codes = (await adminDiscrepancies(order.orderId)).map((d) => d.code);
      if (codes.some((c) => !CLOCK_DISCREPANCIES.has(c)) !== (reason === "sources_disagree")) continue;
      if (action === "inform" && codes.length > 0) continue;
      if (hasFlagsFor(order.attention, action, reason)) return order;
    }
    throw new Error(`no ${scenario} order in the simulated store is ${status} as wanted`);
  }

  it.each([
    ["unfulfilled", "unfulfilled", "approved", "inform", "unfulfilled"],
    ["digital_only", "no_shipping_required", "approved", "escalate", "nothing_to_ship"],
    ["on_hold", "on_hold", "processing", "escalate", "on_hold"],
    ["two_boxes_one_shipped", "partially_shipped", "pending_shipment", "escalate", "delayed"],
    ["no_tracking", "shipped", "shipped", "escalate", "sources_disagree"],
    ["in_transit", "in_transit", "in_transit", "inform", "in_transit"],
    ["out_for_delivery", "out_for_delivery", "in_transit", "inform", "out_for_delivery"],
    ["pickup_ready", "ready_for_pickup", "in_transit", "inform", "ready_for_pickup"],
    ["delayed", "in_transit", "in_transit", "escalate", "delayed"],
    ["attempted_delivery", "in_transit", "in_transit", "escalate", "attempted_delivery"],
    ["exception", "in_transit", "in_transit", "escalate", "delivery_exception"],
    ["two_boxes_one_delivered", "partially_delivered", "in_transit", "inform", "partially_delivered"],
    ["delivered", "delivered", "delivered", "inform", "delivered"],
    ["cancelled", "cancelled", "canceled", "inform", "cancelled"],
    ["cancelled_after_shipping", "cancelled", "canceled", "escalate", "sources_disagree"],
  ] as Array<[Scenario, string, string, string, string]>)("demo %s order (%s): %s, %s (%s)", async (scenario, status, stage, action, reason) => {
    const order = await demoOrder(scenario, status, action, reason);
    const { wismo, ...view } = order;
    expect(validateContract(view), JSON.stringify(validateContract.errors)).toBe(true);
    expect(view).not.toHaveProperty("sources");
    expect({ stage: wismo.stage, action: wismo.action, reason: wismo.reason }).toEqual({ stage, action, reason });
    expect(wismo.message).toContain(order.name);
    expect(wismo.statusPageUrl).toBe(order.statusPageUrl);
    expect(wismo.trackingNumbers).toEqual([...new Set(order.shipments.filter((s) => s.status !== "cancelled").flatMap((s) => s.trackingNumbers))]);
  });

  it("finds one order by name (with or without #), by id, and only for the right email when one is given", async () => {
    const o = store.orders.find((x) => x.scenario === "in_transit")!;
    const asked = [
      () => get(`/api/v1/wismo/order?name=${encodeURIComponent(o.name)}`),
      () => get(`/api/v1/wismo/order?name=${o.name.slice(1)}`),
      () => get(`/api/v1/wismo/order?id=${o.orderId}`),
      () => post(`/api/v1/wismo/order`, { name: o.name, email: o.email.toUpperCase() }),
    ];
    for (const [i, ask] of asked.entries()) {
      const res = await ask();
      expect(res.status, String(i)).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(((await res.json()) as { order: WismoAnswer }).order.orderId).toBe(o.orderId);
    }
    const wrongEmail = await post(`/api/v1/wismo/order`, { name: o.name, email: "someone.else@example.com" });
    expect(wrongEmail.status).toBe(404);
    // An email in a URL lands in every proxy's access log: refused, naming the way to send it.
    const inQuery = await get(`/api/v1/wismo/order?name=${encodeURIComponent(o.name)}&email=${encodeURIComponent(o.email)}`);
    expect(inQuery.status).toBe(400);
    expect(await inQuery.text()).toMatch(/POST body/);
    expect((await get(`/api/v1/wismo/order`)).status).toBe(400);
  });

  it("lists a customer's orders by email, newest first, each with its WISMO answer", async () => {
    const o = store.orders.find((x) => x.scenario === "delivered")!;
    const res = await post(`/api/v1/wismo/orders`, { email: ` ${o.email.toUpperCase()} ` });
    expect(res.status).toBe(200);
    const { orders } = (await res.json()) as { orders: WismoAnswer[] };
    expect(orders.map((x) => x.orderId)).toContain(o.orderId);
    for (const order of orders) {
      expect(order.wismo.stage).toBeTruthy();
      const { wismo: _wismo, ...view } = order;
      expect(validateContract(view), JSON.stringify(validateContract.errors)).toBe(true);
    }
    expect((await get(`/api/v1/wismo/orders`)).status).toBe(400);
    expect((await get(`/api/v1/wismo/orders?email=${encodeURIComponent(o.email)}`)).status).toBe(400);
  });

  it("an unknown email gets exactly the answer of an email without orders", async () => {
    const unknown = await post(`/api/v1/wismo/orders`, { email: "nobody.at.all@example.com" });
    const alsoUnknown = await post(`/api/v1/wismo/orders`, { email: "zz-never-ordered@example.org" });
    expect(unknown.status).toBe(200);
    expect(alsoUnknown.status).toBe(200);
    const headers = (r: Response) => [r.headers.get("content-type"), r.headers.get("cache-control")];
    expect(headers(unknown)).toEqual(headers(alsoUnknown));
    expect(await unknown.text()).toBe('{"orders":[]}');
    expect(await alsoUnknown.text()).toBe('{"orders":[]}');
  });

  it("answers 401 to a missing, malformed, unknown or revoked key", async () => {
    const o = store.orders[0]!;
    for (const bearer of [null, "not-a-key", "otk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrong", revokedKey]) {
      for (const [path, ask] of [
        ["order", () => get(`/api/v1/wismo/order?id=${o.orderId}`, bearer)],
        ["orders", () => post(`/api/v1/wismo/orders`, { email: o.email }, bearer)],
      ] as const) {
        const res = await ask();
        expect(res.status, `${bearer} ${path}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
  });

  it("never shows one shop's orders to another shop's key", async () => {
    const o = store.orders[0]!;
    expect((await get(`/api/v1/wismo/order?id=${o.orderId}`, otherKey)).status).toBe(404);
    expect((await get(`/api/v1/wismo/order?name=${encodeURIComponent(o.name)}`, otherKey)).status).toBe(404);
    expect(await (await post(`/api/v1/wismo/orders`, { email: o.email }, otherKey)).text()).toBe('{"orders":[]}');
    expect(await db.prisma.botAnswer.count({ where: { shop: OTHER_SHOP } })).toBe(0);
  });

  it("speaks the language asked for, else the shop's, else English", async () => {
    const o = store.orders.find((x) => x.scenario === "unfulfilled")!;
    const message = async (query = "") =>
      ((await (await get(`/api/v1/wismo/order?id=${o.orderId}${query}`)).json()) as { order: WismoAnswer }).order.wismo.message;
    expect(await message()).toBe(`Order ${o.name} is confirmed and has not shipped yet.`);
    expect(await message("&lang=fr")).toBe(`La commande ${o.name} est confirmée et n'a pas encore été expédiée.`);
    await saveBotAnswerSettings(db.prisma, SHOP, { windowHours: 72, language: "fr" });
    expect(await message()).toMatch(/^La commande/);
    expect(await message("&lang=en")).toMatch(/^Order/);
    await saveBotAnswerSettings(db.prisma, SHOP, { windowHours: 72, language: null });
  });

  it("records every answer served, named after the key or the integration the caller gives", async () => {
    const o = store.orders.find((x) => x.scenario === "cancelled")!;
    const seen = (await db.prisma.botAnswer.aggregate({ _max: { id: true } }))._max.id ?? 0;
    await get(`/api/v1/wismo/order?id=${o.orderId}`);
    await get(`/api/v1/wismo/order?id=${o.orderId}`, key, { "X-Integration": "Gorgias AI Agent" });
    await get(`/api/v1/wismo/order?id=${o.orderId}&integration=Email%20macros`);
    const rows = await db.prisma.botAnswer.findMany({ where: { shop: SHOP, orderId: o.orderId, id: { gt: seen } }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.integration, r.channel, r.stage, r.action, r.orderName])).toEqual([
      ["Helpdesk bot", "api", "canceled", "inform", o.name],
      ["Gorgias AI Agent", "api", "canceled", "inform", o.name],
      ["Email macros", "api", "canceled", "inform", o.name],
    ]);
    expect(rows[0]!.message).toMatch(/was canceled on/);
  });
});

describe("MCP server through the SDK's client", () => {
  it("lists the lookup tools", async () => {
    const client = await mcpClient(key);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["find_customer_orders", "get_order_status"]);
      expect(client.getServerVersion()?.name).toBe("order-truth-wismo");
      expect(client.getInstructions()).toMatch(/escalate/);
    } finally {
      await client.close();
    }
  });

  it("answers get_order_status and find_customer_orders like the HTTP endpoints, and records them as MCP answers", async () => {
    const o = store.orders.find((x) => x.scenario === "on_hold")!;
    const client = await mcpClient(key);
    try {
      const byName = toolJson(await client.callTool({ name: "get_order_status", arguments: { order_name: o.name, language: "fr" } }));
      const http = ((await (await get(`/api/v1/wismo/order?id=${o.orderId}&lang=fr`)).json()) as { order: WismoAnswer }).order;
      expect(byName.order).toEqual(http);
      expect((byName.order as WismoAnswer).wismo).toMatchObject({ stage: "processing", action: "escalate" });

      const byEmail = toolJson(await client.callTool({ name: "find_customer_orders", arguments: { email: o.email } }));
      expect((byEmail.orders as WismoAnswer[]).map((x) => x.orderId)).toContain(o.orderId);

      const missing = toolJson(await client.callTool({ name: "get_order_status", arguments: { order_name: "#999999" } }));
      expect(missing).toEqual({ order: null, error: "order not found" });
      const nothing = await client.callTool({ name: "get_order_status", arguments: {} });
      expect(nothing.isError).toBe(true);
      const unknownEmail = toolJson(await client.callTool({ name: "find_customer_orders", arguments: { email: "nobody.at.all@example.com" } }));
      expect(unknownEmail).toEqual({ orders: [] });
    } finally {
      await client.close();
    }
    const recorded = await db.prisma.botAnswer.findMany({ where: { shop: SHOP, orderId: o.orderId, channel: "mcp" } });
    expect(recorded.length).toBe(2);
    expect(new Set(recorded.map((r) => r.integration))).toEqual(new Set(["Helpdesk bot"]));
  });

  it("refuses missing, unknown and revoked keys, and keeps shops apart", async () => {
    for (const bearer of ["otk_aaaaaaaaaaaa_wrongwrongwrongwrongwrongwrongwrong", revokedKey]) {
      await expect(mcpClient(bearer)).rejects.toThrow(/401|invalid or revoked/i);
    }
    const unauthenticated = await fetch(`${app.url}/mcp`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(unauthenticated.status).toBe(401);
    expect((await fetch(`${app.url}/mcp`, { headers: { Authorization: `Bearer ${key}` } })).status).toBe(405);

    const o = store.orders[0]!;
    const other = await mcpClient(otherKey);
    try {
      expect(toolJson(await other.callTool({ name: "get_order_status", arguments: { order_id: o.orderId } }))).toEqual({ order: null, error: "order not found" });
      expect(toolJson(await other.callTool({ name: "find_customer_orders", arguments: { email: o.email } }))).toEqual({ orders: [] });
    } finally {
      await other.close();
    }
  });
});

describe("stale answers", () => {
  it("a customer told 'approved' whose order then ships shows as told X, truth Y, counted per integration", async () => {
    await postWebhook("orders/create", fixture("single-parcel.create"));
    const told = await get(`/api/v1/wismo/order?name=%231006`, key, { "X-Integration": "Chat widget" });
    expect(((await told.json()) as { order: WismoAnswer }).order.wismo.stage).toBe("approved");
    expect((await botAnswerReport(db.prisma, SHOP, new Date())).stale.find((s) => s.told.orderName === "#1006")).toBeUndefined();

    await postWebhook("fulfillments/create", fixture("single-parcel.fulfillment.create"));
    const report = await botAnswerReport(db.prisma, SHOP, new Date());
    const stale = report.stale.find((s) => s.told.orderName === "#1006");
    expect(stale?.told).toMatchObject({ integration: "Chat widget", stage: "approved", action: "inform" });
    expect(stale?.told.message).toBe("Order #1006 is confirmed and has not shipped yet.");
    expect(stale?.truth.stage).toBe("shipped");
    expect(stale?.truth.message).toMatch(/^Order #1006 is packed and labeled/);
    expect(report.byIntegration.find((c) => c.integration === "Chat widget")).toEqual({ integration: "Chat widget", answers: 1, stale: 1 });

    // The bot asks again and tells the new truth: nothing stale any more.
    await get(`/api/v1/wismo/order?name=%231006`, key, { "X-Integration": "Chat widget" });
    const after = await botAnswerReport(db.prisma, SHOP, new Date());
    expect(after.stale.find((s) => s.told.orderName === "#1006")).toBeUndefined();
    expect(after.byIntegration.find((c) => c.integration === "Chat widget")).toEqual({ integration: "Chat widget", answers: 2, stale: 0 });
  });

  it("with a controlled clock: a parcel going late overtakes an 'on its way' answer, and the window prunes it", async () => {
    const integration = { shop: CLOCK_SHOP, keyId: "clock", name: "Clock bot" };
    let picked: { orderId: string; eta: number } | null = null;
    for (const o of clockStore.orders.filter((x) => x.scenario === "in_transit")) {
      const row = await db.prisma.order.findUniqueOrThrow({ where: { shop_orderId: { shop: CLOCK_SHOP, orderId: o.orderId } } });
      const eta = JSON.parse(row.document).estimatedDeliveryAt as string | null;
      if (row.status === "in_transit" && eta) picked = { orderId: o.orderId, eta: Date.parse(eta) };
      if (picked) break;
    }
    expect(picked).not.toBeNull();
    const { orderId, eta } = picked!;
    const toldAt = new Date(eta - 2 * HOUR);
    const told = await lookUpOrder(db.prisma, integration, "api", { id: orderId }, toldAt);
    expect(told?.wismo).toMatchObject({ stage: "in_transit", action: "inform" });

    const beforeEta = await botAnswerReport(db.prisma, CLOCK_SHOP, new Date(eta - HOUR));
    expect(beforeEta.stale).toEqual([]);
    expect(beforeEta.byIntegration).toEqual([{ integration: "Clock bot", answers: 1, stale: 0 }]);

    const late = await botAnswerReport(db.prisma, CLOCK_SHOP, new Date(eta + HOUR));
    expect(late.stale).toHaveLength(1);
    expect(late.stale[0]!.told).toMatchObject({ orderId, stage: "in_transit", action: "inform" });
    expect(late.stale[0]!.truth).toMatchObject({ stage: "in_transit", action: "escalate", reason: "delayed" });
    expect(late.byIntegration).toEqual([{ integration: "Clock bot", answers: 1, stale: 1 }]);

    await saveBotAnswerSettings(db.prisma, CLOCK_SHOP, { windowHours: 24, language: null });
    expect((await botAnswerReport(db.prisma, CLOCK_SHOP, new Date(toldAt.getTime() + 23 * HOUR))).answers).toBe(1);
    const pruned = await botAnswerReport(db.prisma, CLOCK_SHOP, new Date(toldAt.getTime() + 25 * HOUR));
    expect(pruned).toMatchObject({ windowHours: 24, answers: 0, stale: [], byIntegration: [] });
    expect(await db.prisma.botAnswer.count({ where: { shop: CLOCK_SHOP } })).toBe(0);
  });
});
