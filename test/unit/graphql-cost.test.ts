// Shopify refuses an Admin GraphQL query whose requested cost exceeds 1,000 points before running it
// (decision 012). The calculator is checked on small queries whose cost follows from the documented
// rules, then every `#graphql` document in app/ is priced at the sizes the app actually sends.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, type GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { LOOKUP_BATCH } from "../../app/sources/fulfillment-orders.server";
import {
  ALL_FULFILLMENTS_FIRST,
  ALL_REFUNDS_FIRST,
  BY_ID_CHUNK,
  FIRST_PAGE,
  FULFILLMENTS_PER_DETAILS_QUERY,
  RECONCILIATION_PAGE_SIZE,
  REFUNDS_PER_DETAILS_QUERY,
  UPDATED_ORDERS_QUERY,
} from "../../app/sources/shopify-reconciliation/queries";
import { requestedQueryCost, SHOPIFY_MAX_QUERY_COST } from "../support/graphql-cost";
import { findGraphqlDocuments, loadIntrospectionSchema } from "../support/graphql-documents";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let schema: GraphQLSchema;
beforeAll(() => {
  schema = loadIntrospectionSchema(path.join(root, "graphql", "admin-2026-07.schema.json.gz"));
});

describe("requested query cost", () => {
  it("charges 1 per object and nothing for scalars and enums", () => {
    expect(requestedQueryCost(schema, "{ shop { id name currencyCode } }")).toBe(1);
    expect(requestedQueryCost(schema, "{ shop { id primaryDomain { host } } }")).toBe(2);
  });

  it("sizes a connection by first or last: 2 plus one item per requested node, through nodes or edges", () => {
    expect(requestedQueryCost(schema, "{ products(first: 10) { edges { node { title } } } }")).toBe(12);
    expect(requestedQueryCost(schema, "{ products(last: 250) { nodes { id } pageInfo { hasNextPage } } }")).toBe(252);
  });

  it("multiplies nested connections through their parents", () => {
    // 2 + 10 × (1 + (2 + 5 × 1))
    expect(requestedQueryCost(schema, "{ products(first: 10) { nodes { title variants(first: 5) { nodes { price } } } } }")).toBe(82);
  });

  it("resolves sizes from the variables sent, and refuses to guess a missing one", () => {
    const query = "query Q($n: Int!) { orders(first: $n) { nodes { id } } }";
    expect(requestedQueryCost(schema, query, { n: 50 })).toBe(52);
    expect(() => requestedQueryCost(schema, query)).toThrow(/\$n has no value/);
  });

  it("takes the most expensive possible type of an interface, and sizes nodes(ids:) by the ids", () => {
    const query = `query Q($ids: [ID!]!) {
      nodes(ids: $ids) { id ... on Order { customer { id } } ... on Product { variants(first: 3) { nodes { id } } } }
    }`;
    // Product: 1 + (2 + 3 × 1) = 6 beats Order: 1 + 1 = 2.
    expect(requestedQueryCost(schema, query, { ids: ["a", "b", "c", "d"] })).toBe(24);
  });

  it("counts fragments where they apply", () => {
    const query = "query { orders(first: 2) { nodes { ...Bits } } } fragment Bits on Order { customer { id } }";
    expect(requestedQueryCost(schema, parse(query))).toBe(2 + 2 * 2);
  });

  it("charges 10 for a mutation, whatever its payload selects", () => {
    expect(requestedQueryCost(schema, 'mutation { bulkOperationRunQuery(query: "{ shop { id } }") { bulkOperation { id } userErrors { message } } }')).toBe(10);
  });
});

/** The variables each app document is sent with, at its largest: the page and batch sizes the app uses. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => `gid://shopify/Node/${i + 1}`);
const SENT: Record<string, Record<string, unknown>> = {
  ReconcileUpdatedOrders: { first: RECONCILIATION_PAGE_SIZE, after: null, query: "updated_at:>='2026-01-01T00:00:00Z'" },
  ReconcileOrdersById: { ids: ids(BY_ID_CHUNK) },
  ReconcileOrderLineItems: { id: "gid://shopify/Order/1", after: "cursor" },
  ReconcileOrderFulfillmentOrders: { id: "gid://shopify/Order/1", after: "cursor" },
  ReconcileOrderFulfillmentsAndRefunds: { id: "gid://shopify/Order/1", fulfillments: ALL_FULFILLMENTS_FIRST, refunds: ALL_REFUNDS_FIRST },
  ReconcileFulfillmentDetails: { ids: ids(FULFILLMENTS_PER_DETAILS_QUERY) },
  ReconcileFulfillmentLineItems: { id: "gid://shopify/Fulfillment/1", after: "cursor" },
  ReconcileFulfillmentEvents: { id: "gid://shopify/Fulfillment/1", after: "cursor" },
  ReconcileRefundDetails: { ids: ids(REFUNDS_PER_DETAILS_QUERY) },
  ReconcileRefundLineItems: { id: "gid://shopify/Refund/1", after: "cursor" },
  StartOrderBackfill: { query: "{ orders { edges { node { id } } } }" },
  BackfillStatus: { id: "gid://shopify/BulkOperation/1" },
  FulfillmentOrderOrders: { ids: ids(LOOKUP_BATCH) },
  StillInstalled: {},
};

/** Shopify answers within budget, with a margin for costs it prices above the defaults. */
const BUDGET = 900;

describe("app/ documents at the sizes the app sends", () => {
  const operations = findGraphqlDocuments(path.join(root, "app")).flatMap((document) => {
    const names = parse(document.source).definitions.flatMap((d) => (d.kind === "OperationDefinition" ? [d.name?.value ?? "(anonymous)"] : []));
    return names.map((name) => ({ name, document }));
  });
  const costs = () => new Map(operations.map(({ name, document }) => [name, requestedQueryCost(schema, document.source, SENT[name] ?? {}, name)]));

  it("knows the variables of every operation in app/", () => {
    expect(operations.map((o) => o.name).sort()).toEqual(Object.keys(SENT).sort());
  });

  it(`keeps every operation within ${BUDGET} points (Shopify refuses above ${SHOPIFY_MAX_QUERY_COST})`, () => {
    const computed = costs();
    console.info(`requested query cost: ${[...computed].map(([name, cost]) => `${name} ${cost}`).join(", ")}`);
    const over = [...computed].filter(([, cost]) => cost > BUDGET).map(([name]) => name);
    expect(over).toEqual([]);
  });

  it("reads on an order's plain lists when the first page asked in ReconciledOrder is full", () => {
    // Order.fulfillments and Order.refunds have no pageInfo: FIRST_PAGE must say what the fragment asks.
    const asked = (field: string) => Number(new RegExp(`\\b${field}\\(first: (\\d+)\\)`).exec(UPDATED_ORDERS_QUERY)?.[1]);
    expect({ fulfillments: asked("fulfillments"), refunds: asked("refunds") }).toEqual(FIRST_PAGE);
  });
});
