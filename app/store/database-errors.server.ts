const UNAVAILABLE_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2034", "ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "53100", "53300", "SQLITE_BUSY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_LOCKED", "SQLITE_READONLY"]);
const UNAVAILABLE_MESSAGES = [
  /database is locked/i,
  /database or disk is full/i,
  /disk I\/O error/i,
  /can't reach database/i,
  /connection terminated/i,
  /connection refused/i,
  /too many clients/i,
  /the database system is (starting up|shutting down)/i,
  /timed out fetching a new connection/i,
  /could not serialize access/i,
];

/**
 * True when an error means "storage is down or busy, try again" rather than "this input is bad":
 * the intake answers those with 503 so Shopify and feeds retry instead of losing the delivery.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") break;
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown; meta?: { code?: unknown } };
    for (const code of [candidate.code, candidate.meta?.code]) {
      if (typeof code === "string" && UNAVAILABLE_CODES.has(code)) return true;
    }
    if (typeof candidate.message === "string" && UNAVAILABLE_MESSAGES.some((re) => re.test(candidate.message as string))) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}
