// Builds a UI extension the way Shopify CLI bundles it (the CLI's own esbuild, its options and its
// entry, which hands each target's module to `shopify.extend`) and runs the bundle against a
// stand-in for the `shopify` global, in whatever DOM the test environment provides.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { parse } from "smol-toml";

export type ExtensionToml = {
  api_version: string;
  extensions: Array<{
    type: string;
    handle: string;
    uid?: string;
    name: string;
    targeting: Array<{ target: string; module: string }>;
    capabilities?: Record<string, unknown>;
    settings?: { fields?: Array<{ key: string; type: string; name: string }> };
  }>;
};

export function readExtensionToml(extensionDir: string): ExtensionToml {
  return parse(readFileSync(path.join(extensionDir, "shopify.extension.toml"), "utf8")) as unknown as ExtensionToml;
}

/**
 * The uid Shopify CLI gives an extension from its handle, both when `shopify app generate extension`
 * writes it and when a toml has none: a SHA-1 of the handle under the URL namespace, laid out as a UUID.
 */
export function cliExtensionUid(handle: string): string {
  return createHash("sha1")
    .update(Buffer.from("6ba7b8109dad11d180b400c04fd430c8", "hex"))
    .update(handle)
    .digest("hex")
    .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5");
}

// The esbuild that @shopify/cli resolves, not the project's: the bundle is what `shopify app build` makes.
const cliRequire = createRequire(createRequire(import.meta.url).resolve("@shopify/cli/package.json"));
const esbuild = cliRequire("esbuild") as typeof import("esbuild");

export type BuiltExtension = { code: string; bytes: number; compressedBytes: number };

/** One target's bundle (APP_URL undefined: built without one), minified for production as `shopify app build` and `deploy` make it. */
export async function buildUiExtension(extensionDir: string, target: string, appUrl: string | undefined): Promise<BuiltExtension> {
  const { extensions } = readExtensionToml(extensionDir);
  const targeting = extensions.flatMap((e) => e.targeting).find((t) => t.target === target);
  if (!targeting) throw new Error(`${target} is not a target of ${extensionDir}`);
  const result = await esbuild.build({
    stdin: {
      contents: `import Target_0 from '${targeting.module}';shopify.extend('${target}', (...args) => Target_0(...args));`,
      resolveDir: extensionDir,
      loader: "tsx",
    },
    bundle: true,
    write: false,
    // The CLI defines every variable of its environment and the app's .env; APP_URL among them when set.
    define: { "process.env.NODE_ENV": JSON.stringify("production"), ...(appUrl ? { "process.env.APP_URL": JSON.stringify(appUrl) } : {}) },
    jsx: "automatic",
    loader: { ".esnext": "ts", ".js": "jsx" },
    legalComments: "none",
    minify: true,
    target: "es6",
    resolveExtensions: [".tsx", ".ts", ".js", ".json", ".esnext", ".mjs", ".ejs"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  // The CLI reports the bundle's size deflated; Shopify's limit for UI extensions is on the compressed size.
  return { code, bytes: Buffer.byteLength(code), compressedBytes: deflateSync(Buffer.from(code)).byteLength };
}

type Translations = { [key: string]: string | Translations };

/** `shopify.i18n.translate` over the extension's locale file: dotted keys, `{{name}}` placeholders, `count` plurals. */
export function translator(extensionDir: string, locale: string) {
  const file = locale === "en" ? "en.default.json" : `${locale}.json`;
  const strings = JSON.parse(readFileSync(path.join(extensionDir, "locales", file), "utf8")) as Translations;
  const plurals = new Intl.PluralRules(locale);
  return (key: string, replacements: Record<string, unknown> = {}): string => {
    let entry: string | Translations | undefined = key.split(".").reduce<string | Translations | undefined>((node, part) => (typeof node === "object" ? node[part] : undefined), strings);
    if (typeof entry === "object" && typeof replacements.count === "number") entry = entry[plurals.select(replacements.count)] ?? entry.other;
    if (typeof entry !== "string") throw new Error(`missing translation ${locale}:${key}`);
    return entry.replace(/\{\{(\w+)\}\}/g, (match, name: string) => (name in replacements ? String(replacements[name]) : match));
  };
}

export type RecordedAnswer = { status: number; body: unknown };

export type FakeShopify = {
  requests: Array<{ url: string; authorization: string | null }>;
  loginRequests: number;
  /** Changes one of the page's values as Shopify would, e.g. `authenticationState` after a login. */
  set(name: "order" | "authenticationState" | "settings", value: unknown): void;
};

/**
 * Runs the bundle: `shopify` answers as the customer account APIs do for one page (its values are
 * signals of the bundle's own @preact/signals, which it hands over through `setSignals` as in
 * Shopify's runtime), the session token is a fixed string, and `fetch` answers what the app
 * answered (recorded), the nth request `answer(n)` when that is a function.
 */
export async function runUiExtension(
  built: BuiltExtension,
  options: {
    extensionDir: string;
    locale: string;
    answer: RecordedAnswer | ((requestNumber: number) => RecordedAnswer);
    orderGid?: string;
    authenticationState?: "fully_authenticated" | "pre_authenticated";
    settings?: Record<string, unknown>;
  },
): Promise<FakeShopify> {
  const values: Record<string, unknown> = {
    order: options.orderGid ? { id: options.orderGid, name: "#1001" } : undefined,
    authenticationState: options.authenticationState ?? "fully_authenticated",
    settings: options.settings ?? {},
  };
  const dates = (date: Date, format?: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(options.locale, format).format(date);
  let extend: (() => Promise<void>) | undefined;
  const shopify: Record<string, unknown> = {
    extend(_target: string, callback: () => Promise<void>) {
      extend = callback;
    },
    setSignals(Signal: new (value: unknown) => { value: unknown }) {
      for (const [name, value] of Object.entries(values)) shopify[name] = new Signal(value);
    },
    i18n: { translate: translator(options.extensionDir, options.locale), formatDate: dates },
    sessionToken: { get: async () => "session-token-from-shopify" },
    requireLogin: async () => {
      fake.loginRequests++;
    },
    ...Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }])),
  };
  const fake: FakeShopify = {
    requests: [],
    loginRequests: 0,
    set(name, value) {
      (shopify[name] as { value: unknown }).value = value;
    },
  };
  const globals = globalThis as Record<string, unknown>;
  globals.shopify = shopify;
  globals.fetch = async (url: string, init: RequestInit = {}) => {
    fake.requests.push({ url: String(url), authorization: new Headers(init.headers).get("Authorization") });
    const answer = typeof options.answer === "function" ? options.answer(fake.requests.length) : options.answer;
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "Content-Type": "application/json" } });
  };
  // A fresh body per run: Preact keeps its tree on the element it rendered into.
  document.body.replaceWith(document.createElement("body"));
  // The bundle is a classic script, as Shopify loads it into the extension's worker, where no
  // Node `process` exists.
  new Function("process", built.code)(undefined);
  if (!extend) throw new Error("the bundle did not call shopify.extend");
  await extend();
  return fake;
}
