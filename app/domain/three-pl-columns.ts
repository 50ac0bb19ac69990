/**
 * The columns of a 3PL shipment file and a shop's mapping of them to its own headers. Kept apart from
 * three-pl.ts (which hashes with node:crypto) so the Settings form can import it in the browser.
 */

export const THREE_PL_FIELDS = ["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at"] as const;
export type ThreePlField = (typeof THREE_PL_FIELDS)[number];

/** A parcel may leave without a tracking number or a named carrier; everything else is needed. */
export const REQUIRED_THREE_PL_FIELDS: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["order", "sku", "quantity", "shipped_at"]);

export const THREE_PL_FIELD_LABELS: Readonly<Record<ThreePlField, string>> = {
  order: "Order name (#1001)",
  sku: "SKU",
  quantity: "Quantity shipped",
  carrier: "Carrier",
  tracking_number: "Tracking number",
  shipped_at: "Shipped at (ISO 8601)",
};

/** Our field -> the header of the column that holds it in the shop's files. */
export type ColumnMapping = Readonly<Record<ThreePlField, string>>;

export const DEFAULT_COLUMN_MAPPING: ColumnMapping = Object.freeze({
  order: "order",
  sku: "sku",
  quantity: "quantity",
  carrier: "carrier",
  tracking_number: "tracking_number",
  shipped_at: "shipped_at",
});

const MAX_HEADER_LENGTH = 100;

/** Headers are compared without case, surrounding spaces or a UTF-8 byte-order mark (Excel writes one). */
export function normalizeHeader(value: string): string {
  return value.replace(/^\uFEFF/, "").trim().toLowerCase();
}

export type MappingCheck = { ok: true; mapping: ColumnMapping } | { ok: false; errors: string[] };

/**
 * Validates a mapping as submitted (blank entries fall back to the default header). Two fields may not
 * share one column: a file could then satisfy the mapping while meaning something else.
 */
export function checkColumnMapping(input: Partial<Record<string, unknown>>): MappingCheck {
  const errors: string[] = [];
  const mapping = {} as Record<ThreePlField, string>;
  for (const field of THREE_PL_FIELDS) {
    const raw = input[field];
    const value = typeof raw === "string" ? raw.trim() : "";
    if (raw !== undefined && raw !== null && typeof raw !== "string") errors.push(`${field}: must be text`);
    if (value.length > MAX_HEADER_LENGTH) errors.push(`${field}: header longer than ${MAX_HEADER_LENGTH} characters`);
    mapping[field] = value || DEFAULT_COLUMN_MAPPING[field];
  }
  const byHeader = new Map<string, ThreePlField[]>();
  for (const field of THREE_PL_FIELDS) {
    const header = normalizeHeader(mapping[field]);
    byHeader.set(header, [...(byHeader.get(header) ?? []), field]);
  }
  for (const [header, fields] of byHeader) {
    if (fields.length > 1) errors.push(`${fields.join(" and ")} both read the column "${header}"`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, mapping: Object.freeze(mapping) };
}

/** The stored JSON form; anything unreadable falls back to the default layout. */
export function readColumnMapping(json: string | null | undefined): ColumnMapping {
  if (!json) return DEFAULT_COLUMN_MAPPING;
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return DEFAULT_COLUMN_MAPPING;
    const checked = checkColumnMapping(parsed as Record<string, unknown>);
    return checked.ok ? checked.mapping : DEFAULT_COLUMN_MAPPING;
  } catch {
    return DEFAULT_COLUMN_MAPPING;
  }
}

export type ColumnPositions = Readonly<Record<ThreePlField, number | null>>;

/** Finds each field's column in a header row; a missing required column rejects the whole file. */
export function locateColumns(header: readonly string[], mapping: ColumnMapping): { ok: true; positions: ColumnPositions } | { ok: false; error: string } {
  const normalised = header.map(normalizeHeader);
  const positions = {} as Record<ThreePlField, number | null>;
  const missing: string[] = [];
  for (const field of THREE_PL_FIELDS) {
    const index = normalised.indexOf(normalizeHeader(mapping[field]));
    positions[field] = index >= 0 ? index : null;
    if (index < 0 && REQUIRED_THREE_PL_FIELDS.has(field)) missing.push(mapping[field]);
  }
  if (missing.length > 0) {
    return { ok: false, error: `missing column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} in the header row` };
  }
  return { ok: true, positions };
}
