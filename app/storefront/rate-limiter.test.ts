import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limiter";

describe("createRateLimiter", () => {
  it("allows a burst of `capacity`, then refuses with the seconds until the next token", () => {
    const limiter = createRateLimiter({ capacity: 3, refillPerSecond: 0.5 });
    expect([0, 0, 0].map(() => limiter.take("a", 1_000).allowed)).toEqual([true, true, true]);
    expect(limiter.take("a", 1_000)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect(limiter.take("a", 2_000)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take("a", 3_000)).toEqual({ allowed: true });
    expect(limiter.take("a", 3_000).allowed).toBe(false);
  });

  it("keeps keys apart", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 1 });
    expect(limiter.take("shop-a\n1.2.3.4", 0).allowed).toBe(true);
    expect(limiter.take("shop-a\n1.2.3.4", 0).allowed).toBe(false);
    expect(limiter.take("shop-b\n1.2.3.4", 0).allowed).toBe(true);
    expect(limiter.take("shop-a\n5.6.7.8", 0).allowed).toBe(true);
  });

  it("never refills beyond capacity after a long pause", () => {
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 10 });
    limiter.take("a", 0);
    const later = 3_600_000;
    expect([1, 2, 3].map(() => limiter.take("a", later).allowed)).toEqual([true, true, false]);
  });

  it("treats a clock going backwards as no time passing", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 1 });
    limiter.take("a", 10_000);
    expect(limiter.take("a", 5_000).allowed).toBe(false);
  });

  it("bounds memory by dropping the least recently used key", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 0.001 }, 2);
    limiter.take("old", 0);
    limiter.take("kept", 0);
    limiter.take("kept", 1); // refused, but now the most recent
    limiter.take("new", 2); // evicts "old"
    expect(limiter.size()).toBe(2);
    expect(limiter.take("kept", 3).allowed).toBe(false);
    expect(limiter.take("old", 4).allowed).toBe(true);
  });

  it("rejects limits that could never allow anything", () => {
    expect(() => createRateLimiter({ capacity: 0, refillPerSecond: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ capacity: 1, refillPerSecond: 0 })).toThrow(RangeError);
  });

  it("never allows more than capacity + elapsed × rate, whatever the request times", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        (capacity, rate, gaps) => {
          const limiter = createRateLimiter({ capacity, refillPerSecond: rate });
          let t = 0;
          let allowed = 0;
          for (const gap of gaps) {
            t += gap;
            if (limiter.take("k", t).allowed) allowed += 1;
          }
          expect(allowed).toBeLessThanOrEqual(capacity + Math.floor((t / 1000) * rate + 1e-9));
        },
      ),
    );
  });

  it("says when to come back, and that time is enough", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.01, max: 20, noNaN: true }), (capacity, rate) => {
        const limiter = createRateLimiter({ capacity, refillPerSecond: rate });
        for (let i = 0; i < capacity; i++) limiter.take("k", 0);
        const refused = limiter.take("k", 0);
        if (refused.allowed) throw new Error("expected a refusal once the burst is spent");
        expect(limiter.take("k", refused.retryAfterSeconds * 1000).allowed).toBe(true);
      }),
    );
  });
});
