// A local stand-in for one shop's Admin GraphQL API (node:http on 127.0.0.1) that answers the way
// Shopify does: it checks the access token, validates the document against the committed 2026-07
// schema, refuses a query whose requested cost is over 1,000 points, runs a leaky bucket on the
// requested cost (THROTTLED, extensions.cost.throttleStatus) and refunds what the answer did not use,
// and executes the document itself over the fake's data (test/support/fake-admin/): any valid
// document gets exactly the fields it selects, connections page with opaque keyset cursors, searches
// compare whole seconds, lag behind changes and stop at the pagination cap. Bulk operations live in
// test/support/fake-bulk-operations.ts. Orders are built from REST-shaped webhook payloads
// (fixtures, simulated store) by graphqlOrderFromRest, so tests compare both paths on the same facts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";
import { createCursorCodec, SHOPIFY_PAGINATION_CAP } from "./fake-admin/connections";
import { executeDocument, fakeAdminSchema } from "./fake-admin/executor";
import { createOrderIndex } from "./fake-admin/order-search";
import { shopViews, type FulfillmentOrderState } from "./fake-admin/shop-data";
import { createFakeBulkOperations, type FakeBulkOperations } from "./fake-bulk-operations";
import { requestedQueryCost, SHOPIFY_MAX_QUERY_COST } from "./graphql-cost";

export { graphqlOrderFromRest } from "./fake-admin/rest-orders";
export type { FulfillmentHoldState, FulfillmentOrderState } from "./fake-admin/shop-data";

export type FakeRequest = {
  operation: string;
  variables: Record<string, unknown>;
  at: number;
  /** what the request asked for (null if the calculator could not price it) and what its answer cost (null if it did not run) */
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
};

export type FakeAdminApi = {
  url: string;
  host: string;
  /** the token the fake accepts; any other is answered 401 */
  accessToken: string;
  /** the shop's orders; assigning them directly makes them searchable at once (see putOrder) */
  orders: GqlOrder[];
  /** fulfillment order gid -> order gid: what fulfillmentOrder.order and Order.fulfillmentOrders answer */
  fulfillmentOrders: Map<string, string>;
  requests: FakeRequest[];
  /** bucket settings (points, points per second) */
  bucket: { maximumAvailable: number; restoreRate: number; available: number };
  /** ms after a change (putOrder) before search finds it; by-id reads see it at once */
  searchLagMs: number;
  /** results a paged list gives at most (Shopify: 25,000) */
  searchCap: number;
  /** the fake's clock (ms), for search lag and the bucket's refill */
  now: () => number;
  /** adds or replaces (by id) an order, stamped now for the search lag; a changed order must be a new object */
  putOrder(order: GqlOrder): void;
  /** sets a fulfillment order's order and state; unset fields keep their value (default OPEN, no holds, or ON_HOLD with holds) */
  setFulfillmentOrder(id: string, state: Partial<FulfillmentOrderState> & { orderId?: string }): void;
  /** from now on only `token` is accepted; the old one gets Shopify's 401 */
  rotateAccessToken(token: string): void;
  /**
   * The refresh token the fake exchanges for a new access token (POST /admin/oauth/access_token with
   * grant_type refresh_token, as expiring offline tokens are refreshed); null refuses every refresh.
   */
  refreshToken: string | null;
  /** access tokens the fake has issued by refresh, in order */
  refreshedTokens: string[];
  /** the next n GraphQL requests answer THROTTLED */
  throttleNext(n: number, currentlyAvailable?: number): void;
  /** the next n requests fail with this HTTP status */
  failNext(n: number, status: number): void;
  /** bulk operations report RUNNING for this many polls before COMPLETED */
  bulkPollsUntilDone: number;
  /** the shop's bulk operations (test/support/fake-bulk-operations.ts) */
  bulkOperations: FakeBulkOperations;
  stop(): Promise<void>;
};

