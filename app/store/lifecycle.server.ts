import { Prisma, type ComplianceRequest } from "@prisma/client";
import type { Db } from "../db.server";
import { hashEmail, hashPhone } from "../domain/events";
import type { ComplianceNotice } from "../intake/shop-notice-payloads";
import type { VerifiedWebhook } from "../intake/webhook-verifier.server";
import { eraseOrderContacts } from "./event-log/event-log-writer.server";
import type { SqlWriterConnection } from "./event-log/sql-session.server";

export async function uninstallShop(db: Db, shop: string, at: Date): Promise<void> {
  await db.$transaction([
    db.session.deleteMany({ where: { shop } }),
    // A reinstall does not bring keys back: the merchant hands out new ones (docs/decisions/023-*).
    db.apiKey.updateMany({ where: { shop, revokedAt: null }, data: { revokedAt: at } }),
    db.shop.upsert({
      where: { domain: shop },
      create: { domain: shop, uninstalledAt: at },
      update: { uninstalledAt: at },
    }),
  ]);
}

export async function updateGrantedScopes(db: Db, shop: string, current: readonly string[]): Promise<void> {
  await db.session.updateMany({ where: { shop }, data: { scope: current.join(",") } });
}

/**
 * Who a customers/* request is about, as ComplianceRequest keeps it (with customerId in its own
 * column): the order ids Shopify names, and email and phone only as the hashes orders are looked up by.
 */
export type ComplianceSubject = { orderIds: string[]; emailHash: string | null; phoneHash: string | null };

export function complianceSubject(request: Pick<ComplianceRequest, "subject">): ComplianceSubject {
  const parsed = JSON.parse(request.subject) as Partial<ComplianceSubject>;
  return { orderIds: parsed.orderIds ?? [], emailHash: parsed.emailHash ?? null, phoneHash: parsed.phoneHash ?? null };
}

export type ComplianceOutcome = "ok" | "duplicate" | "conflict" | "held";

export const SHOP_REDACT_WHILE_INSTALLED = "not carried out: the app is installed on this shop (Shopify sends shop/redact 48 hours after uninstall)";

/** Installed while it holds a session: app/uninstalled deletes them, a new install creates one. */
async function isInstalled(db: Db, shop: string): Promise<boolean> {
  return (await db.session.count({ where: { shop } })) > 0;
}

/**
 * Records a GDPR request and carries it out. A request is identified by its webhook id, which
 * Shopify keeps when it redelivers a failed delivery: a redelivery of a request that has not
 * completed runs it again, one that has is acknowledged as a duplicate. Each request completes only
 * through its own successful run; a failed run counts the attempt, keeps why (without personal
 * data) for Settings → Privacy, and is rethrown so the delivery fails and Shopify sends it again.
 * customers/data_request stays pending until the merchant downloads the export (privacy-export.server.ts).
 */
export async function handleComplianceRequest(
  db: Db,
  writer: SqlWriterConnection,
  webhook: VerifiedWebhook,
  notice: ComplianceNotice,
  at: Date,
): Promise<ComplianceOutcome> {
  const request = await recordComplianceRequest(db, webhook, notice, at);
  // The webhook id is a header, outside the signature: it must not let one request's body complete another's.
  if (request.shop !== webhook.shop || request.topic !== notice.topic) return "conflict";
  if (request.completedAt) return "duplicate";
  if (request.topic === "customers/redact") {
    await runComplianceRequest(db, request.id, "erasing the customer's orders", at, () => eraseCustomer(db, writer, request.shop, request), FORGET_SUBJECT);
  } else if (request.topic === "shop/redact") {
    // Shopify sends shop/redact 48 hours after an uninstall. While the app is installed the request
    // cannot be Shopify's: a captured body sent again under this topic must not erase a working shop.
    if (await isInstalled(db, request.shop)) {
      await db.complianceRequest.update({ where: { id: request.id }, data: { lastError: SHOP_REDACT_WHILE_INSTALLED } });
      return "held";
    }
    await runComplianceRequest(db, request.id, "erasing the shop's data", at, () => eraseShop(db, request.shop));
  }
  return "ok";
}

