/**
 * The fake Admin API (test/support/fake-admin-api.ts) answers as Shopify does: it executes whatever
 * valid document it is sent, prices it, pages and searches like Shopify. No database: these requests
 * go straight to its HTTP endpoint.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixture } from "../../app/domain/fixtures/load";
import { graphqlOrderFromRest, startFakeAdminApi, type FakeAdminApi } from "../support/fake-admin-api";

const TOKEN = "shpat_fake_test";
let fake: FakeAdminApi;
let clock: number;

type Answer = { data?: any; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>; extensions?: { cost: any } };

async function ask(query: string, variables: Record<string, unknown> = {}, token = TOKEN): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${fake.url}/admin/api/2026-07/graphql.json`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

/** Order #n, updated at `updatedAt`, with one line item. */
function order(n: number, updatedAt: string) {
  return graphqlOrderFromRest({
    id: 1000 + n,
    name: `#${n}`,
    created_at: "2026-03-01T00:00:00Z",
    updated_at: updatedAt,
    line_items: [{ id: 5000 + n, title: `Item ${n}`, sku: `SKU-${n}`, quantity: 1 }],
  });
}

/** Orders #1..#n, a minute apart from 2026-03-05 12:00 UTC. */
const orders = (n: number) => Array.from({ length: n }, (_, i) => order(i + 1, new Date(Date.UTC(2026, 2, 5, 12, i)).toISOString()));

