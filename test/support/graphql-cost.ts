// Shopify's *requested* query cost of an Admin GraphQL document, computed statically from the
// committed schema, the way "GraphQL Admin API rate limits"
// (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits) describes it. Shopify refuses,
// before running it, any query whose requested cost exceeds 1,000 points (MAX_COST_EXCEEDED).
//
// The introspection carries no per-field costs, so only the documented defaults are implemented:
//  - scalar and enum fields: 0;
//  - object fields: 1 plus what they select;
//  - interfaces and unions: the maximum over their possible types of what applies to each;
//  - connections (`*Connection` types): 2 plus first/last times the cost of one item, an item being
//    the node (1 plus its selection) however it is reached (`nodes`, `edges { node }`); `edges`,
//    `pageInfo` and the edge object itself add nothing (the 2 covers the connection's own objects);
//  - mutations: 10 per root field, whatever the payload selects.
// Approximations, where the page is silent:
//  - a plain list of objects (Order.fulfillments(first:), Order.refunds(first:),
//    Fulfillment.trackingInfo(first:)) costs first/last times one item, without the connection's 2;
//    a list sized by an id list (nodes(ids:)) costs one item per id; an unsized list counts one item;
//  - fields Shopify prices above the default (some search or count fields) are priced at the default,
//    so the result is a lower bound for them.
// Variables are resolved from the values the app sends; a size the document leaves to a variable that
// is not given is an error, never a guess.
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

/** The single-query limit Shopify enforces on the requested cost. */
export const SHOPIFY_MAX_QUERY_COST = 1000;
const MUTATION_COST = 10;
const CONNECTION_COST = 2;

type Context = { schema: GraphQLSchema; fragments: Map<string, FragmentDefinitionNode>; variables: Record<string, unknown> };

/** Requested cost of one operation (the only one, or the one named) of `document`. */
export function requestedQueryCost(
  schema: GraphQLSchema,
  document: DocumentNode | string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): number {
  const doc = typeof document === "string" ? parse(document) : document;
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of doc.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
  if (!operation || (operationName === undefined && operations.length !== 1)) {
    throw new Error(`expected ${operationName ?? "exactly one operation"} in the document`);
  }
  const context: Context = { schema, fragments, variables };
  if (operation.operation === "mutation") {
    return fieldsOn(context, schema.getMutationType()!, operation.selectionSet).filter((f) => f.name.value !== "__typename").length * MUTATION_COST;
  }
  const root = operation.operation === "query" ? schema.getQueryType() : schema.getSubscriptionType();
  return selectionCost(context, root!, operation.selectionSet);
}

/** The field nodes of a selection set that apply to the concrete type `type`, fragments expanded. */
function fieldsOn(context: Context, type: GraphQLObjectType, selectionSet: SelectionSetNode): FieldNode[] {
  const applies = (condition: string | undefined) => {
    if (condition === undefined || condition === type.name) return true;
    const conditionType = context.schema.getType(condition);
    return !!conditionType && isAbstractType(conditionType) && context.schema.isSubType(conditionType, type);
  };
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(selection.typeCondition?.name.value)) fields.push(...fieldsOn(context, type, selection.selectionSet));
    } else {
      const fragment = context.fragments.get(selection.name.value);
      if (!fragment) throw new Error(`unknown fragment ${selection.name.value}`);
      if (applies(fragment.typeCondition.name.value)) fields.push(...fieldsOn(context, type, fragment.selectionSet));
    }
  }
  return fields;
}

/** What a selection on `type` adds (the object's own point is counted by whoever selects it). */
function selectionCost(context: Context, type: GraphQLCompositeType, selectionSet: SelectionSetNode): number {
  if (isAbstractType(type)) {
    return Math.max(0, ...context.schema.getPossibleTypes(type).map((possible) => selectionCost(context, possible, selectionSet)));
  }
  const object = type as GraphQLObjectType;
  const definitions = object.getFields();
  let total = 0;
  for (const field of fieldsOn(context, object, selectionSet)) {
    if (field.name.value.startsWith("__")) continue;
    const definition = definitions[field.name.value];
    if (!definition) throw new Error(`${object.name} has no field ${field.name.value}`);
    total += fieldCost(context, definition, field);
  }
  return total;
}

function fieldCost(context: Context, definition: GraphQLField<unknown, unknown>, field: FieldNode): number {
  const named = getNamedType(definition.type);
  if (isLeafType(named) || !field.selectionSet) return 0;
  if (named.name.endsWith("Connection") && isObjectType(named)) {
    return CONNECTION_COST + pageSize(context, field, true) * connectionItemCost(context, named, field.selectionSet);
  }
  const item = 1 + selectionCost(context, named as GraphQLCompositeType, field.selectionSet);
  return isListType(getNullableType(definition.type)) ? pageSize(context, field, false) * item : item;
}

/** One item of a connection: the node, however the selection reaches it. */
function connectionItemCost(context: Context, connection: GraphQLObjectType, selectionSet: SelectionSetNode): number {
  let item = 0;
  for (const field of fieldsOn(context, connection, selectionSet)) {
    const definition = connection.getFields()[field.name.value];
    if (!definition || !field.selectionSet) continue;
    if (field.name.value === "nodes") {
      item = Math.max(item, 1 + selectionCost(context, getNamedType(definition.type) as GraphQLCompositeType, field.selectionSet));
    } else if (field.name.value === "edges") {
      const edge = getNamedType(definition.type) as GraphQLObjectType;
      for (const edgeField of fieldsOn(context, edge, field.selectionSet)) {
        const edgeDefinition = edge.getFields()[edgeField.name.value];
        if (edgeField.name.value === "node" && edgeDefinition && edgeField.selectionSet) {
          item = Math.max(item, 1 + selectionCost(context, getNamedType(edgeDefinition.type) as GraphQLCompositeType, edgeField.selectionSet));
        }
      }
    }
    // pageInfo and any other field of the connection are part of its flat 2.
  }
  return item;
}

function pageSize(context: Context, field: FieldNode, required: boolean): number {
  const argument = (name: string) => field.arguments?.find((a) => a.name.value === name)?.value;
  const size = argument("first") ?? argument("last");
  if (size) return Number(resolve(context, size, field));
  const ids = argument("ids");
  if (ids) {
    const value = resolve(context, ids, field);
    if (!Array.isArray(value)) throw new Error(`${field.name.value}(ids:) is not a list`);
    return value.length;
  }
  if (required) throw new Error(`connection ${field.name.value} has neither first nor last`);
  return 1;
}

function resolve(context: Context, value: ValueNode, field: FieldNode): unknown {
  switch (value.kind) {
    case Kind.VARIABLE: {
      if (!(value.name.value in context.variables)) throw new Error(`${field.name.value}: variable $${value.name.value} has no value`);
      return context.variables[value.name.value];
    }
    case Kind.INT:
      return Number(value.value);
    case Kind.LIST:
      return value.values.map((v) => resolve(context, v, field));
    default:
      return null;
  }
}
