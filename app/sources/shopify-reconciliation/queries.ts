/**
 * Admin GraphQL documents of the reconciliation, validated against the committed 2026-07 schema by
 * test/unit/admin-graphql.test.ts.
 *
 * Shopify refuses a query whose requested cost exceeds 1,000 points, and sizes a connection by its
 * `first` times what each item nests (decision 012). An order with all its nested lists in one query
 * costs thousands, so an order is read in steps (order-reader.server.ts):
 *  1. the order with short first pages of its own lists (ReconciledOrder, about 73 points);
 *  2. per fulfillment and per refund, their nested lists, batched through nodes(ids:);
 *  3. any list whose first page was full, by a query of its own.
 * The cost test (test/unit/graphql-cost.test.ts) prices every document at the sizes used here.
 */

const LINE_ITEM_FRAGMENT = `#graphql
  fragment ReconciledLineItem on LineItem {
    id
    title
    sku
    quantity
    currentQuantity
    requiresShipping
  }
`;

const FULFILLMENT_FRAGMENT = `#graphql
  fragment ReconciledFulfillment on Fulfillment {
    id
    name
    status
    displayStatus
    createdAt
    updatedAt
    estimatedDeliveryAt
    trackingInfo(first: 5) {
      company
      number
      url
    }
  }
`;

const FULFILLMENT_ORDER_FRAGMENT = `#graphql
  fragment ReconciledFulfillmentOrder on FulfillmentOrder {
    id
    status
    updatedAt
    fulfillmentHolds {
      id
      reason
    }
  }
`;

const FULFILLMENT_LINE_ITEM_FRAGMENT = `#graphql
  fragment ReconciledFulfillmentLineItem on FulfillmentLineItem {
    quantity
    lineItem {
      id
      title
      sku
      requiresShipping
    }
  }
`;

const FULFILLMENT_EVENT_FRAGMENT = `#graphql
  fragment ReconciledFulfillmentEvent on FulfillmentEvent {
    id
    status
    happenedAt
    estimatedDeliveryAt
    message
    city
    province
    country
  }
`;

const REFUND_LINE_ITEM_FRAGMENT = `#graphql
  fragment ReconciledRefundLineItem on RefundLineItem {
    quantity
    restockType
    lineItem {
      id
    }
  }
`;

/**
 * The sizes ReconciledOrder asks of its plain lists (no pageInfo): a list this long may hold more.
 * test/unit/graphql-cost.test.ts checks them against the fragment.
 */
export const FIRST_PAGE = { fulfillments: 5, refunds: 5 } as const;

/** The order and the first page of each list it holds. */
const ORDER_FRAGMENT = `#graphql
  fragment ReconciledOrder on Order {
    id
    name
    createdAt
    updatedAt
    processedAt
    cancelledAt
    statusPageUrl
    email
    phone
    displayFulfillmentStatus
    customer {
      id
      defaultEmailAddress {
        emailAddress
      }
      defaultPhoneNumber {
        phoneNumber
      }
    }
    lineItems(first: 20) {
      nodes {
        ...ReconciledLineItem
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    fulfillments(first: 5) {
      ...ReconciledFulfillment
    }
    fulfillmentOrders(first: 5) {
      nodes {
        ...ReconciledFulfillmentOrder
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    refunds(first: 5) {
      id
      createdAt
    }
  }
  ${LINE_ITEM_FRAGMENT}
  ${FULFILLMENT_FRAGMENT}
  ${FULFILLMENT_ORDER_FRAGMENT}
`;

export const RECONCILIATION_PAGE_SIZE = 10;

export const UPDATED_ORDERS_QUERY = `#graphql
  query ReconcileUpdatedOrders($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      nodes {
        ...ReconciledOrder
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
  ${ORDER_FRAGMENT}
`;

export const BY_ID_CHUNK = 10;

export const ORDERS_BY_ID_QUERY = `#graphql
  query ReconcileOrdersById($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {
        ...ReconciledOrder
      }
    }
  }
  ${ORDER_FRAGMENT}
`;

/** The rest of an order's line items, after the first page. */
export const ORDER_LINE_ITEMS_QUERY = `#graphql
  query ReconcileOrderLineItems($id: ID!, $after: String) {
    node(id: $id) {
      ... on Order {
        lineItems(first: 100, after: $after) {
          nodes {
            ...ReconciledLineItem
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${LINE_ITEM_FRAGMENT}
`;