const UPDATED_SINCE = `query Updated($first: Int, $last: Int, $after: String, $before: String, $query: String) {
  orders(first: $first, last: $last, after: $after, before: $before, query: $query, sortKey: UPDATED_AT) {
    edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const names = (body: Answer) => body.data.orders.edges.map((e: { node: { name: string } }) => e.node.name);

beforeAll(async () => {
  fake = await startFakeAdminApi({ accessToken: TOKEN, now: () => clock });
});
afterAll(async () => {
  await fake?.stop();
});
beforeEach(() => {
  clock = Date.parse("2026-03-06T00:00:00Z");
  fake.orders = [];
  fake.fulfillmentOrders = new Map();
  fake.requests = [];
  fake.searchLagMs = 0;
  fake.searchCap = 25_000;
  fake.bucket.maximumAvailable = 2000;
  fake.bucket.available = 2000;
  fake.bucket.restoreRate = 0;
  fake.bulkPollsUntilDone = 1;
});

describe("the fake Admin API", () => {
  it("answers exactly the fields a document selects, through fragments and aliases", async () => {
    fake.orders = orders(1);
    const { body } = await ask(`query One($id: ID!) {
      order(id: $id) { name ...Bits shown: updatedAt }
    }
    fragment Bits on Order { lineItems(first: 5) { nodes { sku } } }`, { id: "gid://shopify/Order/1001" });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ order: { name: "#1", lineItems: { nodes: [{ sku: "SKU-1" }] }, shown: "2026-03-05T12:00:00Z" } });
  });

  it("answers node(id:) and nodes(ids:) for the types it holds and null for unknown ids", async () => {
    fake.orders = [graphqlOrderFromRest(fixture("two-box-order.create"), [fixture("two-box-order.fulfillment-a.create")])];
    const orderId = fake.orders[0]!.id;
    const fulfillmentId = fake.orders[0]!.fulfillments[0]!.id;
    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/77", { orderId });
    const { body } = await ask(`query Many($ids: [ID!]!) {
      nodes(ids: $ids) {
        __typename
        ... on Order { name }
        ... on Fulfillment { status order { id } }
        ... on FulfillmentOrder { orderStatus: status fulfillmentHolds { reason } order { id } }
      }
    }`, { ids: [orderId, fulfillmentId, "gid://shopify/FulfillmentOrder/77", "gid://shopify/Order/404"] });
    expect(body.errors).toBeUndefined();
    expect(body.data.nodes).toEqual([
      { __typename: "Order", name: fake.orders[0]!.name },
      { __typename: "Fulfillment", status: "SUCCESS", order: { id: orderId } },
      { __typename: "FulfillmentOrder", orderStatus: "OPEN", fulfillmentHolds: [], order: { id: orderId } },
      null,
    ]);
  });

  it("pages forwards and backwards with opaque keyset cursors, stable while orders change", async () => {
    fake.orders = orders(5);
    const first = (await ask(UPDATED_SINCE, { first: 2 })).body;
    expect(names(first)).toEqual(["#1", "#2"]);
    expect(first.data.orders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const cursor = first.data.orders.pageInfo.endCursor as string;
    expect(cursor).not.toMatch(/^\d+$/);
    expect(Buffer.from(cursor, "base64").toString("utf8")).not.toBe("2");

    // #1 changes between pages: it moves to the end, and the next page still starts after #2.
    fake.putOrder(order(1, "2026-03-05T13:00:00Z"));
    const second = (await ask(UPDATED_SINCE, { first: 2, after: cursor })).body;
    expect(names(second)).toEqual(["#3", "#4"]);
    expect(second.data.orders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const third = (await ask(UPDATED_SINCE, { first: 2, after: second.data.orders.pageInfo.endCursor })).body;
    expect(names(third)).toEqual(["#5", "#1"]);
    expect(third.data.orders.pageInfo.hasNextPage).toBe(false);

    const back = (await ask(UPDATED_SINCE, { last: 2, before: second.data.orders.pageInfo.startCursor })).body;
    expect(names(back)).toEqual(["#2"]);
    expect(back.data.orders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const reversed = (await ask(`{ orders(first: 2, sortKey: UPDATED_AT, reverse: true) { nodes { name } } }`)).body;
    expect(reversed.data.orders.nodes).toEqual([{ name: "#1" }, { name: "#5" }]);
  });

  it("refuses a tampered cursor and a cursor of another search, as Shopify does", async () => {
    fake.orders = orders(3);
    const cursor = (await ask(UPDATED_SINCE, { first: 1 })).body.data.orders.pageInfo.endCursor as string;
    const decoded = JSON.parse(Buffer.from(cursor, "base64").toString("utf8"));
    const tampered = Buffer.from(JSON.stringify({ ...decoded, body: decoded.body.replace(/1001/, "1002") })).toString("base64");
    for (const after of [tampered, "bm90IGEgY3Vyc29y", cursor.slice(0, -4)]) {
      const { body } = await ask(UPDATED_SINCE, { first: 1, after });
      expect(body.data).toBeNull();
      expect(body.errors).toMatchObject([{ message: "Invalid cursor for current pagination sort.", path: ["orders"] }]);
    }
    const otherSearch = await ask(UPDATED_SINCE, { first: 1, after: cursor, query: "updated_at:>='2026-03-01T00:00:00Z'" });
    expect(otherSearch.body.errors).toMatchObject([{ message: "Invalid cursor for current pagination sort." }]);
    const otherSort = await ask(`query($after: String) { orders(first: 1, after: $after, sortKey: CREATED_AT) { nodes { id } } }`, { after: cursor });
    expect(otherSort.body.errors).toMatchObject([{ message: "Invalid cursor for current pagination sort." }]);
  });

  it("refuses a page above 250 and a connection with neither first nor last", async () => {
    fake.orders = orders(1);
    const tooMany = await ask(`{ orders(first: 251) { nodes { id } } }`);
    expect(tooMany.body.data).toBeNull();
    expect(tooMany.body.errors).toMatchObject([{ message: expect.stringMatching(/first is 251; a page holds at most 250/), path: ["orders"] }]);
    const nested = await ask(`{ order(id: "gid://shopify/Order/1001") { fulfillments(first: 300) { id } } }`);
    expect(nested.body.errors).toMatchObject([{ message: expect.stringMatching(/first is 300/) }]);
    const neither = await ask(`{ orders(sortKey: UPDATED_AT) { nodes { id } } }`);
    expect(neither.body.data).toBeNull();
    expect(neither.body.errors).toMatchObject([{ message: "you must provide one of first or last", path: ["orders"] }]);
  });

  it("refuses a query over 1,000 points with Shopify's MAX_COST_EXCEEDED, without running it or charging the bucket", async () => {
    fake.orders = orders(2);
    const started = await ask(`mutation { bulkOperationRunQuery(query: "{ orders { edges { node { id } } } }") { bulkOperation { id status } userErrors { message } } }`);
    const id = started.body.data.bulkOperationRunQuery.bulkOperation.id as string;
    expect(started.body.data.bulkOperationRunQuery.bulkOperation.status).toBe("CREATED");
    const before = fake.bucket.available;
    // currentBulkOperation moves the operation on when it runs: 2 + 250 × (1 + 2 + 10 × 1) + 1 = 3,253 points.
    const { status, body } = await ask(`{
      currentBulkOperation { status }
      orders(first: 250) { nodes { lineItems(first: 10) { nodes { id } } } }
    }`);
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/^Query cost is 3253, which exceeds the single query max cost limit \(1000\)\./),
          extensions: { code: "MAX_COST_EXCEEDED", cost: 3253, maxCost: 1000, documentation: "https://shopify.dev/api/usage/rate-limits" },
        },
      ],
    });
    expect(fake.bucket.available).toBe(before);
    const read = await ask(`query($id: ID!) { bulkOperation(id: $id) { status } }`, { id });
    expect(read.body.data.bulkOperation.status).toBe("RUNNING");
  });

  it("reports an actual cost from what the answer holds and refunds the rest to the bucket", async () => {
    fake.orders = orders(3);
    const { body } = await ask(`{ orders(first: 50) { edges { node { id customer { id } } } nodes { id } pageInfo { hasNextPage } } }`);
    // requested: 2 + 50 × (1 + 1); actual: 2 + 3 orders (counted once through edges and nodes), no customers.
    expect(body.extensions!.cost).toEqual({
      requestedQueryCost: 102,
      actualQueryCost: 5,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1995, restoreRate: 0 },
    });
    expect(fake.bucket.available).toBe(1995);
    expect(fake.requests.at(-1)).toMatchObject({ requestedQueryCost: 102, actualQueryCost: 5 });
  });

  it("answers THROTTLED while the bucket cannot hold the requested cost", async () => {
    fake.orders = orders(1);
    fake.bucket.available = 40;
    const { body } = await ask(`{ orders(first: 50) { nodes { id } } }`);
    expect(body.data).toBeUndefined();
    expect(body.errors).toMatchObject([{ message: "Throttled", extensions: { code: "THROTTLED" } }]);
    expect(body.extensions!.cost).toEqual({ requestedQueryCost: 52, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 40, restoreRate: 0 } });
  });

  it("compares search timestamps in whole seconds and shows updatedAt without fractions", async () => {
    fake.orders = [order(1, "2026-03-05T12:00:00.750Z"), order(2, "2026-03-05T12:00:01Z")];
    const found = async (query: string) => names((await ask(UPDATED_SINCE, { first: 10, query })).body);
    expect(await found("updated_at:>='2026-03-05T12:00:00.900Z'")).toEqual(["#1", "#2"]);
    expect(await found("updated_at:>'2026-03-05T12:00:00.100Z'")).toEqual(["#2"]);
    expect(await found("updated_at:<='2026-03-05T12:00:00Z'")).toEqual(["#1"]);
    expect(await found(`updated_at:<"2026-03-05T12:00:01.500Z" AND updated_at:>='2026-03-05T12:00:00Z'`)).toEqual(["#1"]);
    // Shopify's search syntax: "Date values must be a string surrounded by quotes".
    const unquoted = await ask(UPDATED_SINCE, { first: 10, query: "updated_at:>=2026-03-05T12:00:00Z" });
    expect(unquoted.body.errors).toMatchObject([{ message: "Invalid timestamp for query filter `updated_at`." }]);
    const shown = await ask(`{ orders(first: 1, sortKey: UPDATED_AT) { nodes { updatedAt } } }`);
    expect(shown.body.data.orders.nodes).toEqual([{ updatedAt: "2026-03-05T12:00:00Z" }]);
  });

  it("lets search trail a change by searchLagMs while a read by id sees it at once", async () => {
    fake.searchLagMs = 60_000;
    const since = "updated_at:>='2026-03-05T00:00:00Z'";
    fake.putOrder(order(1, "2026-03-05T12:00:00Z"));
    expect(names((await ask(UPDATED_SINCE, { first: 10, query: since })).body)).toEqual([]);
    expect((await ask(`{ order(id: "gid://shopify/Order/1001") { name } }`)).body.data.order).toEqual({ name: "#1" });

    clock += 60_000;
    expect(names((await ask(UPDATED_SINCE, { first: 10, query: since })).body)).toEqual(["#1"]);
    // Changed again: search still filters by the version it holds, and shows the order as it is now.
    fake.putOrder(order(1, "2026-03-05T18:00:00Z"));
    const stale = await ask(`{ orders(first: 10, query: "updated_at:<'2026-03-05T13:00:00Z'", sortKey: UPDATED_AT) { nodes { updatedAt } } }`);
    expect(stale.body.data.orders.nodes).toEqual([{ updatedAt: "2026-03-05T18:00:00Z" }]);
    clock += 60_000;
    const caughtUp = await ask(`{ orders(first: 10, query: "updated_at:<'2026-03-05T13:00:00Z'", sortKey: UPDATED_AT) { nodes { updatedAt } } }`);
    expect(caughtUp.body.data.orders.nodes).toEqual([]);
  });

  it("stops paging a search at the pagination cap", async () => {
    fake.orders = orders(5);
    fake.searchCap = 3;
    const first = (await ask(UPDATED_SINCE, { first: 2 })).body;
    const second = (await ask(UPDATED_SINCE, { first: 2, after: first.data.orders.pageInfo.endCursor })).body;
    expect(names(second)).toEqual(["#3"]);
    expect(second.data.orders.pageInfo.hasNextPage).toBe(true);
    const past = (await ask(UPDATED_SINCE, { first: 2, after: second.data.orders.pageInfo.endCursor })).body;
    expect(past.data).toBeNull();
    expect(past.errors).toMatchObject([{ message: expect.stringMatching(/limited to the first 3 results/), path: ["orders"] }]);
  });

  it("serialises enums through the schema: a value the 2026-07 schema lacks is an error in the answer", async () => {
    fake.orders = orders(1);
    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/1", {
      orderId: "gid://shopify/Order/1001",
      updatedAt: "2026-03-05T12:30:00Z",
      fulfillmentHolds: [{ id: "gid://shopify/FulfillmentHold/9", reason: "AWAITING_PAYMENT", reasonNotes: "waiting on the bank" }],
    });
    const held = await ask(`{ fulfillmentOrder(id: "gid://shopify/FulfillmentOrder/1") { status updatedAt fulfillmentHolds { id reason reasonNotes handle } } }`);
    expect(held.body.data.fulfillmentOrder).toEqual({
      status: "ON_HOLD",
      updatedAt: "2026-03-05T12:30:00Z",
      fulfillmentHolds: [{ id: "gid://shopify/FulfillmentHold/9", reason: "AWAITING_PAYMENT", reasonNotes: "waiting on the bank", handle: null }],
    });

    fake.setFulfillmentOrder("gid://shopify/FulfillmentOrder/1", { status: "AWAITING_PICKUP" });
    const { body } = await ask(`{ fulfillmentOrder(id: "gid://shopify/FulfillmentOrder/1") { id status } }`);
    expect(body.data.fulfillmentOrder).toBeNull();
    expect(body.errors).toMatchObject([{ message: 'Enum "FulfillmentOrderStatus" cannot represent value: "AWAITING_PICKUP"', path: ["fulfillmentOrder", "status"] }]);
  });

  it("answers 401 to the old token once the token is rotated", async () => {
    expect((await ask(`{ shop { id } }`)).body.data).toEqual({ shop: { id: "gid://shopify/Shop/548380009" } });
    fake.rotateAccessToken("shpat_rotated");
    const old = await ask(`{ shop { id } }`);
    expect(old.status).toBe(401);
    expect(old.body).toEqual({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    expect((await ask(`{ shop { id } }`, {}, "shpat_rotated")).status).toBe(200);
    fake.rotateAccessToken(TOKEN);
  });
});
