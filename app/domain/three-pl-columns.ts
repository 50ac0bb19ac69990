/**
 * The columns of a 3PL shipment file and a shop's mapping of them to its own headers. Kept apart from
 * three-pl.ts (which hashes with node:crypto) so the Settings form can import it in the browser.
 */

export const THREE_PL_FIELDS = ["order", "sku", "quantity", "carrier", "tracking_number", "shipped_at", "shipped_time", "items"] as const;
export type ThreePlField = (typeof THREE_PL_FIELDS)[number];

/**
 * Every file names the order and the shipping date. SKU and quantity are needed unless the mapping
 * turns both off: then each row is a package (see three-pl.ts). A parcel may leave without a tracking
 * number or a named carrier, and the time may sit in the date column.
 */
const ALWAYS_REQUIRED: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["order", "shipped_at"]);
const ITEM_FIELDS: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["sku", "quantity"]);
/** Fields a mapping may turn off (the file has no such column, whatever its header row says). */
export const OPTIONAL_THREE_PL_FIELDS: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["sku", "quantity", "carrier", "tracking_number", "shipped_time", "items"]);

export const THREE_PL_FIELD_LABELS: Readonly<Record<ThreePlField, string>> = {
  order: "Order name (#1001)",
  sku: "SKU",
  quantity: "Quantity shipped",
  carrier: "Carrier",
  tracking_number: "Tracking number",
  shipped_at: "Shipped on (date, or date and time)",
  shipped_time: "Shipping time (when apart from the date)",
  items: "Items of a package (SKU x 2; SKU x 1)",
};

/** Our field -> the header of the column that holds it in the shop's files; null: the files have no such column. */
export type ColumnMapping = Readonly<Record<ThreePlField, string | null>>;

/** Package rows: the files name parcels, not lines (no SKU, no quantity). */
export const isPackageMapping = (mapping: ColumnMapping) => mapping.sku === null && mapping.quantity === null;

export const DEFAULT_COLUMN_MAPPING: ColumnMapping = Object.freeze({
  order: "order",
  sku: "sku",
  quantity: "quantity",
  carrier: "carrier",
  tracking_number: "tracking_number",
  shipped_at: "shipped_at",
  shipped_time: "shipped_time",
  // Only package files list their items in one cell; the column is read once a mapping names it.
  items: null,
});

const MAX_HEADER_LENGTH = 100;

/** Headers are compared without case, surrounding spaces or a UTF-8 byte-order mark (Excel writes one). */
export function normalizeHeader(value: string): string {
  return value.replace(/^\uFEFF/, "").trim().toLowerCase();
}

export type MappingCheck = { ok: true; mapping: ColumnMapping } | { ok: false; errors: string[] };

/**
 * Validates a mapping as submitted (blank entries fall back to the default header, null turns an
 * optional column off). Two fields may not share one column: a file could then satisfy the mapping
 * while meaning something else.
 */
export function checkColumnMapping(input: Partial<Record<string, unknown>>): MappingCheck {
  const errors: string[] = [];
  const mapping = {} as Record<ThreePlField, string | null>;
  for (const field of THREE_PL_FIELDS) {
    const raw = input[field];
    if (raw === null) {
      if (!OPTIONAL_THREE_PL_FIELDS.has(field)) errors.push(`${field}: every file needs this column`);
      mapping[field] = null;
      continue;
    }
    const value = typeof raw === "string" ? raw.trim() : "";
    if (raw !== undefined && typeof raw !== "string") errors.push(`${field}: must be text`);
    if (value.length > MAX_HEADER_LENGTH) errors.push(`${field}: header longer than ${MAX_HEADER_LENGTH} characters`);
    mapping[field] = value || DEFAULT_COLUMN_MAPPING[field];
  }
  if ((mapping.sku === null) !== (mapping.quantity === null)) {
    errors.push("sku and quantity: turn both off for package rows, or neither");
  }
  const byHeader = new Map<string, ThreePlField[]>();
  for (const field of THREE_PL_FIELDS) {
    const column = mapping[field];
    if (column === null) continue;
    const header = normalizeHeader(column);
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

/** Columns a file may add to the header row without needing them: a separate time, the items of a package. */
const EXTRA_FIELDS: ReadonlySet<ThreePlField> = new Set<ThreePlField>(["shipped_time", "items"]);

/** The header row a file in this layout starts with, for hints; columns it may add are named after it. */
export const headerRowOf = (mapping: ColumnMapping) => {
  const named = (fields: readonly ThreePlField[]) => fields.flatMap((f) => (mapping[f] === null ? [] : [mapping[f]]));
  const extras = named(THREE_PL_FIELDS.filter((f) => EXTRA_FIELDS.has(f)));
  return named(THREE_PL_FIELDS.filter((f) => !EXTRA_FIELDS.has(f))).join(",") + (extras.length ? ` (optionally also ${extras.join(", ")})` : "");
};

/** Finds each field's column in a header row; a missing required column rejects the whole file. */
export function locateColumns(header: readonly string[], mapping: ColumnMapping): { ok: true; positions: ColumnPositions } | { ok: false; error: string } {
  const normalised = header.map(normalizeHeader);
  const positions = {} as Record<ThreePlField, number | null>;
  const missing: string[] = [];
  for (const field of THREE_PL_FIELDS) {
    const column = mapping[field];
    const index = column === null ? -1 : normalised.indexOf(normalizeHeader(column));
    positions[field] = index >= 0 ? index : null;
    const required = ALWAYS_REQUIRED.has(field) || (ITEM_FIELDS.has(field) && column !== null);
    if (index < 0 && required) missing.push(column!);
  }
  if (missing.length > 0) {
    return { ok: false, error: `missing column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")} in the header row` };
  }
  return { ok: true, positions };
}
