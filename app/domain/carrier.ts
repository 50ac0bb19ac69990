/**
 * Carrier tracking updates -> "carrier_tracking" events. Pure. Carriers and tracking services
 * (AfterShip, EasyPost, 17TRACK, Shippo, Shopify itself) each spell the same parcel states their own
 * way; CARRIER_STATUS_ALIASES is the one table that maps them to our shipment vocabulary.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { SHIPMENT_STATUSES, normalizeTrackingNumber, toUtcIso, type CarrierTrackingEvent, type ShipmentStatus } from "./events";

export type CarrierStatusMapping = { readonly status: ShipmentStatus; readonly delayed: boolean };

const at = (status: ShipmentStatus, delayed = false): CarrierStatusMapping => Object.freeze({ status, delayed });

/**
 * Keys are compared after aliasKey(): lower case, letters and digits only, so "OUT_FOR_DELIVERY",
 * "OutForDelivery" and "out for delivery" meet. Our own statuses map to themselves.
 */
export const CARRIER_STATUS_ALIASES: Readonly<Record<string, CarrierStatusMapping>> = Object.freeze({
  ...Object.fromEntries(SHIPMENT_STATUSES.map((s) => [s.replace(/_/g, ""), at(s)])),
  // label created, parcel not yet scanned
  inforeceived: at("label_created"),
  pretransit: at("label_created"),
  labelprinted: at("label_created"),
  labelpurchased: at("label_created"),
  labelcreated: at("label_created"),
  shipmentcreated: at("label_created"),
  // the carrier has it
  accepted: at("in_transit"),
  pickedup: at("in_transit"),
  carrierpickedup: at("in_transit"),
  transit: at("in_transit"),
  intransit: at("in_transit"),
  departed: at("in_transit"),
  arrived: at("in_transit"),
  customscleared: at("in_transit"),
  delayed: at("in_transit", true),
  // last mile
  outfordelivery: at("out_for_delivery"),
  // a failed attempt
  attemptfail: at("attempted_delivery"),
  attemptfailed: at("attempted_delivery"),
  attempteddelivery: at("attempted_delivery"),
  deliveryattempted: at("attempted_delivery"),
  deliveryfailure: at("attempted_delivery"),
  undeliverable: at("exception"),
  // waiting at a pickup point or locker
  availableforpickup: at("ready_for_pickup"),
  readyforpickup: at("ready_for_pickup"),
  awaitingpickup: at("ready_for_pickup"),
  // done
  delivered: at("delivered"),
  // something is wrong
  exception: at("exception"),
  failure: at("exception"),
  failed: at("exception"),
  returntosender: at("exception"),
  returned: at("exception"),
  lost: at("exception"),
  damaged: at("exception"),
  expired: at("exception"),
  cancelled: at("cancelled"),
  canceled: at("cancelled"),
  voided: at("cancelled"),
});

export function aliasKey(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9]+/g, "");
}

/** Our status for a carrier's word; null for words that say nothing about where the parcel is. */
export function mapCarrierStatus(raw: string | null | undefined): CarrierStatusMapping | null {
  if (!raw) return null;
  const key = aliasKey(raw);
  return Object.prototype.hasOwnProperty.call(CARRIER_STATUS_ALIASES, key) ? (CARRIER_STATUS_ALIASES[key] ?? null) : null;
}

const MAX_TEXT = 500;
const text = (max: number) => z.string().trim().max(max, `longer than ${max} characters`);
const time = z.string().refine((v) => toUtcIso(v) !== null && /^\d{4}-\d{2}-\d{2}/.test(v.trim()), "not an ISO 8601 time");

const updateSchema = z
  .object({
    tracking_number: text(100).refine((v) => normalizeTrackingNumber(v).length > 0, "is empty"),
    carrier: text(100).nullish(),
    status: z.string().min(1, "is empty").max(100),
    happened_at: time,
    estimated_delivery_at: time.nullish(),
    message: text(MAX_TEXT).nullish(),
    location: text(MAX_TEXT).nullish(),
  })
  .strict();

export type CarrierUpdateDraft = {
  /** position in the request (0 for a single object) */
  index: number;
  trackingNumber: string;
  event: Omit<CarrierTrackingEvent, "orderId">;
  raw: string;
};

export type CarrierParseResult = {
  updates: CarrierUpdateDraft[];
  rejected: Array<{ index: number; error: string }>;
};

export const MAX_CARRIER_UPDATES = 1000;

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

/**
 * Reads one update or an array of them. Each bad item is reported by its index and the rest are kept.
 * The dedupe key is the scan itself (tracking number, status, time), so a tracking service that sends
 * the same scan twice changes nothing.
 */
export function parseCarrierUpdates(body: unknown): CarrierParseResult {
  const items = Array.isArray(body) ? body : [body];
  if (items.length > MAX_CARRIER_UPDATES) {
    return { updates: [], rejected: [{ index: 0, error: `more than ${MAX_CARRIER_UPDATES} updates in one request` }] };
  }
  const updates: CarrierUpdateDraft[] = [];
  const rejected: CarrierParseResult["rejected"] = [];
  items.forEach((item, index) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      rejected.push({ index, error: "not a JSON object" });
      return;
    }
    const parsed = updateSchema.safeParse(item);
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `${i.path.join(".") || "(item)"}: ${i.message}`).join("; ");
      rejected.push({ index, error });
      return;
    }
    const u = parsed.data;
    const mapped = mapCarrierStatus(u.status);
    if (!mapped) {
      rejected.push({ index, error: `status: ${JSON.stringify(u.status)} is not a known shipment status` });
      return;
    }
    const tracking = normalizeTrackingNumber(u.tracking_number);
    const happenedAt = toUtcIso(u.happened_at)!;
    updates.push({
      index,
      trackingNumber: tracking,
      raw: JSON.stringify(item),
      event: {
        source: "carrier",
        kind: "carrier_tracking",
        occurredAt: happenedAt,
        dedupeKey: `carrier:${sha256(JSON.stringify([tracking, mapped.status, happenedAt]))}`,
        data: {
          trackingNumber: u.tracking_number,
          carrier: u.carrier || null,
          status: mapped.status,
          happenedAt,
          estimatedDeliveryAt: toUtcIso(u.estimated_delivery_at ?? null),
          message: u.message || (mapped.delayed ? "Delayed" : null),
          location: u.location || null,
        },
      },
    });
  });
  return { updates, rejected };
}