/** The rest of an order's fulfillment orders, after the first page. */
export const ORDER_FULFILLMENT_ORDERS_QUERY = `#graphql
  query ReconcileOrderFulfillmentOrders($id: ID!, $after: String) {
    node(id: $id) {
      ... on Order {
        fulfillmentOrders(first: 100, after: $after) {
          nodes {
            ...ReconciledFulfillmentOrder
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${FULFILLMENT_ORDER_FRAGMENT}
`;

/**
 * Order.fulfillments and Order.refunds are plain lists (a size, no cursor): an order that filled a
 * first page is asked again for as many as one query can afford.
 */
export const ALL_FULFILLMENTS_FIRST = 120;
export const ALL_REFUNDS_FIRST = 150;
export const ORDER_FULFILLMENTS_AND_REFUNDS_QUERY = `#graphql
  query ReconcileOrderFulfillmentsAndRefunds($id: ID!, $fulfillments: Int!, $refunds: Int!) {
    node(id: $id) {
      ... on Order {
        fulfillments(first: $fulfillments) {
          ...ReconciledFulfillment
        }
        refunds(first: $refunds) {
          id
          createdAt
        }
      }
    }
  }
  ${FULFILLMENT_FRAGMENT}
`;

/**
 * What each fulfillment shipped, and its tracking events newest first, so a busy shipment's latest
 * scans are in the first page.
 */
export const FULFILLMENTS_PER_DETAILS_QUERY = 12;
export const FULFILLMENT_DETAILS_QUERY = `#graphql
  query ReconcileFulfillmentDetails($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Fulfillment {
        id
        fulfillmentLineItems(first: 20) {
          nodes {
            ...ReconciledFulfillmentLineItem
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
        events(first: 20, reverse: true, sortKey: HAPPENED_AT) {
          nodes {
            ...ReconciledFulfillmentEvent
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${FULFILLMENT_LINE_ITEM_FRAGMENT}
  ${FULFILLMENT_EVENT_FRAGMENT}
`;

export const FULFILLMENT_LINE_ITEMS_QUERY = `#graphql
  query ReconcileFulfillmentLineItems($id: ID!, $after: String) {
    node(id: $id) {
      ... on Fulfillment {
        fulfillmentLineItems(first: 100, after: $after) {
          nodes {
            ...ReconciledFulfillmentLineItem
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${FULFILLMENT_LINE_ITEM_FRAGMENT}
`;

export const FULFILLMENT_EVENTS_QUERY = `#graphql
  query ReconcileFulfillmentEvents($id: ID!, $after: String) {
    node(id: $id) {
      ... on Fulfillment {
        events(first: 250, after: $after, reverse: true, sortKey: HAPPENED_AT) {
          nodes {
            ...ReconciledFulfillmentEvent
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${FULFILLMENT_EVENT_FRAGMENT}
`;

export const REFUNDS_PER_DETAILS_QUERY = 20;
export const REFUND_DETAILS_QUERY = `#graphql
  query ReconcileRefundDetails($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Refund {
        id
        refundLineItems(first: 20) {
          nodes {
            ...ReconciledRefundLineItem
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${REFUND_LINE_ITEM_FRAGMENT}
`;

export const REFUND_LINE_ITEMS_QUERY = `#graphql
  query ReconcileRefundLineItems($id: ID!, $after: String) {
    node(id: $id) {
      ... on Refund {
        refundLineItems(first: 100, after: $after) {
          nodes {
            ...ReconciledRefundLineItem
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
  ${REFUND_LINE_ITEM_FRAGMENT}
`;

export const START_BACKFILL_MUTATION = `#graphql
  mutation StartOrderBackfill($query: String!) {
    bulkOperationRunQuery(query: $query) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const BULK_OPERATION_QUERY = `#graphql
  query BackfillStatus($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      url
      partialDataUrl
    }
  }
`;

/**
 * The bulk query itself (sent as a string, run by Shopify): it only enumerates the orders of the
 * window; their details are read like a recheck's (order-reader.server.ts), because bulk queries cannot
 * hold the connections that fulfillments nest.
 */
export function backfillBulkQuery(sinceIso: string): string {
  return `{ orders(query: ${JSON.stringify(`updated_at:>='${sinceIso}'`)}) { edges { node { id updatedAt } } } }`;
}
