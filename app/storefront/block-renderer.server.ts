// Renders a theme app extension block with liquidjs, close enough to Shopify's storefront
// renderer for the block's tests and the demo's storefront emulator: Shopify-only tags are
// swallowed, Shopify filters used by our blocks are stubbed, `t` reads the extension's real
// locale files, and settings start from the block's own {% schema %} defaults, so what renders
// is what a merchant sees on install.
//
// Unknown filters throw (strictFilters), so a block that starts using another Shopify
// filter fails loudly here until a stub is added below.
//
// liquidjs is a development dependency: it is loaded on first render, so a production server
// (which never renders blocks itself) starts without it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Liquid, TagToken, TopLevelToken } from "liquidjs";

export interface BlockSchemaSetting {
  type: string;
  id?: string;
  label?: string;
  default?: unknown;
  [key: string]: unknown;
}

export interface BlockSchema {
  name: string;
  target?: string;
  settings?: BlockSchemaSetting[];
  [key: string]: unknown;
}

export interface RenderBlockOptions {
  /** The extension folder, e.g. `<root>/extensions/order-status`. */
  extensionDir: string;
  /** Block file name without `.liquid`, e.g. `order-status`. */
  block: string;
  /** Storefront locale, e.g. `en` or `fr`; defaults to the `*.default.json` locale. */
  locale?: string;
  /** Merged over the schema defaults. */
  settings?: Record<string, unknown>;
  blockId?: string;
  /** Simulates the theme editor, where Shopify fills `block.shopify_attributes`. */
  designMode?: boolean;
  /** Where `asset_url` points; defaults to ASSET_CDN/<extension>/assets. */
  assetBase?: string;
  /** Extra or overriding Liquid globals (`customer`, `shop`, `request`, ...). */
  globals?: Record<string, unknown>;
}

export interface RenderedBlock {
  html: string;
  schema: BlockSchema;
  settings: Record<string, unknown>;
}

type Translations = Record<string, unknown>;

/** The CDN prefix the `asset_url` stub produces; assert against it instead of hard-coding. */
export const ASSET_CDN = "https://cdn.shopify.test/extensions";

const SCHEMA_PATTERN = /{%-?\s*schema\s*-?%}([\s\S]*?){%-?\s*endschema\s*-?%}/;

/** Reads and parses a block's {% schema %} JSON. */
export function readBlockSchema(blockFile: string): BlockSchema {
  const match = SCHEMA_PATTERN.exec(readFileSync(blockFile, "utf8"));
  if (!match?.[1]) throw new Error(`${blockFile} has no {% schema %} tag`);
  return JSON.parse(match[1]) as BlockSchema;
}

/** Storefront locale files (not *.schema.json) of an extension, keyed by locale code. */
export function localeFiles(extensionDir: string): { defaultLocale: string; files: Map<string, string> } {
  const dir = path.join(extensionDir, "locales");
  const files = new Map<string, string>();
  let defaultLocale: string | undefined;
  for (const name of readdirSync(dir).sort()) {
    const match = /^([A-Za-z-]+?)(\.default)?\.json$/.exec(name);
    if (!match?.[1] || name.endsWith(".schema.json")) continue;
    files.set(match[1], path.join(dir, name));
    if (match[2]) defaultLocale = match[1];
  }
  if (!defaultLocale) throw new Error(`${dir} has no <locale>.default.json`);
  return { defaultLocale, files };
}

export function loadTranslations(extensionDir: string, locale: string): Translations {
  const file = localeFiles(extensionDir).files.get(locale);
  if (!file) throw new Error(`${extensionDir}/locales has no ${locale} storefront locale`);
  return JSON.parse(readFileSync(file, "utf8")) as Translations;
}

