/**
 * How many bytes of bodies nobody has verified yet the process may hold at once. Anyone can open
 * connections to the webhook endpoint and send up to its body limit on each before any signature is
 * checked; without a budget, a few hundred slow senders hold gigabytes. Past the budget a request is
 * answered 503 with Retry-After before its body is read: Shopify retries, and real deliveries (a few
 * kilobytes each) fit by the thousand. One address may hold a quarter of it, so a single sender
 * cannot take it all. Decision 025 records the figures.
 */
export const UNVERIFIED_BODY_BUDGET_BYTES = 64 * 1024 * 1024;
/** How long a body may take to arrive; Shopify sends a delivery in one go and waits 5 s for the answer. */
export const UNVERIFIED_BODY_DEADLINE_MS = 10_000;

export type BodyBudget = {
  /**
   * Reserves room for a body that declares `declaredLength` bytes (null: chunked, so up to `limit`)
   * from `address`. Returns the release to call once the request is answered, or null when the
   * budget, or that address's share of it, is spent.
   */
  reserve(declaredLength: number | null, limit: number, address?: string): (() => void) | null;
  readonly reservedBytes: number;
};

export function createBodyBudget(budgetBytes = UNVERIFIED_BODY_BUDGET_BYTES, perAddressBytes = budgetBytes / 4): BodyBudget {
  let reserved = 0;
  const byAddress = new Map<string, number>();
  return {
    reserve(declaredLength, limit, address = "") {
      // A body over the limit is refused with 413 after reading at most a bounded drain; it costs its limit.
      const bytes = declaredLength === null || !Number.isFinite(declaredLength) || declaredLength < 0 ? limit : Math.min(declaredLength, limit);
      const held = byAddress.get(address) ?? 0;
      if (reserved + bytes > budgetBytes || held + bytes > perAddressBytes) return null;
      reserved += bytes;
      byAddress.set(address, held + bytes);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved -= bytes;
        const left = (byAddress.get(address) ?? bytes) - bytes;
        if (left > 0) byAddress.set(address, left);
        else byAddress.delete(address);
      };
    },
    get reservedBytes() {
      return reserved;
    },
  };
}
