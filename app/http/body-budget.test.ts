import { describe, expect, it } from "vitest";
import { createBodyBudget } from "./body-budget.server";

describe("createBodyBudget", () => {
  it("reserves what a body declares, up to the limit, and refuses past the budget", () => {
    const budget = createBodyBudget(10, 10);
    const first = budget.reserve(4, 8);
    expect(first).toBeTypeOf("function");
    expect(budget.reserve(100, 8)).toBeNull();
    const chunked = budget.reserve(null, 6);
    expect(chunked).toBeTypeOf("function");
    expect(budget.reservedBytes).toBe(10);
    expect(budget.reserve(1, 8)).toBeNull();
  });

  it("gives the room back once, however often it is released", () => {
    const budget = createBodyBudget(10, 10);
    const release = budget.reserve(10, 10)!;
    release();
    release();
    expect(budget.reservedBytes).toBe(0);
    expect(budget.reserve(10, 10)).toBeTypeOf("function");
  });

  it("lets one address hold only its share, and gives it back", () => {
    const budget = createBodyBudget(100, 25);
    const first = budget.reserve(20, 100, "203.0.113.7")!;
    expect(budget.reserve(10, 100, "203.0.113.7")).toBeNull();
    expect(budget.reserve(10, 100, "198.51.100.1")).toBeTypeOf("function");
    first();
    expect(budget.reserve(25, 100, "203.0.113.7")).toBeTypeOf("function");
  });

  it("counts a nonsense length as the whole limit", () => {
    const budget = createBodyBudget(100, 100);
    for (const declared of [Number.NaN, -1, Number.POSITIVE_INFINITY]) budget.reserve(declared, 30);
    expect(budget.reservedBytes).toBe(90);
  });
});
