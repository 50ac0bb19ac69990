import type { Db } from "../db.server";
import { hashEmail } from "../domain/events";
import { wismoFor, wismoLanguage, type Wismo } from "../domain/wismo";
import { normalizeOrderName, storefrontView, type StorefrontOrder } from "../storefront/lookup-query";
import type { AuthenticatedKey } from "../store/api-keys.server";
import { readDocument } from "../store/order-queries.server";
import { getBotAnswerSettings } from "./bot-answer-settings.server";
import { adminView, requireApiKey } from "./support-api.server";

/** The storefront view of an order plus what a bot should do with it. */
export type WismoAnswer = StorefrontOrder & { wismo: Wismo };

/** Who is asking: the shop the key belongs to, and a name for the integration behind it. */
export type Integration = { shop: string; keyId: string; name: string };

export type Channel = "api" | "mcp";

export const CUSTOMER_ORDERS_LIMIT = 10;
const MAX_INTEGRATION_NAME = 60;

type OrderRow = { orderId: string; name: string; status: string; document: string };
export const ORDER_FIELDS = { orderId: true, name: true, status: true, document: true } as const;

// ---------------------------------------------------------------------------------------------------
// Who is asking
// ---------------------------------------------------------------------------------------------------

/** A caller-chosen name, printable and short; null when none was given. */
export function integrationName(value: string | null | undefined): string | null {
  const cleaned = (value ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, MAX_INTEGRATION_NAME);
  return cleaned || null;
}

/** The integration behind a request: the X-Integration header or `integration` parameter, else the key's label. */
export function integrationFor(key: AuthenticatedKey, request: Request): Integration {
  const named = integrationName(request.headers.get("x-integration") ?? new URL(request.url).searchParams.get("integration"));
  return { shop: key.shop, keyId: key.id, name: named ?? key.label };
}

/** A key with orders:read, within the shop's rate limit (401, 403, 429 otherwise). */
export async function requireIntegration(db: Db, request: Request): Promise<Integration> {
  return integrationFor(await requireApiKey(db, request, "orders:read"), request);
}

// ---------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------

export type AnswerOptions = { language?: string | null; now: Date };

export type Answered = { answer: WismoAnswer; row: OrderRow };

async function answerFor(db: Db, shop: string, row: OrderRow, language: string, now: Date): Promise<Answered> {
  const view = await adminView(db, shop, row, now);
  const status = readDocument(row.document, now);
  return { answer: { ...storefrontView(status), wismo: wismoFor(status, view.discrepancies, { language }) }, row };
}

export async function answerLanguage(db: Db, shop: string, requested: string | null | undefined): Promise<string> {
  return wismoLanguage(requested) ?? (await getBotAnswerSettings(db, shop)).language ?? "en";
}

/**
 * The customer's most recent orders, newest first. An unknown email gets the same empty list as a
 * customer without orders, so the answer never tells whether someone is a customer.
 */
export async function customerOrders(db: Db, shop: string, email: string, options: AnswerOptions): Promise<Answered[]> {
  const emailHash = hashEmail(email);
  if (!emailHash) return [];
  const rows = await db.order.findMany({
    where: { shop, emailHash },
    orderBy: [{ placedAt: "desc" }, { orderId: "desc" }],
    take: CUSTOMER_ORDERS_LIMIT,
    select: ORDER_FIELDS,
  });
  const language = await answerLanguage(db, shop, options.language);
  return Promise.all(rows.map((row) => answerFor(db, shop, row, language, options.now)));
}

export type OrderReference = { id?: string | null; name?: string | null; email?: string | null };

/** One order by Shopify id or by name; with an email, only if the order is that customer's. */
export async function orderDetails(db: Db, shop: string, ref: OrderReference, options: AnswerOptions): Promise<Answered | null> {
  const id = ref.id?.trim();
  const name = ref.name ? normalizeOrderName(ref.name) : null;
  const where = id && /^\d{1,20}$/.test(id) ? { shop, orderId: id } : name ? { shop, name } : null;
  if (!where) return null;
  const row = await db.order.findFirst({
    where: { ...where, ...(ref.email ? { emailHash: hashEmail(ref.email) ?? "" } : {}) },
    orderBy: { orderId: "desc" },
    select: ORDER_FIELDS,
  });
  if (!row) return null;
  return answerFor(db, shop, row, await answerLanguage(db, shop, options.language), options.now);
}

// ---------------------------------------------------------------------------------------------------
// Recording what was said
// ---------------------------------------------------------------------------------------------------

/** Every answer served is kept for the shop's window, for stale-answer detection. */
export async function recordAnswers(db: Db, integration: Integration, channel: Channel, answered: readonly Answered[], at: Date): Promise<void> {
  if (answered.length === 0) return;
  await db.botAnswer.createMany({
    data: answered.map(({ answer, row }) => ({
      shop: integration.shop,
      orderId: row.orderId,
      orderName: row.name,
      integration: integration.name,
      channel,
      stage: answer.wismo.stage,
      action: answer.wismo.action,
      reason: answer.wismo.reason,
      message: answer.wismo.message,
      orderStatus: row.status,
      answeredAt: at,
    })),
  });
}
