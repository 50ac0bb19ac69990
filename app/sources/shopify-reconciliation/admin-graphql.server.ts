/**
 * Admin GraphQL calls that respect Shopify's cost-based rate limit: every answer carries
 * extensions.cost.throttleStatus; when the bucket would not hold the next query we wait for it to
 * refill, a THROTTLED answer is retried after the wait it implies, and transient HTTP failures
 * (429, 5xx) back off exponentially.
 */

export type ThrottleStatus = { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
export type QueryCost = { requestedQueryCost: number; actualQueryCost: number | null; throttleStatus: ThrottleStatus };
export type GraphqlError = { message: string; extensions?: { code?: string } };
export type GraphqlBody<T = unknown> = { data?: T | null; errors?: GraphqlError[]; extensions?: { cost?: QueryCost } };

/** One raw round trip to the shop's Admin GraphQL endpoint. */
export type GraphqlCall = (query: string, variables: Record<string, unknown>) => Promise<GraphqlBody>;

/** A failure worth retrying (429, 5xx, network), with the server's Retry-After when it gave one. */
export class TransientAdminError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "TransientAdminError";
  }
}

export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly codes: string[] = [],
    /** The HTTP status Shopify answered with, when the request itself was refused. */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

type ShopifyGraphqlFunction = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

/**
 * Adapts the Shopify library's admin.graphql (which throws on GraphQL errors and on HTTP failures)
 * to a call that returns GraphQL errors as data, so THROTTLED can be told from real failures.
 */
export function fromShopifyAdmin(graphql: ShopifyGraphqlFunction): GraphqlCall {
  return async (query, variables) => {
    try {
      return (await (await graphql(query, { variables })).json()) as GraphqlBody;
    } catch (error) {
      const failure = error as { body?: { data?: unknown; errors?: { graphQLErrors?: GraphqlError[] }; extensions?: GraphqlBody["extensions"] }; response?: { code?: number }; retryAfter?: number };
      if (failure.body?.errors?.graphQLErrors) {
        return { data: failure.body.data as GraphqlBody["data"], errors: failure.body.errors.graphQLErrors, extensions: failure.body.extensions };
      }
      const code = failure.response?.code;
      if (code === undefined || code === 429 || code >= 500) {
        throw new TransientAdminError(error instanceof Error ? error.message.split("\n")[0]! : "Admin API request failed", failure.retryAfter ? failure.retryAfter * 1000 : null);
      }
      throw new AdminApiError(`Admin API answered HTTP ${code}`, [], code);
    }
  };
}

/** Our code on an AdminApiError for a query larger than the shop's whole bucket: ask less. */
export const EXCEEDS_BUCKET = "EXCEEDS_BUCKET";

export type AdminQueryOptions = {
  sleep?: (ms: number) => Promise<void>;
  maxAttempts?: number;
  /** told the cost of each answered query, for callers that size their next page by it */
  onCost?: (cost: QueryCost) => void;
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** ms until the bucket holds `needed` points again. */
export function refillWait(status: ThrottleStatus, needed: number): number {
  const missing = Math.min(needed, status.maximumAvailable) - status.currentlyAvailable;
  if (missing <= 0 || status.restoreRate <= 0) return 0;
  return Math.ceil((missing / status.restoreRate) * 1000);
}

/** Runs a query, waiting out throttling and transient failures; GraphQL errors other than THROTTLED throw. */
export async function adminQuery<T>(call: GraphqlCall, query: string, variables: Record<string, unknown>, options: AdminQueryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt += 1) {
    let body: GraphqlBody<T>;
    try {
      body = (await call(query, variables)) as GraphqlBody<T>;
    } catch (error) {
      if (!(error instanceof TransientAdminError) || attempt >= maxAttempts) throw error;
      await sleep(error.retryAfterMs ?? Math.min(1000 * 2 ** (attempt - 1), 30_000));
      continue;
    }
    const cost = body.extensions?.cost;
    const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? "");
    if (codes.includes("THROTTLED")) {
      // The bucket's size depends on the shop's plan: a query that costs more than it holds never runs.
      if (cost && cost.requestedQueryCost > cost.throttleStatus.maximumAvailable) {
        throw new AdminApiError(`a query of ${cost.requestedQueryCost} points never fits this shop's bucket of ${cost.throttleStatus.maximumAvailable}`, [...codes, EXCEEDS_BUCKET]);
      }
      if (attempt >= maxAttempts) throw new AdminApiError("Admin API kept throttling the reconciliation", codes);
      await sleep(cost ? Math.max(refillWait(cost.throttleStatus, cost.requestedQueryCost), 250) : 1000 * attempt);
      continue;
    }
    if (body.errors && body.errors.length > 0) {
      throw new AdminApiError(`Admin API errors: ${body.errors.map((e) => e.message).join("; ")}`, codes);
    }
    // Pace the next call now rather than have it bounce: the next page costs about what this one did.
    if (cost) {
      options.onCost?.(cost);
      const wait = refillWait(cost.throttleStatus, cost.requestedQueryCost);
      if (wait > 0) await sleep(wait);
    }
    if (body.data === undefined || body.data === null) throw new AdminApiError("Admin API answered without data");
    return body.data;
  }
}
