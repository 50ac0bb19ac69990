/**
 * How a shop's 3PL files are written, beyond which column holds what (three-pl-columns.ts): delimiter,
 * encoding, date format, the warehouse's time zone and the order-number rule, plus the presets for
 * documented layouts. Browser-safe: the Settings form and the Feeds page import it.
 */
import { DateTime } from "luxon";
import { RE2JS } from "re2js";
import { DEFAULT_COLUMN_MAPPING, OPTIONAL_THREE_PL_FIELDS, THREE_PL_FIELDS, normalizeHeader, type ColumnMapping } from "./three-pl-columns";

export const DELIMITERS = ["auto", ",", ";", "\t", "|"] as const;
export type DelimiterSetting = (typeof DELIMITERS)[number];

export const ENCODINGS = ["auto", "utf-8", "windows-1252", "iso-8859-1", "utf-16le", "utf-16be"] as const;
export type EncodingSetting = (typeof ENCODINGS)[number];

export const DATE_FORMATS = ["iso", "month_first", "day_first", "epoch", "compact"] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export const DATE_FORMAT_LABELS: Readonly<Record<DateFormat, string>> = {
  iso: "ISO 8601 (2026-11-24 15:05)",
  month_first: "Month first (11/24/2026 3:05:12 PM)",
  day_first: "Day first (24.11.2026 15:05 or 24/11/2026)",
  epoch: "Unix time (seconds, or milliseconds)",
  compact: "Compact (202611241505)",
};

export const ORDER_RULES = ["as_written", "strip_prefix", "digits", "pattern"] as const;
export type OrderRule = (typeof ORDER_RULES)[number];

export const ORDER_RULE_LABELS: Readonly<Record<OrderRule, string>> = {
  as_written: "As written (1001 reads as #1001)",
  strip_prefix: "Remove a prefix, then add #",
  digits: "Take the number (one run of digits), then add #",
  pattern: "Regular expression (RE2 syntax): its first group is the number",
};

export type ThreePlFormat = {
  delimiter: DelimiterSetting;
  encoding: EncodingSetting;
  dateFormat: DateFormat;
  /** IANA zone of the warehouse clock, for times written without an offset */
  timeZone: string;
  orderRule: OrderRule;
  /** for strip_prefix */
  orderPrefix: string;
  /** for pattern */
  orderPattern: string;
  /** the sheet of an .xlsx workbook to read; empty: the first */
  sheet: string;
};

/**
 * The format as stored. settingsErrors is set when the stored settings no longer pass checkFormat
 * (saved under older rules): the defaults stand in for the Settings form, and every row is refused
 * until the settings are saved again.
 */
export type StoredFormat = ThreePlFormat & { settingsErrors?: readonly string[] };

export const DEFAULT_FORMAT: ThreePlFormat = Object.freeze({
  delimiter: "auto",
  encoding: "auto",
  dateFormat: "iso",
  timeZone: "UTC",
  orderRule: "as_written",
  orderPrefix: "",
  orderPattern: "",
  sheet: "",
});

export const isTimeZone = (zone: string) => zone.length <= 64 && DateTime.now().setZone(zone).isValid;

const MAX_PATTERN = 200;

/**
 * A merchant's order pattern, compiled for RE2's engine: matching time grows linearly with the cell,
 * whatever the pattern, so no pattern can stall the process all shops share (a backtracking engine
 * takes seconds on `^((?:\d|\d)*)x$` and a few dozen digits). RE2 has no lookaround or back-references.
 */
export function compileOrderPattern(pattern: string): { ok: true; pattern: RE2JS } | { ok: false; error: string } {
  if (pattern.length > MAX_PATTERN) return { ok: false, error: `longer than ${MAX_PATTERN} characters` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    return { ok: false, error: `${(error as Error).message} (lookaround and back-references are not supported)` };
  }
  if (compiled.groupCount() < 1) return { ok: false, error: "needs a group in parentheses around the number" };
  return { ok: true, pattern: compiled };
}

export type FormatCheck = { ok: true; format: ThreePlFormat } | { ok: false; errors: string[] };

