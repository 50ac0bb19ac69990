/**
 * What an API key may do. A key handed to a chat vendor reads orders; one handed to a warehouse or
 * a tracking service writes feeds; neither can do the other's job unless the merchant says so.
 */
export const API_SCOPES = ["orders:read", "feeds:write"] as const;

export type ApiScope = (typeof API_SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<ApiScope, string> = {
  "orders:read": "Read orders: support API, WISMO endpoints and the MCP server (support bots, helpdesks)",
  "feeds:write": "Send 3PL shipment files and carrier updates (warehouses, tracking services)",
};

function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

export class InvalidScopeError extends Error {}

/**
 * Scopes as a person gives them: any mix of repeated values and comma-separated lists. Unknown
 * names are refused rather than dropped, so a typo never makes a key with less than was meant.
 * The result is de-duplicated in API_SCOPES order.
 */
export function parseScopes(values: Iterable<string>): ApiScope[] {
  const wanted = new Set<string>();
  for (const value of values) {
    for (const part of value.split(",")) {
      const name = part.trim();
      if (!name) continue;
      if (!isApiScope(name)) throw new InvalidScopeError(`unknown scope "${name}" (known: ${API_SCOPES.join(", ")})`);
      wanted.add(name);
    }
  }
  if (wanted.size === 0) throw new InvalidScopeError(`choose at least one scope (${API_SCOPES.join(", ")})`);
  return API_SCOPES.filter((s) => wanted.has(s));
}

/** The stored column (comma-separated); a name this version does not know grants nothing. */
export function storedScopes(column: string): ApiScope[] {
  const present = new Set(column.split(",").map((s) => s.trim()));
  return API_SCOPES.filter((s) => present.has(s));
}

export const formatScopes = (scopes: readonly ApiScope[]): string => API_SCOPES.filter((s) => scopes.includes(s)).join(",");
