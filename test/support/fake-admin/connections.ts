// Relay connections as the Admin API pages them: a page by first/last after/before a cursor, in the
// order of a sort key (reversible), with opaque cursors that hold the sort value and id of their item
// (keyset), so a page follows on from the last one however the items changed in between.
//
// Shopify's limits (https://shopify.dev/docs/api/usage/pagination-graphql, "You can retrieve up to a
// maximum of 250 resources"; https://shopify.dev/docs/api/usage/limits, "Pagination limits"):
//  - a connection needs first or last: "you must provide one of first or last" is Shopify's message
//    (as in the error fixtures of Shopify's own API client tests);
//  - first/last above 250 are refused; Shopify does not publish that message, this one is ours;
//  - a cursor from another field, sort or search is refused with "Invalid cursor for current
//    pagination sort.", the message Shopify answers such cursors with; a cursor Shopify never issued
//    is refused with the same message;
//  - "Shopify limits pagination of arrays of objects to 25,000 objects" (the limits page); the
//    changelog that introduced it enforces it on the Storefront API with an error past the 25,000th
//    item and says the Admin API allows more without a figure
//    (https://shopify.dev/changelog/new-pagination-limits-for-liquid-storefront-graphql-api). The fake
//    applies a cap (25,000 unless a test lowers it) to the orders listing: a page past it is an error
//    (the message is ours), a page that reaches it stops there.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { GraphQLError } from "graphql";

export const MAX_PAGE_SIZE = 250;
export const SHOPIFY_PAGINATION_CAP = 25_000;

export type SortValue = string | number;

/** Items as a connection pages them, each with the sort value and tie-break its cursor holds. */
export class Listing<T> {
  constructor(
    readonly items: readonly T[],
    /** ascending sort key of an item (position is its place in `items`) */
    readonly keyOf: (item: T, position: number) => readonly SortValue[],
    /** paging stops at this many items (Shopify's 25,000-object limit) */
    readonly cap?: number,
  ) {}

  /** A listing in the order of the array itself. */
  static inOrder<T>(items: readonly T[]): Listing<T> {
    return new Listing(items, (_, position) => [position]);
  }
}

export type ConnectionArgs = {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
  reverse?: boolean | null;
  sortKey?: string | null;
  query?: string | null;
};

/** What a cursor belongs to: the field it paged and the sort and search it was issued for. */
export type CursorScope = { field: string; sortKey: string | null; query: string | null };

export type Edge<T> = { cursor: string; node: T };
export type Connection<T> = {
  nodes: T[];
  edges: Array<Edge<T>>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};

export type CursorCodec = { encode(scope: CursorScope, key: readonly SortValue[]): string; decode(cursor: string, scope: CursorScope): readonly SortValue[] };

const invalidCursor = () => new GraphQLError("Invalid cursor for current pagination sort.");

/**
 * Cursors are base64 JSON like Shopify's, signed with a key of this fake's own so that one the fake
 * did not issue (edited, made up, or from another fake) is told apart from a genuine one.
 */
export function createCursorCodec(): CursorCodec {
  const secret = randomBytes(32);
  const signature = (body: string) => createHmac("sha256", secret).update(body).digest();
  return {
    encode(scope, key) {
      const body = JSON.stringify({ field: scope.field, sortKey: scope.sortKey, query: scope.query, key });
      return Buffer.from(JSON.stringify({ body, signature: signature(body).toString("base64") })).toString("base64");
    },
    decode(cursor, scope) {
      let parsed: { body?: unknown; signature?: unknown };
      try {
        parsed = JSON.parse(Buffer.from(cursor, "base64").toString("utf8"));
      } catch {
        throw invalidCursor();
      }
      if (typeof parsed?.body !== "string" || typeof parsed.signature !== "string") throw invalidCursor();
      const given = Buffer.from(parsed.signature, "base64");
      const expected = signature(parsed.body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidCursor();
      const issued = JSON.parse(parsed.body) as CursorScope & { key: SortValue[] };
      if (issued.field !== scope.field || issued.sortKey !== scope.sortKey || issued.query !== scope.query) throw invalidCursor();
      return issued.key;
    },
  };
}

function compareKeys(a: readonly SortValue[], b: readonly SortValue[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Refuses a page size Shopify refuses; `required` for connections, which must have one. */
export function checkPageSize(field: string, args: Pick<ConnectionArgs, "first" | "last">, required: boolean): void {
  const first = args.first ?? null;
  const last = args.last ?? null;
  if (required && first === null && last === null) throw new GraphQLError("you must provide one of first or last");
  for (const [name, size] of [["first", first], ["last", last]] as const) {
    if (size !== null && (size < 0 || size > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`${field}: ${name} is ${size}; a page holds at most ${MAX_PAGE_SIZE} items`);
    }
  }
}

export function paginate<T>(listing: Listing<T>, args: ConnectionArgs, scope: CursorScope, cursors: CursorCodec): Connection<T> {
  checkPageSize(scope.field, args, true);
  const direction = args.reverse ? -1 : 1;
  const ordered = listing.items
    .map((item, position) => ({ item, key: listing.keyOf(item, position) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key));
  const follows = (key: readonly SortValue[], cursor: readonly SortValue[]) => direction * compareKeys(key, cursor) > 0;

  let start = 0;
  let end = ordered.length;
  if (args.after) {
    const after = cursors.decode(args.after, scope);
    const index = ordered.findIndex((e) => follows(e.key, after));
    start = index < 0 ? ordered.length : index;
  }
  if (args.before) {
    const before = cursors.decode(args.before, scope);
    const index = ordered.findIndex((e) => !follows(before, e.key));
    end = Math.max(start, index < 0 ? ordered.length : index);
  }
  if (typeof args.first === "number") end = Math.min(end, start + args.first);
  if (typeof args.last === "number") start = Math.max(start, end - args.last);
  if (listing.cap !== undefined && end > listing.cap) {
    if (start >= listing.cap) {
      throw new GraphQLError(`${scope.field}: paging is limited to the first ${listing.cap} results; narrow the search with a filter`);
    }
    end = listing.cap;
  }

  const edges = ordered.slice(start, end).map((e) => ({ cursor: cursors.encode(scope, e.key), node: e.item }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: {
      hasNextPage: end < ordered.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
