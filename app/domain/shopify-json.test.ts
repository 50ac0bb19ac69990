import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseShopifyJson, stringifyShopifyJson } from "./shopify-json";

const MAX_ID = 2n ** 63n - 1n;

describe("parseShopifyJson", () => {
  it("keeps Shopify's example order id exact", () => {
    expect(parseShopifyJson('{"id":820982911946154508}')).toEqual({ id: 820982911946154508n });
    expect(JSON.parse('{"id":820982911946154508}')).toEqual({ id: 820982911946154500 });
  });

  it("reads safe numbers as numbers, whichever path the body takes", () => {
    const body = '{"id":820982911946154508,"quantity":2,"price":"19.99","weight":0.1234567890123456,"small":9007199254740991}';
    expect(parseShopifyJson(body)).toEqual({ id: 820982911946154508n, quantity: 2, price: "19.99", weight: 0.1234567890123456, small: 9007199254740991 });
  });

  it("gives what JSON.parse gives for any JSON without unsafe integers", () => {
    const holdsUnsafeInteger = (value: unknown): boolean =>
      typeof value === "number"
        ? Number.isInteger(value) && !Number.isSafeInteger(value)
        : typeof value === "object" && value !== null && Object.values(value).some(holdsUnsafeInteger);
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!holdsUnsafeInteger(value));
        // The padding sends the same value down the lossless path.
        for (const text of [JSON.stringify(value), JSON.stringify({ note: "1234567890123456", value })]) {
          expect(parseShopifyJson(text)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("two ids that differ by one never meet, up to 2^63-1", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_ID - 1n }), (id) => {
        const a = parseShopifyJson(`{"id":${id}}`) as { id: number | bigint };
        const b = parseShopifyJson(`{"id":${id + 1n}}`) as { id: number | bigint };
        expect(BigInt(a.id)).toBe(id);
        expect(BigInt(b.id)).toBe(id + 1n);
        expect(stringifyShopifyJson(b)).toBe(`{"id":${id + 1n}}`);
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses what is not JSON", () => {
    expect(() => parseShopifyJson("{")).toThrow();
    expect(() => parseShopifyJson('{"id":8209829119461545080000,')).toThrow();
  });
});
