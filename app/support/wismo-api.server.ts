/**
 * The two WISMO lookups as the HTTP endpoints and the MCP tools both serve them: answer, record
 * what was said, and now and then prune what has aged out of the window.
 */
import type { Db } from "../db.server";
import { readJsonObject, textField } from "../http/json-body.server";
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
const BODY_LIMIT = 4096;

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

/**
 * What a WISMO request asks, from a POST's JSON body or a GET's query. An email is taken from the
 * body only: in a query it would end up in the access logs of every proxy on the way (decision 024).
 */
async function lookupFields(request: Request): Promise<{ ok: true; get: (key: string) => string | null } | { ok: false; response: Response }> {
  const params = new URL(request.url).searchParams;
  if (request.method === "POST") {
    const reading = await readJsonObject(request, BODY_LIMIT);
    if (!reading.ok) return { ok: false, response: jsonResponse(reading.status, { error: reading.error }) };
    return { ok: true, get: (key) => textField(reading.body, key) };
  }
  if (params.has("email")) return { ok: false, response: jsonResponse(400, { error: 'send the email in a POST body: {"email": "..."}' }) };
  return { ok: true, get: (key) => params.get(key)?.trim() || null };
}

/** POST /api/v1/wismo/orders {"email": …, "lang"?: "fr"} [?integration=…] */
export async function customerOrdersEndpoint(db: Db, request: Request): Promise<Response> {
  const integration = await requireIntegration(db, request);
  const fields = await lookupFields(request);
  if (!fields.ok) return fields.response;
  const email = fields.get("email") ?? "";
  if (!email || email.length > MAX_EMAIL) return jsonResponse(400, { error: 'give {"email": "<the customer\'s email>"} in a POST body' });
  const orders = await lookUpCustomerOrders(db, integration, "api", { email, language: fields.get("lang") }, new Date());
  return jsonResponse(200, { orders });
}

/**
 * GET /api/v1/wismo/order?name=#1001 | ?id=<Shopify order id> [&lang=fr][&integration=…], or
 * POST with {"name" | "id", "email"?, "lang"?}: with an email, the order is answered only if it matches.
 */
export async function orderDetailsEndpoint(db: Db, request: Request): Promise<Response> {
  const integration = await requireIntegration(db, request);
  const fields = await lookupFields(request);
  if (!fields.ok) return fields.response;
  const name = fields.get("name") ?? undefined;
  const id = fields.get("id") ?? undefined;
  if (!name && !id) return jsonResponse(400, { error: "give ?name=#1001 or ?id=<order id>" });
  const order = await lookUpOrder(db, integration, "api", { name, id, email: fields.get("email"), language: fields.get("lang") }, new Date());
  if (!order) return jsonResponse(404, { error: "order not found" });
  return jsonResponse(200, { order });
}
