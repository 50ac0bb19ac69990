/**
 * Token buckets kept in this process's memory: `capacity` requests at once, refilled at
 * `refillPerSecond`. The clock is passed in, so the behaviour is a pure function of the calls.
 * Memory stays bounded: past `maxKeys` the least recently used bucket is dropped, which at worst
 * hands that key a full bucket again. See docs/decisions for what this means with several processes.
 */
export type RateLimit = { capacity: number; refillPerSecond: number };

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

type Bucket = { tokens: number; at: number };

export type RateLimiter = { take(key: string, nowMs: number): RateDecision; size(): number };

export function createRateLimiter(limit: RateLimit, maxKeys = 50_000): RateLimiter {
  if (!(limit.capacity >= 1) || !(limit.refillPerSecond > 0) || !(maxKeys >= 1)) {
    throw new RangeError("a rate limit needs capacity >= 1, refillPerSecond > 0 and maxKeys >= 1");
  }
  // A Map iterates in insertion order; re-inserting on every use makes its first key the least recently used.
  const buckets = new Map<string, Bucket>();
  return {
    take(key, nowMs) {
      const previous = buckets.get(key);
      let tokens = limit.capacity;
      if (previous) {
        const elapsedSeconds = Math.max(0, nowMs - previous.at) / 1000;
        tokens = Math.min(limit.capacity, previous.tokens + elapsedSeconds * limit.refillPerSecond);
        buckets.delete(key);
      } else if (buckets.size >= maxKeys) {
        buckets.delete(buckets.keys().next().value as string);
      }
      const allowed = tokens >= 1;
      buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: nowMs });
      if (allowed) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limit.refillPerSecond)) };
    },
    size: () => buckets.size,
  };
}