async function recordComplianceRequest(db: Db, webhook: VerifiedWebhook, notice: ComplianceNotice, at: Date): Promise<ComplianceRequest> {
  const about =
    notice.topic === "shop/redact"
      ? null
      : {
          customerId: notice.payload.customer.id,
          requestId: notice.topic === "customers/data_request" ? notice.payload.data_request.id : null,
          subject: {
            orderIds: notice.topic === "customers/redact" ? notice.payload.orders_to_redact : notice.payload.orders_requested,
            emailHash: hashEmail(notice.payload.customer.email),
            phoneHash: hashPhone(notice.payload.customer.phone),
          } satisfies ComplianceSubject,
        };
  return db.complianceRequest.upsert({
    where: { webhookId: webhook.webhookId },
    create: {
      shop: webhook.shop,
      topic: notice.topic,
      webhookId: webhook.webhookId,
      requestId: about?.requestId ?? null,
      customerId: about?.customerId ?? null,
      subject: JSON.stringify(about?.subject ?? {}),
      receivedAt: at,
    },
    update: {},
  });
}

/**
 * Once a customer is erased, the record of the request keeps that it was done, not whom it was about:
 * the customer id and the email and phone hashes would otherwise outlive the erasure they asked for.
 */
const FORGET_SUBJECT = { customerId: null, subject: "{}" } satisfies Prisma.ComplianceRequestUpdateInput;

/** One run of a request: it completes the request, or counts the attempt and rethrows. */
async function runComplianceRequest(
  db: Db,
  id: number,
  step: string,
  at: Date,
  work: () => Promise<void>,
  onCompletion: Prisma.ComplianceRequestUpdateInput = {},
): Promise<void> {
  try {
    await work();
  } catch (error) {
    await recordComplianceFailure(db, id, step, error);
    throw error;
  }
  await db.complianceRequest.update({ where: { id }, data: { ...onCompletion, attempts: { increment: 1 }, lastError: null, completedAt: at } });
}

/**
 * Counts a failed attempt and keeps the step and the error's class and code, not its message:
 * database messages can quote the values of the statement, which may be an order's contact data.
 */
export async function recordComplianceFailure(db: Db, id: number, step: string, error: unknown): Promise<void> {
  const code = error && typeof error === "object" && "code" in error && typeof error.code === "string" ? ` ${error.code}` : "";
  const lastError = `${step} failed (${error instanceof Error ? error.name : "unknown error"}${code})`;
  // Keeping the attempt must not hide the failure itself (a database that is down answers 503 upstream).
  await db.complianceRequest.update({ where: { id }, data: { attempts: { increment: 1 }, lastError } }).catch(() => undefined);
}

/**
 * The shop's orders a customers/* request is about: those Shopify names, and any other order placed
 * with the customer's id, email or phone (as the storefront lookup finds them).
 */
export async function customerOrderIds(db: Db, shop: string, request: Pick<ComplianceRequest, "customerId" | "subject">): Promise<string[]> {
  const { orderIds, emailHash, phoneHash } = complianceSubject(request);
  const or: Prisma.OrderWhereInput[] = [];
  if (orderIds.length) or.push({ orderId: { in: orderIds } });
  if (request.customerId) or.push({ customerId: request.customerId });
  if (emailHash) or.push({ emailHash });
  if (phoneHash) or.push({ phoneHash });
  const orders = or.length ? await db.order.findMany({ where: { shop, OR: or }, select: { orderId: true } }) : [];
  return [...new Set([...orderIds, ...orders.map((o) => o.orderId)])];
}

const REDACTED_RAW = JSON.stringify({ redacted: true });

/**
 * customers/redact: every order of that customer loses its raw payloads, lookup keys and order
 * status link; the status history (what shipped when) stays, as it is not personal data.
 */
async function eraseCustomer(db: Db, writer: SqlWriterConnection, shop: string, request: ComplianceRequest): Promise<void> {
  await eraseOrderContacts(writer, shop, await customerOrderIds(db, shop, request), REDACTED_RAW);
}

/** Every model that holds a shop's data, found from the schema itself so a new table cannot be forgotten. */
export const SHOP_SCOPED_MODELS = Prisma.dmmf.datamodel.models
  .filter((model) => model.name !== "ComplianceRequest" && model.fields.some((field) => field.name === "shop"))
  .map((model) => model.name);

type DeletableDelegate = { deleteMany(args: { where: Record<string, string> }): Prisma.PrismaPromise<unknown> };

/** shop/redact, 48 hours after uninstall: nothing of the shop stays but the record of its compliance requests. */
async function eraseShop(db: Db, shop: string): Promise<void> {
  const delegate = (model: string) => (db as unknown as Record<string, DeletableDelegate>)[model.charAt(0).toLowerCase() + model.slice(1)];
  await db.$transaction([...SHOP_SCOPED_MODELS.map((model) => delegate(model).deleteMany({ where: { shop } })), db.shop.deleteMany({ where: { domain: shop } })]);
}
