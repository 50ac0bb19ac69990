import { describe, expect, it } from "vitest";
import { formatScopes, InvalidScopeError, parseScopes, storedScopes } from "./api-scopes";

describe("API key scopes", () => {
  it("reads repeated and comma-separated values, each scope once, in a fixed order", () => {
    expect(parseScopes(["feeds:write,orders:read", " feeds:write "])).toEqual(["orders:read", "feeds:write"]);
    expect(parseScopes(["orders:read"])).toEqual(["orders:read"]);
  });

  it("refuses an unknown scope and an empty choice instead of making a key with less", () => {
    expect(() => parseScopes(["orders:read,orders:write"])).toThrow(InvalidScopeError);
    expect(() => parseScopes(["Orders:Read"])).toThrow(/unknown scope "Orders:Read"/);
    expect(() => parseScopes([])).toThrow(/at least one scope/);
    expect(() => parseScopes([" , "])).toThrow(/at least one scope/);
  });

  it("stores as a list and grants nothing for a name it does not know", () => {
    expect(formatScopes(["feeds:write", "orders:read"])).toBe("orders:read,feeds:write");
    expect(storedScopes("orders:read,feeds:write")).toEqual(["orders:read", "feeds:write"]);
    expect(storedScopes("admin,feeds:write")).toEqual(["feeds:write"]);
    expect(storedScopes("")).toEqual([]);
  });
});
