// orders(query:, sortKey:) as Shopify's search answers it.
//  - Timestamps have whole seconds: the Admin API shows `updatedAt` without milliseconds, and a filter
//    compares whole seconds on both sides (a filter's fraction of a second is dropped).
//  - Search reads an index that catches up with a change `lag` ms after it (by-id reads see the change
//    at once): until then search finds the order as it was before, or not at all if it is new.
//    Only a search (a non-empty `query`) reads the index; a plain listing reads the orders themselves.
//  - Search syntax (https://shopify.dev/docs/api/usage/search-syntax): terms `field:value`,
//    `field:>value`, `>=`, `<`, `<=`, values bare or in single or double quotes (a date must be
//    quoted), joined by spaces or AND. Only the fields below are modelled; any other term, and a
//    date without quotes, is refused so that a test never passes on a filter Shopify would read
//    otherwise.
import { GraphQLError } from "graphql";
import type { GqlOrder } from "../../../app/sources/shopify-reconciliation/order-mapping";
import type { SortValue } from "./connections";

export const wholeSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);
export const legacyNumber = (gid: string): number => Number(gid.slice(gid.lastIndexOf("/") + 1));

/** What the search index holds: each version of an order put through the fake, with when it was put. */
export type OrderIndex = {
  /** `order` replaces `replaced` (null for a new order) now */
  changed(order: GqlOrder, replaced: GqlOrder | null): void;
  /** the version of `order` that search finds now, or null while none of its versions is indexed */
  searchable(order: GqlOrder): GqlOrder | null;
};

export function createOrderIndex(now: () => number, lagMs: () => number): OrderIndex {
  const changes = new WeakMap<GqlOrder, { at: number; replaced: GqlOrder | null }>();
  const searchable = (order: GqlOrder): GqlOrder | null => {
    const change = changes.get(order);
    if (!change || now() - change.at >= lagMs()) return order;
    return change.replaced && searchable(change.replaced);
  };
  return {
    changed(order, replaced) {
      if (order === replaced) throw new Error("putOrder needs a new object for a changed order: search keeps the one it replaces until it catches up");
      changes.set(order, { at: now(), replaced });
    },
    searchable,
  };
}

type Comparison = ":" | ":>" | ":>=" | ":<" | ":<=";
type Term = { field: string; comparison: Comparison; value: string; quoted: boolean };

const TERM = /^([a-z_]+)(:>=|:<=|:>|:<|:)(?:'([^']*)'|"([^"]*)"|([^\s'"()]+))/;

function parseSearch(query: string): Term[] {
  const terms: Term[] = [];
  let rest = query.trim();
  while (rest.length > 0) {
    const joiner = /^AND(\s+|$)/.exec(rest);
    if (joiner) {
      rest = rest.slice(joiner[0].length);
      continue;
    }
    const match = TERM.exec(rest);
    if (!match) throw new GraphQLError(`the fake Admin API does not model this search syntax: ${rest}`);
    terms.push({ field: match[1]!, comparison: match[2] as Comparison, value: match[3] ?? match[4] ?? match[5]!, quoted: match[5] === undefined });
    rest = rest.slice(match[0].length).trimStart();
  }
  return terms;
}

const TIMESTAMP_FIELDS: Record<string, (o: GqlOrder) => string | null> = {
  updated_at: (o) => o.updatedAt,
  created_at: (o) => o.createdAt,
  processed_at: (o) => o.processedAt ?? o.createdAt,
};

function matches(order: GqlOrder, term: Term): boolean {
  let actual: number;
  let wanted: number;
  const timestamp = TIMESTAMP_FIELDS[term.field];
  if (timestamp) {
    wanted = wholeSeconds(term.value);
    if (Number.isNaN(wanted) || !term.quoted) throw new GraphQLError(`Invalid timestamp for query filter \`${term.field}\`.`);
    const value = timestamp(order);
    if (value === null) return false;
    actual = wholeSeconds(value);
  } else if (term.field === "id") {
    wanted = Number(term.value);
    actual = legacyNumber(order.id);
  } else {
    throw new GraphQLError(`the fake Admin API does not model the search field ${term.field}`);
  }
  switch (term.comparison) {
    case ":":
      return actual === wanted;
    case ":>":
      return actual > wanted;
    case ":>=":
      return actual >= wanted;
    case ":<":
      return actual < wanted;
    case ":<=":
      return actual <= wanted;
  }
}

const SORT_VALUES: Record<string, (o: GqlOrder) => SortValue> = {
  UPDATED_AT: (o) => wholeSeconds(o.updatedAt),
  CREATED_AT: (o) => wholeSeconds(o.createdAt),
  PROCESSED_AT: (o) => wholeSeconds(o.processedAt ?? o.createdAt),
  ID: (o) => legacyNumber(o.id),
};

/**
 * The orders a search finds, each with the sort key its cursor holds: the current order (what the
 * answer shows) ordered and filtered by the version the index holds.
 */
export function searchOrders(orders: readonly GqlOrder[], index: OrderIndex, query: string | null, sortKey: string): Array<{ order: GqlOrder; key: SortValue[] }> {
  const sortValue = SORT_VALUES[sortKey];
  if (!sortValue) throw new GraphQLError(`the fake Admin API does not model orders sorted by ${sortKey}`);
  const terms = query ? parseSearch(query) : [];
  const found: Array<{ order: GqlOrder; key: SortValue[] }> = [];
  for (const order of orders) {
    const indexed = query ? index.searchable(order) : order;
    if (!indexed || !terms.every((term) => matches(indexed, term))) continue;
    found.push({ order, key: [sortValue(indexed), legacyNumber(order.id)] });
  }
  return found;
}
