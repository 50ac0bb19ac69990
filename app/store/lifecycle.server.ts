import { sha256Hex } from "../crypto.server";
import { Prisma } from "@prisma/client";
import type { Db } from "../db.server";
import type { VerifiedWebhook } from "../intake/webhook-verifier.server";
import { eraseOrderContacts } from "./event-log/event-log-writer.server";
import type { SqlWriterConnection } from "./event-log/sql-session.server";

export async function uninstallShop(db: Db, shop: string, at: Date): Promise<void> {
  await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    db.shop.upsert({
      where: { domain: shop },
      create: { domain: shop, uninstalledAt: at },
      update: { uninstalledAt: at },
    }),
  ]);
}

export async function updateGrantedScopes(db: Db, shop: string, payload: unknown): Promise<void> {
  const current = (payload as { current?: unknown })?.current;
  if (!Array.isArray(current) || !current.every((s) => typeof s === "string")) return;
  await db.session.updateMany({ where: { shop }, data: { scope: current.join(",") } });
}

/**
 * Records a GDPR request. Returns false only when the same delivery was already carried out,
 * so a retry after a failed erasure erases again.
 */
export async function recordComplianceRequest(
  db: Db,
  webhook: VerifiedWebhook,
  topic: string,
  payload: unknown,
  at: Date,
): Promise<boolean> {
  const customerId = stringId((payload as { customer?: { id?: unknown } })?.customer?.id);
  const row = await db.complianceRequest.upsert({
    where: { webhookId: webhook.webhookId },
    create: { shop: webhook.shop, topic, webhookId: webhook.webhookId, customerId, receivedAt: at },
    update: {},
  });
  if (row.completedAt) return false;
  if (topic === "customers/data_request") await completeCompliance(db, webhook.webhookId, at);
  return true;
}

async function completeCompliance(db: Db, webhookId: string, at: Date) {
  await db.complianceRequest.update({ where: { webhookId }, data: { completedAt: at } });
}

type RedactPayload = {
  customer?: { id?: unknown; email?: unknown; phone?: unknown };
  orders_to_redact?: unknown;
};

const REDACTED_RAW = JSON.stringify({ redacted: true });

/**
 * customers/redact: every order of that customer loses its raw payloads and lookup keys; the
 * status history (what shipped when) stays, as it is not personal data.
 */
export async function eraseCustomer(db: Db, writer: SqlWriterConnection, shop: string, payload: unknown, at: Date): Promise<void> {
  const { customer, orders_to_redact } = (payload ?? {}) as RedactPayload;
  const orderIds = Array.isArray(orders_to_redact) ? orders_to_redact.map(stringId).filter((x): x is string => !!x) : [];
  const customerId = stringId(customer?.id);
  const email = typeof customer?.email === "string" ? customer.email.trim().toLowerCase() : null;
  const or: object[] = [];
  if (orderIds.length) or.push({ orderId: { in: orderIds } });
  if (customerId) or.push({ customerId });
  if (email) or.push({ emailHash: sha256Hex(email) });
  const orders = or.length ? await db.order.findMany({ where: { shop, OR: or }, select: { orderId: true } }) : [];
  const targets = [...new Set([...orderIds, ...orders.map((o) => o.orderId)])];
  await eraseOrderContacts(writer, shop, targets, REDACTED_RAW);
  await db.complianceRequest.updateMany({ where: { shop, topic: "customers/redact", completedAt: null }, data: { completedAt: at } });
}

/** Every model that holds a shop's data, found from the schema itself so a new table cannot be forgotten. */
export const SHOP_SCOPED_MODELS = Prisma.dmmf.datamodel.models
  .filter((model) => model.name !== "ComplianceRequest" && model.fields.some((field) => field.name === "shop"))
  .map((model) => model.name);

type DeletableDelegate = { deleteMany(args: { where: Record<string, string> }): Prisma.PrismaPromise<unknown> };

/** shop/redact, 48 hours after uninstall: nothing of the shop stays but the record of this request. */
export async function eraseShop(db: Db, shop: string): Promise<void> {
  const delegate = (model: string) => (db as unknown as Record<string, DeletableDelegate>)[model.charAt(0).toLowerCase() + model.slice(1)];
  await db.$transaction([
    ...SHOP_SCOPED_MODELS.map((model) => delegate(model).deleteMany({ where: { shop } })),
    db.shop.deleteMany({ where: { domain: shop } }),
    db.complianceRequest.updateMany({ where: { shop, completedAt: null }, data: { completedAt: new Date() } }),
  ]);
}

function stringId(value: unknown): string | null {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.length > 0) return value.replace(/^gid:\/\/shopify\/\w+\//, "");
  return null;
}
