/**
 * JSON as Shopify writes it: ids are 64-bit integers in REST payloads, and JSON.parse rounds any
 * integer above 2^53 (820982911946154508 reads 820982911946154500), so two orders could meet as one.
 * Integers beyond the safe range are read as bigint; the normaliser turns them into exact decimal strings.
 */
import { isInteger, isSafeNumber, parse, stringify } from "lossless-json";

// JSON.parse is exact for every integer of 15 digits or fewer, and it is several times faster than a
// lossless parser: only a body holding a run of 16 digits or more (in a number or not) takes the slow path.
const MAY_HOLD_UNSAFE_INTEGER = /\d{16}/;

const exactNumber = (text: string): number | bigint => (isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text));

export function parseShopifyJson(text: string): unknown {
  if (!MAY_HOLD_UNSAFE_INTEGER.test(text)) return JSON.parse(text);
  return parse(text, null, exactNumber);
}

/** The inverse of parseShopifyJson: a bigint is written back as the integer it was read from. */
export function stringifyShopifyJson(value: unknown): string {
  return stringify(value) ?? "null";
}
