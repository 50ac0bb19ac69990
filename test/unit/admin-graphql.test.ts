// Validates every `#graphql` document in app/ against Shopify's Admin API schema for the
// version the app requests, so a wrong or removed field fails here and not in a shop.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { GraphQLSchema } from "graphql";
import {
  extractGraphqlDocuments,
  findGraphqlDocuments,
  loadIntrospectionSchema,
  validateGraphqlDocument,
  validateGraphqlSource,
} from "../support/graphql-documents";

const API_VERSION = "2026-07";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const schemaFile = path.join(root, "graphql", `admin-${API_VERSION}.schema.json.gz`);

let schema: GraphQLSchema;
beforeAll(() => {
  schema = loadIntrospectionSchema(schemaFile);
});

describe(`Admin API ${API_VERSION} schema`, () => {
  it("is the Admin API (has QueryRoot.shop and Mutation)", () => {
    expect(schema.getQueryType()?.name).toBe("QueryRoot");
    expect(schema.getQueryType()?.getFields().shop).toBeDefined();
    expect(schema.getMutationType()).toBeDefined();
  });

  // Self-tests: without them a validator that accepts everything would look like a pass.
  it("rejects a field that does not exist", () => {
    const report = validateGraphqlSource(schema, "query { shop { notAField } }");
    expect(report.errors.join("\n")).toMatch(/Cannot query field "notAField" on type "Shop"/);
  });

  it("rejects a syntax error", () => {
    expect(validateGraphqlSource(schema, "query { shop { name }").errors).toHaveLength(1);
  });

  it("accepts a correct query", () => {
    expect(validateGraphqlSource(schema, "query { shop { name } }")).toEqual({
      operations: ["(anonymous query)"],
      errors: [],
    });
  });
});

describe("#graphql extractor", () => {
  const fixture = [
    'const note = "`#graphql not a template`";', // line 1
    "const FRAGMENT = `#graphql", // 2
    "  fragment OrderBits on Order { id name }", // 3
    "`;", // 4
    "export async function loader({ admin }: any) {", // 5
    "  const untagged = `query { ignored }`;", // 6
    "  await admin.graphql(`#graphql", // 7
    "    query GetShop { shop { name } }", // 8
    "  `);", // 9
    "  await admin.graphql(", // 10
    "    `#graphql", // 11
    "    query GetOrder($id: ID!) {", // 12
    "      order(id: $id) { ...OrderBits notAField }", // 13
    "    }", // 14
    "    ${FRAGMENT}", // 15
    "  `, { variables: { id: 'gid://shopify/Order/1' } });", // 16
    "  await admin.graphql(`#graphql query Bad { shop { name } } ${elsewhere}`);", // 17
    "  return untagged + note;", // 18
    "}", // 19
  ].join("\n");

  it("finds every tagged template, only those, with their start lines", () => {
    const documents = extractGraphqlDocuments("app/routes/fixture.tsx", fixture);
    expect(documents.map((d) => d.line)).toEqual([2, 7, 11, 17]);
    expect(documents[1]?.source).toContain("query GetShop");
    // The fragment is appended so the operation validates standalone.
    expect(documents[2]?.source).toContain("fragment OrderBits on Order");
  });

  it("validates each document and maps errors to file lines", () => {
    const reports = extractGraphqlDocuments("app/routes/fixture.tsx", fixture).map((d) =>
      validateGraphqlDocument(schema, d),
    );
    expect(reports[0]).toEqual({ operations: ["fragment OrderBits"], errors: [] });
    expect(reports[1]).toEqual({ operations: ["GetShop"], errors: [] });
    expect(reports[2]?.operations).toEqual(["GetOrder"]);
    expect(reports[2]?.errors).toEqual([expect.stringMatching(/"notAField" on type "Order".*line 13:/)]);
    // An interpolation that cannot be resolved must fail loudly, not be skipped.
    expect(reports[3]?.errors).toEqual([expect.stringContaining("${elsewhere}")]);
  });
});

describe("app/ documents", () => {
  const documents = findGraphqlDocuments(path.join(root, "app"));

  it(`validates all ${documents.length} #graphql document(s) in app/`, () => {
    const failures: string[] = [];
    for (const document of documents) {
      const report = validateGraphqlDocument(schema, document);
      if (report.errors.length > 0) {
        const name = report.operations.join(", ") || "(unparsed document)";
        failures.push(`app/${document.file}:${document.line} ${name}\n  ${report.errors.join("\n  ")}`);
      }
    }
    console.info(`admin-graphql: checked ${documents.length} document(s) against Admin API ${API_VERSION}`);
    expect(failures, `invalid Admin GraphQL documents:\n${failures.join("\n")}`).toEqual([]);
  });
});
