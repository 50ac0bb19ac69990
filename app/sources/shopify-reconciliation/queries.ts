/**
 * Admin GraphQL documents of the reconciliation (validated against the committed 2026-07 schema by
 * test/unit/admin-graphql.test.ts). Page sizes are variables so a query Shopify finds too costly can
 * be retried smaller (see admin-graphql.server.ts).
 */

/** Everything the rollup reads about an order, in one fragment shared by every query. */
export const RECONCILED_ORDER_FRAGMENT = `#graphql
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
    lineItems(first: 100) {
      nodes {
        id
        title
        sku
        quantity
        currentQuantity
        requiresShipping
      }
    }
    fulfillments(first: 20) {
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
      fulfillmentLineItems(first: 100) {
        nodes {
          quantity
          lineItem {
            id
            title
            sku
            requiresShipping
          }
        }
      }
      events(first: 50, sortKey: HAPPENED_AT) {
        nodes {
          id
          status
          happenedAt
          estimatedDeliveryAt
          message
          city
          province
          country
        }
      }
    }
    fulfillmentOrders(first: 10) {
      nodes {
        id
      }
    }
    refunds(first: 20) {
      id
      createdAt
      refundLineItems(first: 100) {
        nodes {
          quantity
          restockType
          lineItem {
            id
          }
        }
      }
    }
  }
`;

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
  ${RECONCILED_ORDER_FRAGMENT}
`;

export const ORDERS_BY_ID_QUERY = `#graphql
  query ReconcileOrdersById($ids: [ID!]!) {
    nodes(ids: $ids) {
      ... on Order {
        ...ReconciledOrder
      }
    }
  }
  ${RECONCILED_ORDER_FRAGMENT}
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
 * window; their details come through ORDERS_BY_ID_QUERY, because bulk queries cannot hold the
 * connections that the fragment nests inside fulfillments.
 */
export function backfillBulkQuery(sinceIso: string): string {
  return `{ orders(query: ${JSON.stringify(`updated_at:>='${sinceIso}'`)}) { edges { node { id updatedAt } } } }`;
}
