import { describe, expect, it } from "vitest";
import { filenameMatcher } from "../../app/sources/three-pl/sftp-pickup.server";

describe("SFTP file-name pattern", () => {
  it("matches the whole name, any case, with * and ?", () => {
    const match = filenameMatcher("shipments_*.csv");
    expect(["shipments_1.csv", "SHIPMENTS_2026-03-05.CSV", "shipments_.csv"].every(match)).toBe(true);
    expect(["shipments_1.csv.tmp", "old_shipments_1.csv", "shipments_1.txt", "shipments_1xcsv"].some(match)).toBe(false);
    expect(["a.csv", ".csv", "a.b.csv", "x.CSV"].every(filenameMatcher("*.csv"))).toBe(true);
    expect(["a.csvx", "a_csv", "csv"].some(filenameMatcher("*.csv"))).toBe(false);
    const twoDigits = filenameMatcher("ship_??.csv");
    expect(["ship_01.csv", "SHIP_ab.csv"].every(twoDigits)).toBe(true);
    expect(["ship_1.csv", "ship_123.csv"].some(twoDigits)).toBe(false);
    expect(filenameMatcher("a+b(1).csv")("a+b(1).csv")).toBe(true);
    expect(filenameMatcher("a+b(1).csv")("aab(1).csv")).toBe(false);
    expect(filenameMatcher("  day?.csv  ")("day1.csv")).toBe(true);
    expect(filenameMatcher("*")("")).toBe(true);
    expect(filenameMatcher("**a**")("bab")).toBe(true);
    expect(filenameMatcher("*a*b")("aaab")).toBe(true);
    expect(filenameMatcher("*a*b")("aaba")).toBe(false);
    expect(filenameMatcher("a*b*c")("abxbc")).toBe(true);
    expect(filenameMatcher("a*b*c")("acb")).toBe(false);
    // A "*" in a name is an ordinary character, matched by any wildcard.
    expect(filenameMatcher("x*y")("x*zy")).toBe(true);
  });

  it("answers at once for a pattern that would backtrack without end as a regular expression", () => {
    expect(filenameMatcher("*a*a*a*a*a*a*a*a*a*b")("a".repeat(10_000))).toBe(false);
    expect(filenameMatcher("*a*a*a*a*a*a*a*a*a*b")(`${"a".repeat(10_000)}b`)).toBe(true);
  });
});
