// A local stand-in for one shop's Admin GraphQL API (node:http on 127.0.0.1): it checks the access
// token, validates every document against the committed 2026-07 schema, answers the reconciliation's
// operations in Shopify's shapes, runs a leaky-bucket cost limit with extensions.cost.throttleStatus
// and THROTTLED errors, and can be told to fail. Orders are built from REST-shaped webhook payloads
// (fixtures, simulated store) by graphqlOrderFromRest, so tests compare both paths on the same facts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, validate, type GraphQLSchema } from "graphql";
import type { GqlFulfillment, GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";
import { createFakeBulkOperations, type FakeBulkOperations } from "./fake-bulk-operations";
import { loadIntrospectionSchema } from "./graphql-documents";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let schema: GraphQLSchema | undefined;

type Rest = Record<string, unknown>;
const gid = (type: string, id: unknown) => `gid://shopify/${type}/${String(id)}`;
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

// FulfillmentDisplayStatus spells cancelled with one L and names unshipped fulfillments SUBMITTED;
// otherwise it shows the latest tracking status, as REST's shipment_status does.
const displayStatusOf = (f: Rest) => {
  const status = String(f.status ?? "success").toLowerCase();
  if (status === "cancelled") return "CANCELED";
  if (f.shipment_status) return String(f.shipment_status).toUpperCase();
  return status === "pending" || status === "open" ? "SUBMITTED" : "FULFILLED";
};

const customerOf = (customer: Rest | null | undefined): GqlOrder["customer"] =>
  customer
    ? {
        id: gid("Customer", customer.id),
        defaultEmailAddress: customer.email ? { emailAddress: String(customer.email) } : null,
        defaultPhoneNumber: customer.phone ? { phoneNumber: String(customer.phone) } : null,
      }
    : null;

/** An order as the Admin API would show it, from the REST payloads Shopify's webhooks carry. */
export function graphqlOrderFromRest(order: Rest, fulfillments: Rest[] = [], events: Rest[] = [], refunds: Rest[] = []): GqlOrder {
  const lines = (order.line_items as Rest[]) ?? [];
  const toFulfillment = (f: Rest): GqlFulfillment => ({
    id: gid("Fulfillment", f.id),
    name: String(f.name ?? ""),
    status: String(f.status ?? "success").toUpperCase(),
    displayStatus: displayStatusOf(f),
    createdAt: String(f.created_at),
    updatedAt: String(f.updated_at ?? f.created_at),
    estimatedDeliveryAt: str(f.estimated_delivery_at),
    trackingInfo: ((f.tracking_numbers as string[] | undefined) ?? (f.tracking_number ? [String(f.tracking_number)] : [])).map((number, i) => ({
      company: str(f.tracking_company),
      number,
      url: ((f.tracking_urls as string[] | undefined) ?? [])[i] ?? null,
    })),
    fulfillmentLineItems: {
      nodes: ((f.line_items as Rest[]) ?? []).map((l) => ({
        quantity: Number(l.quantity),
        lineItem: { id: gid("LineItem", l.id), title: String(l.title ?? l.name ?? ""), sku: str(l.sku), requiresShipping: l.requires_shipping !== false },
      })),
    },
    events: {
      nodes: events
        .filter((e) => String(e.fulfillment_id) === String(f.id))
        .map((e) => ({
          id: gid("FulfillmentEvent", e.id),
          status: String(e.status).toUpperCase(),
          happenedAt: String(e.happened_at ?? e.created_at),
          estimatedDeliveryAt: str(e.estimated_delivery_at),
          message: str(e.message),
          city: str(e.city),
          province: str(e.province),
          country: str(e.country),
        })),
    },
  });
  return {
    id: gid("Order", order.id),
    name: String(order.name),
    createdAt: String(order.created_at),
    updatedAt: String(order.updated_at),
    processedAt: str(order.processed_at),
    cancelledAt: str(order.cancelled_at),
    statusPageUrl: str(order.order_status_url),
    email: str(order.email ?? order.contact_email),
    phone: str(order.phone),
    displayFulfillmentStatus: "UNFULFILLED",
    customer: customerOf(order.customer as Rest | null | undefined),
    lineItems: {
      nodes: lines.map((l) => ({
        id: gid("LineItem", l.id),
        title: String(l.title ?? l.name ?? ""),
        sku: str(l.sku),
        quantity: Number(l.quantity),
        currentQuantity: Number(l.current_quantity ?? l.quantity),
        requiresShipping: l.requires_shipping !== false,
      })),
    },
    fulfillments: fulfillments.map(toFulfillment),
    refunds: refunds.map((r) => ({
      id: gid("Refund", r.id),
      createdAt: str(r.created_at),
      refundLineItems: {
        nodes: ((r.refund_line_items as Rest[]) ?? []).map((l) => ({
          quantity: Number(l.quantity),
          restockType: String(l.restock_type ?? "no_restock").toUpperCase(),
          lineItem: { id: gid("LineItem", l.line_item_id) },
        })),
      },
    })),
  };
}

export type FakeRequest = { operation: string; variables: Record<string, unknown>; at: number };

export type FakeAdminApi = {
  url: string;
  host: string;
  accessToken: string;
  orders: GqlOrder[];
  /** fulfillment order gid -> order gid: what fulfillmentOrder.order and Order.fulfillmentOrders answer */
  fulfillmentOrders: Map<string, string>;
  requests: FakeRequest[];
  /** bucket settings (points, points per second) */
  bucket: { maximumAvailable: number; restoreRate: number; available: number };
  /** the next n GraphQL requests answer THROTTLED */
  throttleNext(n: number, currentlyAvailable?: number): void;
  /** the next n requests fail with this HTTP status */
  failNext(n: number, status: number): void;
  /** orders pages asking for more than this many answer MAX_COST_EXCEEDED */
  maxOrdersPerPage: number;
  /** bulk operations report RUNNING for this many polls before COMPLETED */
  bulkPollsUntilDone: number;
  /** the shop's bulk operations (test/support/fake-bulk-operations.ts) */
  bulkOperations: FakeBulkOperations;
  stop(): Promise<void>;
};

const COST_PER_ORDER = 20;

export async function startFakeAdminApi(options: { accessToken?: string; orders?: GqlOrder[] } = {}): Promise<FakeAdminApi> {
  schema ??= loadIntrospectionSchema(path.join(root, "graphql", "admin-2026-07.schema.json.gz"));
  const accessToken = options.accessToken ?? "shpat_fake_token";
  let throttled = 0;
  let throttledAvailable = 0;
  let failures = 0;
  let failureStatus = 503;
  let lastRefill = Date.now();
  let api: FakeAdminApi;

  const refill = () => {
    const now = Date.now();
    api.bucket.available = Math.min(api.bucket.maximumAvailable, api.bucket.available + ((now - lastRefill) / 1000) * api.bucket.restoreRate);
    lastRefill = now;
  };
  const cost = (requested: number, actual: number | null) => ({
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: { maximumAvailable: api.bucket.maximumAvailable, currentlyAvailable: Math.floor(api.bucket.available), restoreRate: api.bucket.restoreRate },
  });
  // Orders as the Admin API shows them, with the fulfillment orders they have.
  const shown = (order: GqlOrder) => ({
    ...order,
    fulfillmentOrders: { nodes: [...api.fulfillmentOrders].filter(([, orderId]) => orderId === order.id).map(([id]) => ({ id })) },
  });
  const sorted = () => [...api.orders].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || (a.id < b.id ? -1 : 1));

  function answer(operation: string, variables: Record<string, unknown>): { status: number; body: unknown } {
    const ok = (data: unknown, requested: number) => {
      refill();
      if (api.bucket.available < requested) {
        return { status: 200, body: { errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }], extensions: { cost: cost(requested, null) } } };
      }
      api.bucket.available -= requested;
      return { status: 200, body: { data, extensions: { cost: cost(requested, requested) } } };
    };
    switch (operation) {
      case "ReconcileUpdatedOrders": {
        const first = Number(variables.first);
        if (first > api.maxOrdersPerPage) {
          return { status: 200, body: { errors: [{ message: `Query cost is ${first * COST_PER_ORDER}, which exceeds the single query max cost limit (${api.maxOrdersPerPage * COST_PER_ORDER}).`, extensions: { code: "MAX_COST_EXCEEDED" } }] } };
        }
        const since = /updated_at:>='([^']+)'/.exec(String(variables.query))?.[1];
        const matching = sorted().filter((o) => !since || Date.parse(o.updatedAt) >= Date.parse(since));
        const start = variables.after ? Number(Buffer.from(String(variables.after), "base64").toString()) : 0;
        const nodes = matching.slice(start, start + first).map(shown);
        const end = start + nodes.length;
        return ok({ orders: { nodes, pageInfo: { hasNextPage: end < matching.length, endCursor: nodes.length ? Buffer.from(String(end)).toString("base64") : null } } }, 2 + first * COST_PER_ORDER);
      }
      case "ReconcileOrdersById": {
        const ids = variables.ids as string[];
        return ok({ nodes: ids.map((id) => { const o = api.orders.find((x) => x.id === id); return o ? shown(o) : null; }) }, 2 + ids.length * COST_PER_ORDER);
      }
      case "FulfillmentOrderOrders": {
        const ids = variables.ids as string[];
        const nodes = ids.map((id) => {
          const orderId = api.fulfillmentOrders.get(id);
          return orderId ? { id, order: { id: orderId } } : null;
        });
        return ok({ nodes }, 1 + ids.length);
      }
      case "StillInstalled":
        return ok({ shop: { id: gid("Shop", 548380009) } }, 1);
      case "StartOrderBackfill":
        return ok({ bulkOperationRunQuery: api.bulkOperations.runQuery(String(variables.query)) }, 10);
      case "BackfillStatus": {
        const op = api.bulkOperations.read(String(variables.id));
        return ok({ bulkOperation: op && { id: op.id, status: op.status, errorCode: op.errorCode, objectCount: op.objectCount, url: op.url, partialDataUrl: op.partialDataUrl } }, 1);
      }
      default:
        return { status: 200, body: { errors: [{ message: `fake Admin API does not know operation ${operation}` }] } };
    }
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
        return result === null ? send(404, "not found", "text/plain") : send(200, result, "application/jsonl");
      }
      if (req.method !== "POST" || !/^\/admin\/api\/2026-07\/graphql\.json$/.test(req.url ?? "")) return send(404, { errors: "Not Found" });
      if (req.headers["x-shopify-access-token"] !== accessToken) return send(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
      if (failures > 0) {
        failures -= 1;
        return send(failureStatus, { errors: "Service unavailable" });
      }
      let payload: { query?: string; variables?: Record<string, unknown> };
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, { errors: "body is not JSON" });
      }
      const query = String(payload.query ?? "");
      let document;
      try {
        document = parse(query);
      } catch (error) {
        return send(200, { errors: [{ message: (error as Error).message, extensions: { code: "PARSE_ERROR" } }] });
      }
      const invalid = validate(schema!, document);
      if (invalid.length > 0) return send(200, { errors: invalid.map((e) => ({ message: e.message, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })) });
      const operation = /(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "(anonymous)";
      const variables = payload.variables ?? {};
      api.requests.push({ operation, variables, at: Date.now() });
      if (throttled > 0) {
        throttled -= 1;
        api.bucket.available = throttledAvailable;
        lastRefill = Date.now();
        return send(200, { errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }], extensions: { cost: cost(2 + Number(variables.first ?? 1) * COST_PER_ORDER, null) } });
      }
      const { status, body } = answer(operation, variables);
      send(status, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const bulkOperations = createFakeBulkOperations({ orders: () => api.orders, baseUrl: () => api.url });
  api = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    accessToken,
    orders: options.orders ?? [],
    fulfillmentOrders: new Map(),
    requests: [],
    bucket: { maximumAvailable: 2000, restoreRate: 100_000, available: 2000 },
    maxOrdersPerPage: 50,
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
    storeOfflineSession: async (shop: string, accessToken: string, scope = "read_orders,read_fulfillments") =>
      void (await sessionStorage.storeSession(new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken, scope }))),
  };
}
