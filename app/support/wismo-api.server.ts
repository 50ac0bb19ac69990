/**
 * The two WISMO lookups as the HTTP endpoints and the MCP tools both serve them: answer, record
 * what was said, and now and then prune what has aged out of the window.
 */
import type { Db } from "../db.server";
import { pruneOccasionally } from "./bot-answers.server";
import { jsonResponse } from "./support-api.server";
import {
  customerOrders,
  orderDetails,
  recordAnswers,
  requireIntegration,
  type Channel,
  type Integration,
  type OrderReference,
  type WismoAnswer,
} from "./wismo.server";

const MAX_EMAIL = 254;

export async function lookUpCustomerOrders(
  db: Db,
  integration: Integration,
  channel: Channel,
  input: { email: string; language?: string | null },
  now: Date,
): Promise<WismoAnswer[]> {
  const answered = await customerOrders(db, integration.shop, input.email, { language: input.language, now });
  await recordAnswers(db, integration, channel, answered, now);
  await pruneOccasionally(db, integration.shop, now, answered.length);
  return answered.map((a) => a.answer);
}

export async function lookUpOrder(
  db: Db,
  integration: Integration,
  channel: Channel,
  input: OrderReference & { language?: string | null },
  now: Date,
): Promise<WismoAnswer | null> {
  const answered = await orderDetails(db, integration.shop, input, { language: input.language, now });
  if (!answered) return null;
  await recordAnswers(db, integration, channel, [answered], now);
  await pruneOccasionally(db, integration.shop, now, 1);
  return answered.answer;
}

/** GET /api/v1/wismo/orders?email=…[&lang=fr][&integration=…] */
export async function customerOrdersEndpoint(db: Db, request: Request): Promise<Response> {
  const integration = await requireIntegration(db, request);
  const params = new URL(request.url).searchParams;
  const email = params.get("email")?.trim() ?? "";
  if (!email || email.length > MAX_EMAIL) return jsonResponse(400, { error: "give ?email=<the customer's email>" });
  const orders = await lookUpCustomerOrders(db, integration, "api", { email, language: params.get("lang") }, new Date());
  return jsonResponse(200, { orders });
}

/** GET /api/v1/wismo/order?name=#1001 | ?id=<Shopify order id> [&email=…][&lang=fr][&integration=…] */
export async function orderDetailsEndpoint(db: Db, request: Request): Promise<Response> {
  const integration = await requireIntegration(db, request);
  const params = new URL(request.url).searchParams;
  const name = params.get("name")?.trim();
  const id = params.get("id")?.trim();
  const email = params.get("email")?.trim() || null;
  if (!name && !id) return jsonResponse(400, { error: "give ?name=#1001 or ?id=<order id>" });
  const order = await lookUpOrder(db, integration, "api", { name, id, email, language: params.get("lang") }, new Date());
  if (!order) return jsonResponse(404, { error: "order not found" });
  return jsonResponse(200, { order });
}
