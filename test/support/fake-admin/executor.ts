// Runs an Admin GraphQL document for real: graphql-js `execute` against the committed 2026-07 client
// schema, over the shop's views (shop-data.ts), so an answer holds exactly the fields asked for and
// every enum and scalar goes through the schema (a value the schema lacks is an error in the answer).
//
// Cost, as "GraphQL Admin API rate limits" (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits)
// and the call-limit page (https://help.shopify.com/en/api/graphql-admin-api/call-limit) describe it:
// the requested cost is computed before execution (test/support/graphql-cost.ts) and a query above
// 1,000 points is refused unexecuted; the actual cost counts what the answer holds with the same
// rules (objects 1, connections 2 plus each node returned, lists each item returned, mutations 10 a
// root field), so a short page costs less than it requested.
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  execute,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLScalarType,
  isLeafType,
  isListType,
  isObjectType,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type GraphQLTypeResolver,
} from "graphql";
import { loadIntrospectionSchema } from "../graphql-documents";
import { checkPageSize, Listing, paginate, type ConnectionArgs, type CursorCodec } from "./connections";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
let schema: GraphQLSchema | undefined;

/**
 * The committed schema, with DateTime serialised as the Admin API shows it: UTC, whole seconds
 * ("2026-03-02T14:15:13Z"). A client schema's custom scalars otherwise pass values through untouched.
 */
export function fakeAdminSchema(): GraphQLSchema {
  if (schema) return schema;
  schema = loadIntrospectionSchema(path.join(root, "graphql", "admin-2026-07.schema.json.gz"));
  const dateTime = schema.getType("DateTime") as GraphQLScalarType;
  dateTime.serialize = (value: unknown) => {
    const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) throw new GraphQLError(`DateTime cannot represent value: ${JSON.stringify(value)}`);
    return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
  };
  return schema;
}

const MUTATION_COST = 10;
const CONNECTION_COST = 2;

type Tally = {
  cursors: CursorCodec;
  actualCost: number;
  /** nodes of a page already counted, so `nodes` and `edges { node }` of one page count once */
  counted: WeakMap<object, Set<unknown>>;
  /** the page an edge belongs to */
  pageOfEdge: WeakMap<object, object>;
};

const isConnection = (typeName: string) => typeName.endsWith("Connection");

function countOnce(tally: Tally, page: object, nodes: unknown[]): void {
  const seen = tally.counted.get(page) ?? new Set();
  tally.counted.set(page, seen);
  for (const node of nodes) {
    if (node === null || node === undefined || seen.has(node)) continue;
    seen.add(node);
    tally.actualCost += 1;
  }
}

const typeResolver: GraphQLTypeResolver<unknown, Tally> = (value) => (value as { __typename?: string }).__typename;

function resolverFor(rootValues: Set<object>): GraphQLFieldResolver<unknown, Tally> {
  return (source, args, tally, info) => {
    const holder = source as Record<string, unknown>;
    const property = holder[info.fieldName];
    if (property === undefined && rootValues.has(holder)) {
      throw new GraphQLError(`the fake Admin API does not implement ${info.parentType.name}.${info.fieldName}`);
    }
    let value = typeof property === "function" ? property.call(holder, args, tally, info) : property;
    const named = getNamedType(info.returnType);
    const field = `${info.parentType.name}.${info.fieldName}`;

    if (info.operation.operation === "mutation") {
      if (rootValues.has(holder)) tally.actualCost += MUTATION_COST;
      return value;
    }
    if (isObjectType(named) && isConnection(named.name)) {
      if (value === null || value === undefined) return value;
      const listing = value instanceof Listing ? value : Listing.inOrder(Array.isArray(value) ? value : ((value as { nodes: unknown[] }).nodes ?? []));
      const connectionArgs = args as ConnectionArgs;
      const page = paginate(listing, connectionArgs, { field, sortKey: connectionArgs.sortKey ?? null, query: connectionArgs.query ?? null }, tally.cursors);
      for (const edge of page.edges) tally.pageOfEdge.set(edge, page);
      tally.actualCost += CONNECTION_COST;
      return page;
    }
    if (isListType(getNullableType(info.returnType)) && Array.isArray(value) && ("first" in args || "last" in args)) {
      checkPageSize(field, args as ConnectionArgs, false);
      if (typeof args.first === "number") value = value.slice(0, args.first);
      if (typeof args.last === "number") value = value.slice(Math.max(0, value.length - args.last));
    }
    if (isLeafType(named) || value === null || value === undefined) return value;
    // A connection's own objects (edges, pageInfo) are in its flat 2; its nodes count once each.
    if (isConnection(info.parentType.name)) {
      if (info.fieldName === "nodes") countOnce(tally, holder, value as unknown[]);
      return value;
    }
    if (info.parentType.name.endsWith("Edge") && info.fieldName === "node") {
      countOnce(tally, tally.pageOfEdge.get(holder) ?? holder, [value]);
      return value;
    }
    tally.actualCost += Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined).length : 1;
    return value;
  };
}

export type Executed = { result: ExecutionResult; actualCost: number };

export function executeDocument(options: {
  document: DocumentNode;
  variables: Record<string, unknown>;
  operationName?: string;
  queryRoot: object;
  mutationRoot: object;
  cursors: CursorCodec;
}): Executed {
  const isMutation = options.document.definitions.some(
    (d) => d.kind === "OperationDefinition" && d.operation === "mutation" && (options.operationName === undefined || d.name?.value === options.operationName),
  );
  const tally: Tally = { cursors: options.cursors, actualCost: 0, counted: new WeakMap(), pageOfEdge: new WeakMap() };
  const result = execute({
    schema: fakeAdminSchema(),
    document: options.document,
    rootValue: isMutation ? options.mutationRoot : options.queryRoot,
    contextValue: tally,
    variableValues: options.variables,
    operationName: options.operationName,
    fieldResolver: resolverFor(new Set([options.queryRoot, options.mutationRoot])),
    typeResolver,
  }) as ExecutionResult;
  return { result, actualCost: tally.actualCost };
}
