// Finds the Admin GraphQL documents embedded in app code and checks them against
// Shopify's published schema, so a renamed or removed field fails in CI instead of
// at runtime against a live shop.
//
// A document is any template literal whose text starts with a `#graphql` comment, the
// convention Shopify's templates and editor tooling use. The TypeScript parser finds
// them rather than a regex so that backticks in strings, comments and nested templates
// cannot confuse the scan.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  buildClientSchema,
  GraphQLError,
  Kind,
  NoUnusedFragmentsRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import ts from "typescript";

export interface GraphqlDocument {
  /** Path as given to the extractor (relative to the scan root when found by findGraphqlDocuments). */
  file: string;
  /** 1-based line of the opening backtick. */
  line: number;
  /**
   * The document text. Interpolated `#graphql` constants from the same file (the usual
   * way fragments are shared) are appended once each, after the document's own text, so
   * line numbers inside the document's own part still match the file.
   */
  source: string;
  /** How many lines of `source` are the document's own text (the rest is appended fragments). */
  ownLines: number;
  /** Interpolations that could not be resolved; such a document cannot be validated. */
  problems: string[];
}

const MARKER = /^\s*#graphql\b/;

type Template = ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression;

function templateHead(node: Template): string {
  return ts.isNoSubstitutionTemplateLiteral(node) ? node.text : node.head.text;
}

function isGraphqlTemplate(node: ts.Node): node is Template {
  return (ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) && MARKER.test(templateHead(node));
}

/** Extracts every `#graphql` document from one TypeScript/TSX source text. */
export function extractGraphqlDocuments(file: string, text: string): GraphqlDocument[] {
  const kind = file.endsWith(".tsx") || file.endsWith(".jsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);

  const templates: Template[] = [];
  // Fragments are commonly kept in a `const FRAGMENT = \`#graphql ...\`` and interpolated.
  const constants = new Map<string, Template>();
  const visit = (node: ts.Node): void => {
    if (isGraphqlTemplate(node)) {
      templates.push(node);
      const parent = node.parent;
      if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.initializer === node) {
        constants.set(parent.name.text, node);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);

  // A constant that is only ever interpolated elsewhere is still a document on its own
  // (validated as a fragment-only document), so every template is reported.
  return templates.map((node) => {
    const problems: string[] = [];
    const dependencies = new Map<string, string>();
    const own = flatten(node, constants, dependencies, problems, new Set());
    const source = [own, ...dependencies.values()].join("\n");
    const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
    return { file, line: line + 1, source, ownLines: own.split("\n").length, problems };
  });
}

function flatten(
  node: Template,
  constants: Map<string, Template>,
  dependencies: Map<string, string>,
  problems: string[],
  visiting: Set<Template>,
): string {
  if (ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  visiting.add(node);
  let text = node.head.text;
  for (const span of node.templateSpans) {
    const expression = span.expression;
    const name = ts.isIdentifier(expression) ? expression.text : undefined;
    const target = name === undefined ? undefined : constants.get(name);
    if (name === undefined || target === undefined) {
      problems.push(`interpolation \${${expression.getText()}} is not a #graphql constant declared in this file`);
    } else if (visiting.has(target)) {
      problems.push(`interpolation \${${name}} is circular`);
    } else if (!dependencies.has(name)) {
      // Reserve the slot first so diamonds (two fragments sharing a third) add it once.
      dependencies.set(name, "");
      dependencies.set(name, flatten(target, constants, dependencies, problems, visiting));
    }
    // Dropping the interpolation keeps the document's own line numbers aligned with the file.
    text += span.literal.text;
  }
  visiting.delete(node);
  return text;
}

export interface FindOptions {
  /** File name suffixes to scan. */
  extensions?: string[];
  /** Return false to skip a file or directory (path relative to the root, with forward slashes). */
  include?: (relativePath: string) => boolean;
}

/** Walks `root` and extracts the documents of every matching file, in a stable order. */
export function findGraphqlDocuments(root: string, options: FindOptions = {}): GraphqlDocument[] {
  const extensions = options.extensions ?? [".ts", ".tsx"];
  const include = options.include ?? (() => true);
  const documents: GraphqlDocument[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      // A missing app/ is a valid state early in the project: zero documents, not a crash.
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full).split(path.sep).join("/");
      if (entry.name === "node_modules" || entry.name.startsWith(".") || !include(relative)) continue;
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts")) {
        const text = readFileSync(full, "utf8");
        // Cheap pre-check: parsing every file with TypeScript is the slow part.
        if (text.includes("#graphql")) documents.push(...extractGraphqlDocuments(relative, text));
      }
    }
  };
  walk(root);
  return documents;
}

/** Loads a gzipped introspection result (as stored in graphql/) into a schema. */
export function loadIntrospectionSchema(gzFile: string): GraphQLSchema {
  const json = JSON.parse(gunzipSync(readFileSync(gzFile)).toString("utf8")) as
    | { data: IntrospectionQuery }
    | IntrospectionQuery;
  const introspection = "data" in json ? json.data : json;
  // The file comes from Shopify, not from us; skipping assumeValid keeps a corrupted
  // download from producing a schema that silently accepts anything.
  return buildClientSchema(introspection);
}

export interface DocumentReport {
  /** Operation names, or "(anonymous query)" etc.; fragment names for fragment-only documents. */
  operations: string[];
  errors: string[];
}

const FRAGMENT_ONLY_RULES = specifiedRules.filter((rule) => rule !== NoUnusedFragmentsRule);

export interface LineMapping {
  /** Added to error lines so they point into the source file (`document.line - 1`). */
  lineOffset: number;
  /** Lines after this many belong to appended fragments and have no file line. */
  ownLines: number;
}

/** Parses and validates one extracted document; error lines point into its file. */
export function validateGraphqlDocument(schema: GraphQLSchema, document: GraphqlDocument): DocumentReport {
  if (document.problems.length > 0) return { operations: [], errors: [...document.problems] };
  return validateGraphqlSource(schema, document.source, { lineOffset: document.line - 1, ownLines: document.ownLines });
}

/** Parses and validates a document string (error lines are relative to it unless mapped). */
export function validateGraphqlSource(
  schema: GraphQLSchema,
  source: string,
  mapping: LineMapping = { lineOffset: 0, ownLines: Number.POSITIVE_INFINITY },
): DocumentReport {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (error) {
    return { operations: [], errors: [formatError(error, mapping)] };
  }
  const operations: string[] = [];
  const fragments: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations.push(definition.name?.value ?? `(anonymous ${definition.operation})`);
    } else if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.push(`fragment ${definition.name.value}`);
    }
  }
  // A shared fragment constant has no operation using it within itself; still type-check it.
  const rules = operations.length === 0 ? FRAGMENT_ONLY_RULES : specifiedRules;
  const errors = validate(schema, document, rules).map((error) => formatError(error, mapping));
  return { operations: operations.length > 0 ? operations : fragments, errors };
}

function formatError(error: unknown, { lineOffset, ownLines }: LineMapping): string {
  if (error instanceof GraphQLError) {
    const where = (error.locations ?? [])
      .map((l) => (l.line <= ownLines ? `line ${l.line + lineOffset}:${l.column}` : "in an interpolated fragment"))
      .join(", ");
    return where ? `${error.message} (${where})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
