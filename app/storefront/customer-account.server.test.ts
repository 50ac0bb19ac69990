import type { JwtPayload } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import type { Db } from "../db.server";
import { clientAddress, createCustomerAccountStatus, type CustomerAccountDeps } from "./customer-account.server";
import { createRateLimiter } from "./rate-limiter";

const API_KEY = "test-api-key";
const SHOP = "test-shop.myshopify.com";
const CUSTOMER = "gid://shopify/Customer/7410852963001";

/**
 * The handler over a token the library has already verified (the integration tests sign real
 * ones) and a database that only counts what it is asked: no order is found, so the answers here
 * are about who may ask, never about what is stored.
 */
function endpoint(claims: Partial<JwtPayload>, options: Partial<CustomerAccountDeps> = {}) {
  const reads: unknown[] = [];
  const db = {
    order: {
      findFirst: async (query: unknown) => {
        reads.push(query);
        return null;
      },
      findMany: async (query: unknown) => {
        reads.push(query);
        return [];
      },
    },
  } as unknown as Db;
  const now = Math.trunc(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: `https://${SHOP}/admin`, dest: SHOP, aud: API_KEY, exp: now + 300, nbf: now - 5, iat: now - 5, jti: "j", sid: "s", sub: CUSTOMER, ...claims };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
  const sessionToken = payload as unknown as JwtPayload;
  const handle = createCustomerAccountStatus({ db, apiKey: API_KEY, authenticate: async () => ({ sessionToken, cors: (response) => response }), ...options });
  const get = (orderId: string | null, peer = "198.51.100.7", forwardedFor?: string) =>
    handle(new Request(`https://app.example.com/customer-account/orders${orderId === null ? "" : `/${orderId}`}`, { headers: forwardedFor ? { "X-Forwarded-For": forwardedFor } : {} }), orderId, peer);
  return { get, reads };
}

describe("customer account endpoint, before login", () => {
  it("reads nothing and answers no order to a token without a customer, whatever the id", async () => {
    const { get, reads } = endpoint({ sub: undefined });
    for (const id of ["5801234567001", "5800000000000"]) {
      const res = await get(id);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ signedIn: false, order: null });
    }
    expect(await (await get(null)).json()).toEqual({ signedIn: false, orders: [] });
    expect(reads).toEqual([]);
  });

  it("looks a signed-in customer's order up only among that customer's", async () => {
    const { get, reads } = endpoint({});
    expect((await get("5801234567001")).status).toBe(404);
    expect(reads).toEqual([expect.objectContaining({ where: expect.objectContaining({ shop: SHOP, orderId: "5801234567001", customerId: "7410852963001" }) })]);
  });
});

describe("customer account endpoint, tokens", () => {
  it.each([
    ["an empty sub", { sub: "" }],
    ["no exp", { exp: undefined }],
  ])("refuses a verified token with %s: 401, nothing read", async (_case, claims) => {
    const { get, reads } = endpoint(claims);
    const res = await get("5801234567001");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "unauthorized" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(reads).toEqual([]);
  });

  it("keeps the library's refusals out of caches and readable across origins", async () => {
    const handle = createCustomerAccountStatus({
      db: {} as Db,
      apiKey: API_KEY,
      authenticate: async () => {
        throw new Response(undefined, { status: 401 });
      },
    });
    const res = await handle(new Request("https://app.example.com/customer-account/orders"), null);
    expect(res.status).toBe(401);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("customer account endpoint, rate limits", () => {
  const limited = (client: number, shop: number, trustedHops = 0) =>
    endpoint({}, {
      trustedHops,
      limits: { client: createRateLimiter({ capacity: client, refillPerSecond: 0.001 }), shop: createRateLimiter({ capacity: shop, refillPerSecond: 0.001 }) },
      now: () => new Date("2026-12-07T12:00:00Z"),
    });

  it("answers 429 with Retry-After once an address has spent its allowance, before reading anything", async () => {
    const { get, reads } = limited(2, 100);
    expect((await get("5801234567001")).status).toBe(404);
    expect((await get(null)).status).toBe(200);
    const refused = await get("5801234567001");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: "rate_limited" });
    expect(reads).toHaveLength(2);
    expect((await get("5801234567001", "198.51.100.8")).status).toBe(404);
  });

  it("keys on the address the app's own proxy saw, not on what the browser wrote into X-Forwarded-For", async () => {
    const { get } = limited(1, 100, 1);
    expect((await get(null, "10.0.0.2", "203.0.113.9")).status).toBe(200);
    expect((await get(null, "10.0.0.3", "1.1.1.1, 203.0.113.9")).status).toBe(429);
    expect((await get(null, "10.0.0.2", "203.0.113.10")).status).toBe(200);
  });

  it("caps the shop as a whole, whatever the addresses", async () => {
    const { get } = limited(100, 2);
    expect((await get(null, "198.51.100.1")).status).toBe(200);
    expect((await get(null, "198.51.100.2")).status).toBe(200);
    expect((await get(null, "198.51.100.3")).status).toBe(429);
  });

  it.each([
    [null, "198.51.100.7", 0, "198.51.100.7"],
    ["1.1.1.1", "198.51.100.7", 0, "198.51.100.7"],
    ["1.1.1.1, 203.0.113.9", "10.0.0.2", 1, "203.0.113.9"],
    ["203.0.113.9, 10.0.0.1", "10.0.0.2", 2, "203.0.113.9"],
    [null, "10.0.0.2", 1, "unknown"],
    [null, undefined, 0, "unknown"],
  ])("reads X-Forwarded-For %s from peer %s with %i trusted hops as %s", (forwardedFor, peer, hops, expected) => {
    expect(clientAddress(forwardedFor, peer, hops)).toBe(expected);
  });
});