function lookup(translations: Translations, key: string): unknown {
  let node: unknown = translations;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * Shopify's `t`: falls back to the default locale, interpolates `{{ name }}`, picks a
 * plural form from `count`. A key missing from both locales throws instead of printing
 * Shopify's "translation missing" text, so a typo fails the test that rendered it.
 */
export function createTranslator(
  extensionDir: string,
  locale?: string,
): (key: string, params?: Record<string, unknown>) => string {
  const { defaultLocale } = localeFiles(extensionDir);
  const chain = [loadTranslations(extensionDir, locale ?? defaultLocale)];
  if (locale && locale !== defaultLocale) chain.push(loadTranslations(extensionDir, defaultLocale));
  return (key, params = {}) => {
    let value = chain.map((translations) => lookup(translations, key)).find((v) => v !== undefined);
    if (value !== null && typeof value === "object" && "count" in params) {
      const forms = value as Record<string, unknown>;
      const count = Number(params.count);
      value = (count === 0 && forms.zero) || (count === 1 ? forms.one : forms.other) || forms.other;
    }
    if (typeof value !== "string") throw new Error(`translation missing: ${locale ?? defaultLocale}.${key}`);
    return value.replace(/{{\s*(\w+)\s*}}/g, (match, name: string) => (name in params ? String(params[name]) : match));
  };
}

type LiquidModule = typeof import("liquidjs");
let liquidModule: Promise<LiquidModule> | undefined;

// Shopify's editor-only tags: their bodies are metadata, never output.
function swallowingTag({ Tag, TypeGuards }: LiquidModule, name: string) {
  return class extends Tag {
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      while (remain.length > 0) {
        const next = remain.shift();
        if (next && TypeGuards.isTagToken(next) && next.name === `end${name}`) return;
      }
      throw new Error(`{% ${name} %} is not closed`);
    }
    render(): void {}
  };
}

// Shopify's json filter escapes HTML-significant characters so it is safe inside <script>.
function shopifyJson(value: unknown): string {
  return (JSON.stringify(value ?? null) ?? "null")
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export async function createEngine(translate: ReturnType<typeof createTranslator>, assetBase: string): Promise<Liquid> {
  liquidModule ??= import("liquidjs");
  const liquidjs = await liquidModule;
  const engine = new liquidjs.Liquid({
    strictFilters: true,
    // Shopify renders undefined objects (e.g. `customer` for a guest) as nil.
    strictVariables: false,
    ownPropertyOnly: true,
  });
  engine.registerTag("schema", swallowingTag(liquidjs, "schema"));
  engine.registerTag("doc", swallowingTag(liquidjs, "doc"));

  engine.registerFilter("t", (key: unknown, ...args: unknown[]) => {
    const params: Record<string, unknown> = {};
    for (const arg of args) {
      // liquidjs passes keyword arguments (`t: name: value`) as [name, value] pairs.
      if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === "string") params[arg[0]] = arg[1];
    }
    return translate(String(key), params);
  });
  engine.registerFilter("json", shopifyJson);
  engine.registerFilter("asset_url", (file: unknown) => `${assetBase}/${String(file)}`);
  engine.registerFilter(
    "stylesheet_tag",
    (url: unknown) => `<link href="${escapeAttribute(String(url))}" rel="stylesheet" type="text/css" media="all" />`,
  );
  engine.registerFilter("script_tag", (url: unknown) => `<script src="${escapeAttribute(String(url))}" type="text/javascript"></script>`);
  return engine;
}

/** Renders `blocks/<block>.liquid` of an extension and returns the HTML with its schema. */
export async function renderBlock(options: RenderBlockOptions): Promise<RenderedBlock> {
  const { extensionDir, block, locale, blockId = "AbCdEf123" } = options;
  const blockFile = path.join(extensionDir, "blocks", `${block}.liquid`);
  const schema = readBlockSchema(blockFile);
  const { defaultLocale } = localeFiles(extensionDir);
  const isoCode = locale ?? defaultLocale;

  const settings: Record<string, unknown> = {};
  for (const setting of schema.settings ?? []) {
    if (setting.id) settings[setting.id] = setting.default;
  }
  for (const [id, value] of Object.entries(options.settings ?? {})) {
    if (!(id in settings)) throw new Error(`${block} has no setting "${id}"`);
    settings[id] = value;
  }

  const assetBase = options.assetBase ?? `${ASSET_CDN}/${path.basename(extensionDir)}/assets`;
  const engine = await createEngine(createTranslator(extensionDir, locale), assetBase);
  const globals: Record<string, unknown> = {
    block: {
      id: blockId,
      type: `shopify://apps/test-app/blocks/${block}/0000`,
      settings,
      shopify_attributes: options.designMode
        ? `data-shopify-editor-block="${escapeAttribute(JSON.stringify({ id: blockId, type: block }))}"`
        : "",
    },
    request: { locale: { iso_code: isoCode, primary: isoCode === defaultLocale }, design_mode: !!options.designMode },
    routes: { root_url: isoCode === defaultLocale ? "/" : `/${isoCode}` },
    shop: { name: "Test shop", permanent_domain: "test-shop.myshopify.com" },
    ...options.globals,
  };
  const html = await engine.parseAndRender(readFileSync(blockFile, "utf8"), globals);
  return { html, schema, settings };
}