export function checkFormat(input: Partial<Record<string, unknown>>): FormatCheck {
  const errors: string[] = [];
  const text = (name: keyof ThreePlFormat) => (typeof input[name] === "string" ? (input[name] as string) : "");
  const pick = <T extends string>(name: keyof ThreePlFormat, allowed: readonly T[]): T => {
    const value = text(name) || DEFAULT_FORMAT[name];
    if ((allowed as readonly string[]).includes(value)) return value as T;
    errors.push(`${name}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    return DEFAULT_FORMAT[name] as T;
  };
  const format: ThreePlFormat = {
    delimiter: pick("delimiter", DELIMITERS),
    encoding: pick("encoding", ENCODINGS),
    dateFormat: pick("dateFormat", DATE_FORMATS),
    timeZone: text("timeZone").trim() || DEFAULT_FORMAT.timeZone,
    orderRule: pick("orderRule", ORDER_RULES),
    orderPrefix: text("orderPrefix").trim(),
    orderPattern: text("orderPattern").trim(),
    sheet: text("sheet").trim(),
  };
  if (format.sheet.length > 100) errors.push("sheet: longer than 100 characters");
  if (!isTimeZone(format.timeZone)) errors.push(`timeZone: ${JSON.stringify(format.timeZone)} is not an IANA time zone (such as America/New_York)`);
  if (format.orderRule === "strip_prefix" && !format.orderPrefix) errors.push("orderPrefix: name the prefix to remove");
  if (format.orderPrefix.length > 50) errors.push("orderPrefix: longer than 50 characters");
  if (format.orderRule === "pattern") {
    if (!format.orderPattern) errors.push("orderPattern: write the regular expression");
    else {
      const compiled = compileOrderPattern(format.orderPattern);
      if (!compiled.ok) errors.push(`orderPattern: ${compiled.error}`);
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, format: Object.freeze(format) };
}

/**
 * The stored JSON form. Settings that no longer pass checkFormat carry their errors (see
 * settingsErrors) rather than silently becoming the default: a default time zone or order rule would
 * read a file wrongly without a word.
 */
export function readFormat(json: string | null | undefined): StoredFormat {
  if (!json) return DEFAULT_FORMAT;
  const unusable = (errors: readonly string[]): StoredFormat => Object.freeze({ ...DEFAULT_FORMAT, settingsErrors: errors });
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return unusable(["the stored settings are not readable"]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return unusable(["the stored settings are not readable"]);
  const checked = checkFormat(parsed as Record<string, unknown>);
  return checked.ok ? checked.format : unusable(checked.errors);
}

// ---------------------------------------------------------------------------------------------------
// Presets: documented layouts, recognised from their header row
// ---------------------------------------------------------------------------------------------------

export type ThreePlPreset = {
  id: string;
  label: string;
  description: string;
  mapping: ColumnMapping;
  /** what the layout fixes; the rest (time zone, order rule, encoding) stays the shop's */
  format: Partial<Pick<ThreePlFormat, "delimiter" | "dateFormat">>;
};

const off = null;

export const THREE_PL_PRESETS: readonly ThreePlPreset[] = [
  {
    id: "default",
    label: "Order Truth default",
    description: "One row per shipped line: order, sku, quantity, carrier, tracking_number, shipped_at (ISO 8601).",
    mapping: DEFAULT_COLUMN_MAPPING,
    format: { dateFormat: "iso" },
  },
  {
    id: "shipping_tool_items",
    label: "Shipping tool order-items export",
    description: "One row per item: Order Number, Item SKU, Item Quantity, Carrier, Tracking Number, Ship Date (month first, 11/24/2026 3:05:12 PM).",
    mapping: {
      order: "Order Number",
      sku: "Item SKU",
      quantity: "Item Quantity",
      carrier: "Carrier",
      tracking_number: "Tracking Number",
      shipped_at: "Ship Date",
      shipped_time: off,
      items: off,
    },
    format: { dateFormat: "month_first" },
  },
  {
    id: "marketplace_fulfilled_shipments",
    label: "Marketplace fulfilled-shipments report",
    description:
      "Amazon's Fulfilled Shipments report (tab-separated): merchant-order-id, sku, quantity-shipped, carrier, tracking-number, shipment-date with its offset.",
    mapping: {
      order: "merchant-order-id",
      sku: "sku",
      quantity: "quantity-shipped",
      carrier: "carrier",
      tracking_number: "tracking-number",
      shipped_at: "shipment-date",
      shipped_time: off,
      items: off,
    },
    format: { dateFormat: "iso", delimiter: "\t" },
  },
  {
    id: "package_notice",
    label: "Package-level shipping notice",
    description:
      "One row per package, no SKU or quantity: Order Number, Ship Date, Ship Time, Carrier, Tracking Numbers, and optionally Items (SKU x 2; SKU x 1). A package without items covers the order's units not shipped otherwise.",
    mapping: {
      order: "Order Number",
      sku: off,
      quantity: off,
      carrier: "Carrier",
      tracking_number: "Tracking Numbers",
      shipped_at: "Ship Date",
      shipped_time: "Ship Time",
      items: "Items",
    },
    format: {},
  },
];

export const presetById = (id: string | null | undefined) => THREE_PL_PRESETS.find((p) => p.id === id) ?? null;

/**
 * The preset whose needed columns are all in the header row; when several fit, the one that finds the
 * most of its columns (a layout that is a subset of another must not win). Null when none fits.
 */
export function recognisePreset(header: readonly string[]): ThreePlPreset | null {
  const present = new Set(header.map(normalizeHeader));
  let best: { preset: ThreePlPreset; found: number } | null = null;
  for (const preset of THREE_PL_PRESETS) {
    const columns = THREE_PL_FIELDS.flatMap((field) => {
      const column = preset.mapping[field];
      return column === null ? [] : [{ header: normalizeHeader(column), needed: !OPTIONAL_THREE_PL_FIELDS.has(field) || field === "sku" || field === "quantity" }];
    });
    if (!columns.every((c) => !c.needed || present.has(c.header))) continue;
    const found = columns.filter((c) => present.has(c.header)).length;
    if (!best || found > best.found) best = { preset, found };
  }
  return best?.preset ?? null;
}