// Shopify's answers, from its docs and published examples: THROTTLED and MAX_COST_EXCEEDED as in
// "GraphQL Admin API rate limits" (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits)
// and Shopify's published example responses; MAX_COST_EXCEEDED carries no cost extension, because
// the query never ran. 401 as the REST and GraphQL Admin APIs answer an unknown token.
const RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits";
const throttledError = { message: "Throttled", extensions: { code: "THROTTLED", documentation: RATE_LIMITS_DOC } };
const maxCostExceeded = (cost: number) => ({
  errors: [
    {
      message:
        `Query cost is ${cost}, which exceeds the single query max cost limit (${SHOPIFY_MAX_QUERY_COST}).\n\n` +
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\n" +
        "To query larger amounts of data with fewer limits, bulk operations should be used instead.\n" +
        "See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n",
      extensions: { code: "MAX_COST_EXCEEDED", cost, maxCost: SHOPIFY_MAX_QUERY_COST, documentation: RATE_LIMITS_DOC },
    },
  ],
});
const INVALID_TOKEN = { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" };

function operationOf(document: DocumentNode, operationName: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
}

export async function startFakeAdminApi(options: { accessToken?: string; orders?: GqlOrder[]; now?: () => number } = {}): Promise<FakeAdminApi> {
  const schema = fakeAdminSchema();
  const cursors = createCursorCodec();
  const startedAt = (options.now ?? Date.now)();
  let throttled = 0;
  let throttledAvailable = 0;
  let failures = 0;
  let failureStatus = 503;
  let lastRefill = startedAt;
  const fulfillmentOrderStates = new Map<string, Partial<FulfillmentOrderState>>();
  let api: FakeAdminApi;

  const index = createOrderIndex(() => api.now(), () => api.searchLagMs);
  const bulkOperations = createFakeBulkOperations({ orders: () => api.orders, baseUrl: () => api.url });
  const { queryRoot, mutationRoot } = shopViews({
    orders: () => api.orders,
    fulfillmentOrders: () => api.fulfillmentOrders,
    fulfillmentOrderState: (id) => {
      const state = fulfillmentOrderStates.get(id) ?? {};
      const holds = state.fulfillmentHolds ?? [];
      const order = api.orders.find((o) => o.id === api.fulfillmentOrders.get(id));
      return {
        status: state.status ?? (holds.length > 0 ? "ON_HOLD" : "OPEN"),
        updatedAt: state.updatedAt ?? order?.updatedAt ?? new Date(startedAt).toISOString(),
        fulfillmentHolds: holds,
        fulfillments: state.fulfillments ?? [],
      };
    },
    index,
    searchCap: () => api.searchCap,
    bulk: bulkOperations,
  });

  const refill = () => {
    const now = api.now();
    // A test may swap the clock for one that is behind the last refill: time never runs backwards for the bucket.
    api.bucket.available = Math.min(api.bucket.maximumAvailable, api.bucket.available + (Math.max(0, now - lastRefill) / 1000) * api.bucket.restoreRate);
    lastRefill = now;
  };
  const cost = (requested: number, actual: number | null) => ({
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: { maximumAvailable: api.bucket.maximumAvailable, currentlyAvailable: Math.floor(api.bucket.available), restoreRate: api.bucket.restoreRate },
  });

  function answer(payload: { query?: unknown; variables?: Record<string, unknown>; operationName?: string }): unknown {
    let document: DocumentNode;
    try {
      document = parse(String(payload.query ?? ""));
    } catch (error) {
      return { errors: [{ message: (error as Error).message, extensions: { code: "PARSE_ERROR" } }] };
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { errors: invalid.map((e) => ({ message: e.message, locations: e.locations, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })) };
    const variables = payload.variables ?? {};
    const operationName = payload.operationName ?? undefined;
    const request: FakeRequest = {
      operation: operationOf(document, operationName)?.name?.value ?? "(anonymous)",
      variables,
      at: api.now(),
      requestedQueryCost: null,
      actualQueryCost: null,
    };
    api.requests.push(request);

    // A document the calculator cannot price (a connection without first or last, a size left to a
    // variable not sent) is refused by execution itself, so it runs unpriced and answers its error.
    let requested: number | null = null;
    try {
      requested = requestedQueryCost(schema, document, variables, operationName);
    } catch {
      requested = null;
    }
    request.requestedQueryCost = requested;
    if (requested !== null && requested > SHOPIFY_MAX_QUERY_COST) return maxCostExceeded(requested);
    if (throttled > 0) {
      throttled -= 1;
      api.bucket.available = throttledAvailable;
      lastRefill = api.now();
      return { errors: [throttledError], extensions: { cost: cost(requested ?? 0, null) } };
    }
    refill();
    if (requested !== null && api.bucket.available < requested) {
      return { errors: [throttledError], extensions: { cost: cost(requested, null) } };
    }
    api.bucket.available -= requested ?? 0;
    const executed = executeDocument({ document, variables, operationName, queryRoot, mutationRoot, cursors });
    // An unpriced document pays what it used; a priced one is refunded the difference between
    // requested and actual cost once it has run, as Shopify does.
    const charged = requested ?? executed.actualCost;
    const actual = Math.min(executed.actualCost, charged);
    api.bucket.available = Math.min(api.bucket.maximumAvailable, api.bucket.available + (requested ?? 0) - actual);
    request.requestedQueryCost = charged;
    request.actualQueryCost = actual;
    return {
      ...(executed.result.errors ? { errors: executed.result.errors.map((e) => e.toJSON()) } : {}),
      data: executed.result.data ?? null,
      extensions: { cost: cost(charged, actual) },
    };
  }

  // "Expiring offline access tokens": a refresh token buys a new access token (60 minutes) and a new
  // refresh token; the old access token stops working.
  // https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
  function refresh(body: string): [number, unknown] {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return [400, { error: "invalid_request" }];
    }
    if (request.grant_type !== "refresh_token" || !api.refreshToken || request.refresh_token !== api.refreshToken) return [400, { error: "invalid_grant" }];
    const accessToken = `shpat_refreshed_${api.refreshedTokens.length + 1}`;
    api.refreshedTokens.push(accessToken);
    api.accessToken = accessToken;
    api.refreshToken = `shprt_${api.refreshedTokens.length + 1}`;
    return [200, { access_token: accessToken, expires_in: 3600, refresh_token: api.refreshToken, refresh_token_expires_in: 7_776_000, scope: "read_orders,read_fulfillments" }];
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown, type = "application/json") => {
        res.writeHead(status, { "Content-Type": type });
        res.end(typeof body === "string" ? body : JSON.stringify(body));
      };
      const bulkFile = /^\/bulk\/(\d+)\.jsonl$/.exec(req.url ?? "");
      if (req.method === "GET" && bulkFile) {
        const result = api.bulkOperations.result(bulkFile[1]!);
        return send(result.status, result.body, result.status === 200 ? "application/jsonl" : result.status === 403 ? "application/xml" : "text/plain");
      }
      if (req.method === "POST" && req.url === "/admin/oauth/access_token") return send(...refresh(Buffer.concat(chunks).toString("utf8")));
      if (req.method !== "POST" || !/^\/admin\/api\/2026-07\/graphql\.json$/.test(req.url ?? "")) return send(404, { errors: "Not Found" });
      if (req.headers["x-shopify-access-token"] !== api.accessToken) return send(401, INVALID_TOKEN);
      if (failures > 0) {
        failures -= 1;
        return send(failureStatus, { errors: "Service unavailable" });
      }
      let payload: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, { errors: "body is not JSON" });
      }
      send(200, answer(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  api = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    accessToken: options.accessToken ?? "shpat_fake_token",
    orders: options.orders ?? [],
    fulfillmentOrders: new Map(),
    requests: [],
    bucket: { maximumAvailable: 2000, restoreRate: 100_000, available: 2000 },
    searchLagMs: 0,
    searchCap: SHOPIFY_PAGINATION_CAP,
    now: options.now ?? Date.now,
    putOrder(order) {
      const at = api.orders.findIndex((o) => o.id === order.id);
      index.changed(order, at >= 0 ? api.orders[at]! : null);
      if (at >= 0) api.orders[at] = order;
      else api.orders.push(order);
    },
    setFulfillmentOrder(id, { orderId, ...state }) {
      if (orderId !== undefined) api.fulfillmentOrders.set(id, orderId);
      if (!api.fulfillmentOrders.has(id)) throw new Error(`fulfillment order ${id} needs an orderId`);
      const previous = fulfillmentOrderStates.get(id) ?? {};
      fulfillmentOrderStates.set(id, { ...previous, updatedAt: new Date(api.now()).toISOString(), ...state });
    },
    rotateAccessToken(token) {
      api.accessToken = token;
    },
    refreshToken: null,
    refreshedTokens: [],
    bulkOperations,
    get bulkPollsUntilDone() {
      return bulkOperations.pollsUntilDone;
    },
    set bulkPollsUntilDone(polls: number) {
      bulkOperations.pollsUntilDone = polls;
    },
    throttleNext(n, currentlyAvailable = 0) {
      throttled = n;
      throttledAvailable = currentlyAvailable;
    },
    failNext(n, status) {
      failures = n;
      failureStatus = status;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return api;
}

/**
 * Sends the Shopify library's Admin API requests for `*.myshopify.com` to the fake, through the
 * library's own fetch hook (its clients always speak https to the shop's domain).
 */
export async function routeShopifyAdminTo(fake: FakeAdminApi): Promise<void> {
  const { setAbstractFetchFunc } = await import("@shopify/shopify-api/runtime");
  setAbstractFetchFunc(async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    if (url.hostname.endsWith(".myshopify.com")) return fetch(`${fake.url}${url.pathname}${url.search}`, init);
    return fetch(input, init);
  });
}

/**
 * The app's own Shopify module (session storage, Admin API clients) on `databaseUrl`, its Admin API
 * calls answered by `fake`: what a test of code that asks Shopify with a shop's offline token needs.
 */
export async function appAgainstFakeAdmin(databaseUrl: string, fake: FakeAdminApi) {
  // The app's Shopify module reads its configuration and database on import.
  Object.assign(process.env, { DATABASE_URL: databaseUrl, SHOPIFY_API_KEY: "test-api-key", SHOPIFY_API_SECRET: "test-secret", SHOPIFY_APP_URL: "https://app.example.com", DEMO_MODE: "0" });
  delete (globalThis as { __orderTruthPrisma?: unknown }).__orderTruthPrisma;
  const { sessionStorage } = await import("../../app/shopify.server");
  // After the app's Node adapter has installed its own fetch.
  await routeShopifyAdminTo(fake);
  const { Session } = await import("@shopify/shopify-api");
  const { adminGraphqlForShop } = await import("../../app/sources/shopify-reconciliation/shopify-admin.server");
  return {
    adminGraphqlForShop,
    storeOfflineSession: async (shop: string, accessToken: string, scope = "read_orders,read_fulfillments", expiring?: { expires: Date; refreshToken: string }) =>
      void (await sessionStorage.storeSession(
        new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken, scope, ...(expiring && { expires: expiring.expires, refreshToken: expiring.refreshToken, refreshTokenExpires: new Date(expiring.expires.getTime() + 90 * 86_400_000) }) }),
      )),
  };
}
