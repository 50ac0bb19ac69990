import type { JwtPayload } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import type { Db } from "../db.server";
import { createCustomerAccountStatus } from "./customer-account.server";

const API_KEY = "test-api-key";
const SHOP = "test-shop.myshopify.com";
const CUSTOMER = "gid://shopify/Customer/7410852963001";

/**
 * The handler over a token the library has already verified (the integration tests sign real
 * ones) and a database that only counts what it is asked: no order is found, so the answers here
 * are about who may ask, never about what is stored.
 */
function endpoint(claims: Partial<JwtPayload>) {
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
  const handle = createCustomerAccountStatus({ db, apiKey: API_KEY, authenticate: async () => ({ sessionToken, cors: (response) => response }) });
  const get = (orderId: string | null) => handle(new Request(`https://app.example.com/customer-account/orders${orderId === null ? "" : `/${orderId}`}`), orderId);
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
