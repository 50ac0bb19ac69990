/**
 * "Where is my order?" answers for support bots: the order's truth mapped onto the stages helpdesk
 * policies branch on, an action (inform or escalate to a person) and a message a bot can say as is.
 *
 * Pure: no I/O, no clock (the caller hands in a document that applyClock already brought up to date).
 * Only type imports, so client code may import the vocabularies below.
 */
import type { OrderStatusValue, ShipmentStatus } from "./events";
import type { OrderStatus, ShipmentView } from "./rollup";

export const WISMO_STAGES = ["approved", "processing", "pending_shipment", "shipped", "in_transit", "delivered", "canceled"] as const;
export type WismoStage = (typeof WISMO_STAGES)[number];

export const WISMO_ACTIONS = ["inform", "escalate"] as const;
export type WismoAction = (typeof WISMO_ACTIONS)[number];

/** Why a person should take over, most urgent first: the first that applies is the reason given. */
export const ESCALATION_REASONS = [
  "sources_disagree",
  "delivery_exception",
  "attempted_delivery",
  "delayed",
  "stalled",
  "on_hold",
  "nothing_to_ship",
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

export const WISMO_LANGUAGES = ["en", "fr"] as const;
export type WismoLanguage = (typeof WISMO_LANGUAGES)[number];

/** As the admin view carries them (contracts/order-status.schema.json); unknown codes still count. */
export type Discrepancy = { code: string; since: string; detail?: string };

export type Wismo = {
  stage: WismoStage;
  action: WismoAction;
  /** escalate: an EscalationReason; inform: the order status the stage came from */
  reason: EscalationReason | OrderStatusValue;
  message: string;
  trackingNumbers: string[];
  expectedDeliveryAt: string | null;
  statusPageUrl: string | null;
  language: WismoLanguage;
};

/** The one mapping from our order statuses to helpdesk stages (README and docs/decisions/009). */
export const STAGE_OF_STATUS: Readonly<Record<OrderStatusValue, WismoStage>> = Object.freeze({
  unfulfilled: "approved",
  no_shipping_required: "approved",
  on_hold: "processing",
  partially_shipped: "pending_shipment",
  shipped: "shipped",
  in_transit: "in_transit",
  out_for_delivery: "in_transit",
  partially_delivered: "in_transit",
  ready_for_pickup: "in_transit",
  delivered: "delivered",
  cancelled: "canceled",
});

/** These two discrepancies restate a clock flag; every other one means the sources disagree. */
const DISCREPANCY_REASON: Readonly<Record<string, EscalationReason>> = Object.freeze({
  past_estimated_delivery: "delayed",
  stalled_no_carrier_scan: "stalled",
});

/** "fr", "fr-CA", "FR_ca" -> "fr"; anything we have no words for -> null. */
export function wismoLanguage(value: string | null | undefined): WismoLanguage | null {
  const base = (value ?? "").trim().toLowerCase().split(/[-_]/)[0];
  return (WISMO_LANGUAGES as readonly string[]).includes(base) ? (base as WismoLanguage) : null;
}

export function escalationReasons(status: OrderStatus, discrepancies: readonly Discrepancy[]): EscalationReason[] {
  const found = new Set<EscalationReason>();
  for (const d of discrepancies) found.add(DISCREPANCY_REASON[d.code] ?? "sources_disagree");
  if (status.status !== "cancelled") {
    if (status.attention.includes("delivery_exception")) found.add("delivery_exception");
    if (status.attention.includes("attempted_delivery")) found.add("attempted_delivery");
    if (status.attention.includes("delayed")) found.add("delayed");
    if (status.attention.includes("stalled")) found.add("stalled");
    if (status.attention.includes("on_hold") || status.status === "on_hold") found.add("on_hold");
  }
  if (status.status === "no_shipping_required") found.add("nothing_to_ship");
  return ESCALATION_REASONS.filter((r) => found.has(r));
}

export function wismoFor(
  status: OrderStatus,
  discrepancies: readonly Discrepancy[],
  options: { language?: string | null; timeZone?: string } = {},
): Wismo {
  const language = wismoLanguage(options.language) ?? "en";
  const stage = STAGE_OF_STATUS[status.status];
  const reasons = escalationReasons(status, discrepancies);
  const action: WismoAction = reasons.length > 0 ? "escalate" : "inform";
  const live = status.shipments.filter((s) => s.status !== "cancelled");
  const expectedDeliveryAt = stage === "delivered" || stage === "canceled" ? null : status.estimatedDeliveryAt;
  const words = WORDS[language];
  const date = (iso: string) => new Intl.DateTimeFormat(language, { dateStyle: "long", timeZone: options.timeZone ?? "UTC" }).format(new Date(iso));

  const sentences = [words.lead(status, live, date)];
  if (expectedDeliveryAt) sentences.push(reasons.includes("delayed") ? words.late(date(expectedDeliveryAt)) : words.expected(date(expectedDeliveryAt)));
  if (reasons[0]) {
    const cause = words.cause[reasons[0]];
    if (cause) sentences.push(cause);
    sentences.push(words.handOver);
  }
  return {
    stage,
    action,
    reason: reasons[0] ?? status.status,
    message: sentences.join(" "),
    trackingNumbers: uniqueTracking(live),
    expectedDeliveryAt,
    statusPageUrl: status.statusPageUrl,
    language,
  };
}

// ---------------------------------------------------------------------------------------------------
// Wording
// ---------------------------------------------------------------------------------------------------

type Words = {
  lead: (status: OrderStatus, live: readonly ShipmentView[], date: (iso: string) => string) => string;
  expected: (date: string) => string;
  late: (date: string) => string;
  /** A sentence only where the lead does not already say it. */
  cause: Readonly<Partial<Record<EscalationReason, string>>>;
  handOver: string;
};

function uniqueTracking(shipments: readonly ShipmentView[]): string[] {
  return [...new Set(shipments.flatMap((s) => s.trackingNumbers))];
}

function itemList(shipments: readonly ShipmentView[]): string {
  return shipments
    .flatMap((s) => s.items)
    .map((i) => (i.quantity > 1 ? `${i.quantity} × ${i.title}` : i.title))
    .join(", ");
}

/** "UPS, tracking 1Z…" / "UPS, suivi 1Z…"; empty when nothing is known. */
function carrierWords(shipments: readonly ShipmentView[], trackingWord: string): string {
  const carriers = [...new Set(shipments.map((s) => s.carrier).filter((c): c is string => !!c))];
  const tracking = uniqueTracking(shipments);
  const parts = [carriers.join(", "), tracking.length ? `${trackingWord} ${tracking.join(", ")}` : ""].filter(Boolean);
  return parts.join(", ");
}

const inParens = (text: string) => (text ? ` (${text})` : "");

function parcelList(shipments: readonly ShipmentView[], statusWords: Readonly<Record<ShipmentStatus, string>>, trackingWord: string): string {
  return shipments
    .map((s) => `${itemList([s]) || "…"} (${[statusWords[s.status], carrierWords([s], trackingWord)].filter(Boolean).join(", ")})`)
    .join("; ");
}

/** A parcel the carrier failed to deliver or reported a problem with is not simply "on its way". */
function troubled(live: readonly ShipmentView[]): boolean {
  return live.some((s) => s.status === "attempted_delivery" || s.status === "exception");
}

function pickupPlace(live: readonly ShipmentView[]): string | null {
  return live.find((s) => s.status === "ready_for_pickup" && s.lastEvent?.location)?.lastEvent?.location ?? null;
}

const EN_SHIPMENT: Readonly<Record<ShipmentStatus, string>> = {
  label_created: "waiting for the carrier",
  confirmed: "waiting for the carrier",
  in_transit: "in transit",
  out_for_delivery: "out for delivery",
  attempted_delivery: "delivery attempted",
  ready_for_pickup: "ready for pickup",
  delivered: "delivered",
  exception: "delivery problem",
  cancelled: "canceled",
};

const FR_SHIPMENT: Readonly<Record<ShipmentStatus, string>> = {
  label_created: "en attente du transporteur",
  confirmed: "en attente du transporteur",
  in_transit: "en transit",
  out_for_delivery: "en cours de livraison",
  attempted_delivery: "tentative de livraison",
  ready_for_pickup: "prêt à être retiré",
  delivered: "livré",
  exception: "problème de livraison",
  cancelled: "annulé",
};

const EN: Words = {
  lead(status, live, date) {
    const n = status.name;
    const { total, shipped, delivered } = status.items;
    switch (status.status) {
      case "unfulfilled":
        return `Order ${n} is confirmed and has not shipped yet.`;
      case "no_shipping_required":
        return `Order ${n} has no items that need shipping, so there is no parcel to track.`;
      case "on_hold":
        return `Order ${n} is confirmed, but its shipment is on hold for now.`;
      case "partially_shipped":
        return `${shipped} of ${total} items in order ${n} ${shipped === 1 ? "has" : "have"} shipped: ${parcelList(live, EN_SHIPMENT, "tracking")}. ${total - shipped === 1 ? "The other item has" : `The other ${total - shipped} items have`} not shipped yet.`;
      case "shipped":
        return `Order ${n} is packed and labeled for shipping${inParens(carrierWords(live, "tracking"))}, but the carrier has not scanned it yet.`;
      case "in_transit":
        return `Order ${n} is ${troubled(live) ? "with the carrier" : "on its way"}${inParens(carrierWords(live, "tracking"))}.`;
      case "out_for_delivery":
        return `Order ${n} is out for delivery${inParens(carrierWords(live, "tracking"))}.`;
      case "ready_for_pickup": {
        const place = pickupPlace(live);
        return `Order ${n} is ready for pickup${place ? ` at ${place}` : ""}${inParens(carrierWords(live, "tracking"))}.`;
      }
      case "partially_delivered": {
        const done = live.filter((s) => s.status === "delivered");
        const moving = live.filter((s) => s.status !== "delivered");
        return `${delivered} of ${total} items in order ${n} ${delivered === 1 ? "has" : "have"} been delivered (${itemList(done)}). Still on the way: ${parcelList(moving, EN_SHIPMENT, "tracking")}.`;
      }
      case "delivered":
        return status.deliveredAt ? `Order ${n} was delivered on ${date(status.deliveredAt)}.` : `Order ${n} was delivered.`;
      case "cancelled":
        return status.cancelledAt ? `Order ${n} was canceled on ${date(status.cancelledAt)}.` : `Order ${n} was canceled.`;
    }
  },
  expected: (d) => `Expected delivery: ${d}.`,
  late: (d) => `It was expected by ${d} and is running late.`,
  cause: {
    sources_disagree: "Our systems show conflicting information about this order, so it needs a check by a person.",
    delivery_exception: "The carrier reported a problem with the delivery.",
    attempted_delivery: "The carrier tried to deliver it but could not.",
    stalled: "The carrier has not picked it up yet, which is taking longer than usual.",
  },
  handOver: "A member of our team will follow up with you.",
};

const FR: Words = {
  lead(status, live, date) {
    const n = status.name;
    const { total, shipped, delivered } = status.items;
    switch (status.status) {
      case "unfulfilled":
        return `La commande ${n} est confirmée et n'a pas encore été expédiée.`;
      case "no_shipping_required":
        return `La commande ${n} ne contient aucun article à expédier : il n'y a donc pas de colis à suivre.`;
      case "on_hold":
        return `La commande ${n} est confirmée, mais son expédition est en attente pour le moment.`;
      case "partially_shipped":
        return `${shipped} article${shipped > 1 ? "s" : ""} sur ${total} de la commande ${n} ${shipped > 1 ? "ont été expédiés" : "a été expédié"} : ${parcelList(live, FR_SHIPMENT, "suivi")}. ${total - shipped > 1 ? `Les ${total - shipped} autres n'ont` : "L'autre n'a"} pas encore été expédié${total - shipped > 1 ? "s" : ""}.`;
      case "shipped":
        return `La commande ${n} est emballée et étiquetée pour l'expédition${inParens(carrierWords(live, "suivi"))}, mais le transporteur ne l'a pas encore scannée.`;
      case "in_transit":
        return `La commande ${n} est ${troubled(live) ? "chez le transporteur" : "en route"}${inParens(carrierWords(live, "suivi"))}.`;
      case "out_for_delivery":
        return `La commande ${n} est en cours de livraison${inParens(carrierWords(live, "suivi"))}.`;
      case "ready_for_pickup": {
        const place = pickupPlace(live);
        return `La commande ${n} est prête à être retirée${place ? ` à ${place}` : ""}${inParens(carrierWords(live, "suivi"))}.`;
      }
      case "partially_delivered": {
        const done = live.filter((s) => s.status === "delivered");
        const moving = live.filter((s) => s.status !== "delivered");
        return `${delivered} article${delivered > 1 ? "s" : ""} sur ${total} de la commande ${n} ${delivered > 1 ? "ont été livrés" : "a été livré"} (${itemList(done)}). Encore en route : ${parcelList(moving, FR_SHIPMENT, "suivi")}.`;
      }
      case "delivered":
        return status.deliveredAt ? `La commande ${n} a été livrée le ${date(status.deliveredAt)}.` : `La commande ${n} a été livrée.`;
      case "cancelled":
        return status.cancelledAt ? `La commande ${n} a été annulée le ${date(status.cancelledAt)}.` : `La commande ${n} a été annulée.`;
    }
  },
  expected: (d) => `Livraison prévue : ${d}.`,
  late: (d) => `Elle était attendue pour le ${d} et a du retard.`,
  cause: {
    sources_disagree: "Nos systèmes donnent des informations contradictoires sur cette commande : une personne doit la vérifier.",
    delivery_exception: "Le transporteur a signalé un problème de livraison.",
    attempted_delivery: "Le transporteur a tenté de la livrer, sans succès.",
    stalled: "Le transporteur ne l'a pas encore prise en charge, ce qui prend plus de temps que d'habitude.",
  },
  handOver: "Un membre de notre équipe va revenir vers vous.",
};

const WORDS: Readonly<Record<WismoLanguage, Words>> = { en: EN, fr: FR };
