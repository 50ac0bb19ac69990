/**
 * customers/data_request: everything the app holds about the customer a request names, as one JSON
 * file the merchant downloads from Settings → Privacy and sends on. The first successful download
 * completes the request (Shopify leaves the answer to the merchant; the app's part is the export).
 */
import type { ComplianceRequest, Prisma } from "@prisma/client";
import type { Db } from "../db.server";
import { parseShopifyJson, stringifyShopifyJson } from "../domain/shopify-json";
import { complianceSubject, recordComplianceFailure } from "./lifecycle.server";

export type DataRequestExport = { fileName: string; body: string };

/** Null when the shop has no data request of that id: another shop's request is not there to find. */
export async function exportDataRequest(db: Db, shop: string, id: number, now: Date): Promise<DataRequestExport | null> {
  const request = await db.complianceRequest.findFirst({ where: { id, shop, topic: "customers/data_request" } });
  if (!request) return null;
  let body: string;
  try {
    body = stringifyShopifyJson(await customerData(db, shop, request, now));
  } catch (error) {
    await recordComplianceFailure(db, request.id, "building the export", error);
    throw error;
  }
  if (!request.exportedAt) {
    await db.complianceRequest.updateMany({
      where: { id: request.id, exportedAt: null },
      data: { exportedAt: now, completedAt: request.completedAt ?? now, attempts: { increment: 1 }, lastError: null },
    });
  }
  return { fileName: `data-request-${request.requestId ?? request.id}-${now.toISOString().slice(0, 10)}.json`, body };
}

/**
 * The orders an export discloses: those Shopify names, those placed under the customer's id, and guest
 * orders (no customer id) with the customer's email. Erasure casts a wider net (customerOrderIds, which
 * also matches phones); disclosure must not: a phone or an email shared with another customer account
 * would hand that customer's orders to the requester.
 */
async function disclosedOrderIds(db: Db, shop: string, request: ComplianceRequest): Promise<string[]> {
  const { orderIds, emailHash } = complianceSubject(request);
  const or: Prisma.OrderWhereInput[] = [];
  if (request.customerId) or.push({ customerId: request.customerId });
  if (emailHash) or.push({ emailHash, customerId: null });
  const orders = or.length ? await db.order.findMany({ where: { shop, OR: or }, select: { orderId: true } }) : [];
  return [...new Set([...orderIds, ...orders.map((o) => o.orderId)])];
}

async function customerData(db: Db, shop: string, request: ComplianceRequest, now: Date) {
  const subject = complianceSubject(request);
  const orderIds = await disclosedOrderIds(db, shop, request);
  const where = { shop, orderId: { in: orderIds } };
  const [orders, shipments, events, answers] = await Promise.all([
    db.order.findMany({ where, orderBy: { orderId: "asc" } }),
    db.shipment.findMany({ where, orderBy: [{ orderId: "asc" }, { shipmentId: "asc" }] }),
    db.event.findMany({ where, orderBy: { id: "asc" } }),
    db.botAnswer.findMany({ where, orderBy: { id: "asc" } }),
  ]);
  const of = <T extends { orderId: string }>(rows: T[], orderId: string) => rows.filter((row) => row.orderId === orderId);
  return {
    app: "Order Truth",
    shop,
    generatedAt: now.toISOString(),
    request: {
      shopifyDataRequestId: request.requestId,
      receivedAt: request.receivedAt.toISOString(),
      customerId: request.customerId,
      ordersRequested: subject.orderIds,
    },
    about:
      "Every order of this shop named in the request, placed under the customer's account, or placed as a guest with the customer's email. " +
      "The app keeps email and phone only as sha256 hashes (lookupKeys), used to find an order when the customer asks for it. " +
      "Raw payloads are the bodies as received (older ones are pruned, redacted ones erased).",
    ordersRequestedButNotHeld: subject.orderIds.filter((id) => !orders.some((o) => o.orderId === id)),
    orders: orders.map((order) => ({
      orderId: order.orderId,
      name: order.name,
      placedAt: order.placedAt?.toISOString() ?? null,
      status: order.status,
      deleted: order.deleted,
      lookupKeys: { customerId: order.customerId, emailHash: order.emailHash, phoneHash: order.phoneHash },
      statusDocument: JSON.parse(order.document) as unknown,
      shipments: of(shipments, order.orderId).map((s) => ({ shipmentId: s.shipmentId, status: s.status, carrier: s.carrier, trackingNumbers: s.trackingNumbers.split(" ").filter(Boolean) })),
      events: of(events, order.orderId).map((e) => ({
        source: e.source,
        kind: e.kind,
        occurredAt: e.occurredAt.toISOString(),
        receivedAt: e.receivedAt.toISOString(),
        data: JSON.parse(e.data) as unknown,
        raw: rawPayload(e.raw),
      })),
      botAnswers: of(answers, order.orderId).map((a) => ({
        answeredAt: a.answeredAt.toISOString(),
        integration: a.integration,
        channel: a.channel,
        orderStatus: a.orderStatus,
        stage: a.stage,
        action: a.action,
        reason: a.reason,
        message: a.message,
      })),
    })),
  };
}

/** A raw body as its JSON (ids beyond 2^53 exact), or as the text it is when it is not JSON. */
function rawPayload(raw: string): unknown {
  try {
    return parseShopifyJson(raw);
  } catch {
    return raw;
  }
}
