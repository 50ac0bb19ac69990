/**
 * How many bytes of bodies nobody has verified yet the process may hold at once. Anyone can open
 * connections to the webhook endpoint and send up to its body limit on each before any signature is
 * checked; without a budget, a few hundred slow senders hold gigabytes. Past the budget a request is
 * answered 503 with Retry-After before its body is read: Shopify retries, and real deliveries (a few
 * kilobytes each) fit by the thousand. Decision 025 records the figure.
 */
export const UNVERIFIED_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

export type BodyBudget = {
  /**
   * Reserves room for a body that declares `declaredLength` bytes (null: chunked, so up to `limit`).
   * Returns the release to call once the request is answered, or null when the budget is spent.
   */
  reserve(declaredLength: number | null, limit: number): (() => void) | null;
  readonly reservedBytes: number;
};

export function createBodyBudget(budgetBytes = UNVERIFIED_BODY_BUDGET_BYTES): BodyBudget {
  let reserved = 0;
  return {
    reserve(declaredLength, limit) {
      // A body over the limit is refused with 413 after reading at most a bounded drain; it costs its limit.
      const bytes = declaredLength === null || !Number.isFinite(declaredLength) || declaredLength < 0 ? limit : Math.min(declaredLength, limit);
      if (reserved + bytes > budgetBytes) return null;
      reserved += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved -= bytes;
      };
    },
    get reservedBytes() {
      return reserved;
    },
  };
}
