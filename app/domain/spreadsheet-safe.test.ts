import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { spreadsheetSafe } from "./spreadsheet-safe";

describe("spreadsheetSafe", () => {
  it("turns cells a spreadsheet would evaluate into text", () => {
    for (const formula of ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]) expect(spreadsheetSafe(formula)).toBe(`'${formula}`);
  });

  it("leaves every other cell as it is, and never returns one that starts a formula", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const safe = spreadsheetSafe(value);
        expect(/^[=+\-@\t\r]/.test(safe)).toBe(false);
        expect(safe === value || safe === `'${value}`).toBe(true);
        if (!/^[=+\-@\t\r]/.test(value)) expect(safe).toBe(value);
      }),
      { numRuns: 2000 },
    );
  });
});
