// The demo's stand-in for a Shopify storefront: a page hosting the real order-status block, and
// Shopify's app proxy in miniature (sign the shopper's request, forward it to <app>/proxy/*).
// Serves nothing unless the app runs in demo mode, whose secret is public by design.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { sqliteFilePath, type Db } from "../db.server";
import { DEMO_SHOP } from "../demo/constants";
import { signAppProxyQuery } from "./app-proxy-signature.server";
import { renderBlock } from "./block-renderer.server";

export const PROXY_PATH_PREFIX = "/apps/order-status";
export const EMULATOR_PATH = "/storefront";
const CUSTOMER_COOKIE = "demo_storefront_customer";
const EXTENSION_DIR = path.join(process.cwd(), "extensions", "order-status");
const ASSETS: Record<string, string> = { "order-status.js": "text/javascript", "order-status.css": "text/css" };
const LOCALES = ["en", "fr"] as const;

const escapeHtml = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function signedInCustomer(request: Request): string | null {
  const cookie = request.headers.get("cookie") ?? "";
  const value = new RegExp(`(?:^|;\\s*)${CUSTOMER_COOKIE}=(\\d+)`).exec(cookie)?.[1];
  return value ?? null;
}

type SampleOrder = { name: string; email: string; status: string; customerId: string | null };

/**
 * Where the demo seed writes the simulated customers' emails, beside the demo database: the event
 * log keeps no email (decision 018), and a newcomer needs one to type into the block.
 */
export function demoCustomersPath(databaseUrl: string | undefined): string {
  return `${sqliteFilePath(databaseUrl)}.customers.json`;
}

function demoCustomerEmails(): Map<string, string> {
  const file = demoCustomersPath(process.env.DATABASE_URL);
  if (!existsSync(file)) return new Map();
  return new Map(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, string>));
}

/** A few seeded orders per status with the email each was placed with, so a newcomer has something to type. */
async function sampleOrders(db: Db): Promise<SampleOrder[]> {
  const statuses = await db.order.findMany({ where: { shop: DEMO_SHOP, deleted: false }, distinct: ["status"], select: { orderId: true, name: true, status: true, customerId: true } });
  const emails = demoCustomerEmails();
  const samples: SampleOrder[] = [];
  for (const order of statuses) {
    const email = emails.get(order.orderId);
    if (email) samples.push({ name: order.name, email, status: order.status, customerId: order.customerId });
  }
  return samples.sort((a, b) => a.status.localeCompare(b.status));
}

export async function storefrontPage(db: Db, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const locale = LOCALES.find((l) => l === url.searchParams.get("locale")) ?? "en";
  const customerParam = url.searchParams.get("customer");
  const customerId = customerParam === null ? signedInCustomer(request) : /^\d+$/.test(customerParam) ? customerParam : null;
  const samples = await sampleOrders(db);
  const customerEmail = customerId ? (samples.find((s) => s.customerId === customerId)?.email ?? "") : null;

  const { html: block } = await renderBlock({
    extensionDir: EXTENSION_DIR,
    block: "order-status",
    locale,
    blockId: "demo",
    assetBase: `${EMULATOR_PATH}/assets`,
    globals: { customer: customerId ? { id: customerId, email: customerEmail } : null, shop: { name: "Demo store", permanent_domain: DEMO_SHOP } },
  });
  const rows = samples
    .map((s) => `<tr><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.email)}</td><td>${escapeHtml(s.status)}</td><td>${s.customerId ? `<a href="?customer=${escapeHtml(s.customerId)}&amp;locale=${locale}">sign in as ${escapeHtml(s.customerId)}</a>` : ""}</td></tr>`)
    .join("");
  const html = `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo store · storefront emulator</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${EMULATOR_PATH}/assets/order-status.css">
<style>body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a}header,main,aside{max-width:48rem;margin:0 auto;padding:1rem}header{border-bottom:1px solid #ddd}aside{font-size:.875rem;color:#444}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee}</style>
</head>
<body>
<header><strong>Demo store</strong> · storefront emulator · ${customerId ? `signed in as customer ${escapeHtml(customerId)} (<a href="?customer=&amp;locale=${locale}">sign out</a>)` : "guest"} · <a href="?locale=${locale === "en" ? "fr" : "en"}">${locale === "en" ? "français" : "English"}</a></header>
<main>
${block}
</main>
<aside aria-label="Demo orders">
<p>Requests to ${PROXY_PATH_PREFIX}/* on this page are signed and forwarded to the app's /proxy/* as Shopify's app proxy does. Orders to try:</p>
<table><thead><tr><th>Order</th><th>Email</th><th>Status</th><th>Customer</th></tr></thead><tbody>${rows}</tbody></table>
</aside>
</body>
</html>`;
  const headers = new Headers({ "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  if (customerParam !== null) {
    headers.append("Set-Cookie", `${CUSTOMER_COOKIE}=${customerId ?? ""}; Path=/; HttpOnly; SameSite=Lax${customerId ? "" : "; Max-Age=0"}`);
  }
  return new Response(html, { headers });
}

export function storefrontAsset(file: string): Response {
  const type = ASSETS[file];
  if (!type) return new Response("not found", { status: 404 });
  return new Response(readFileSync(path.join(EXTENSION_DIR, "assets", file)), { headers: { "Content-Type": `${type}; charset=utf-8`, "Cache-Control": "no-store" } });
}

/**
 * What Shopify's proxy does with /apps/order-status/<path>?<query>: add shop, the signed-in
 * customer, path_prefix and timestamp, sign, and forward to <app>/proxy/<path> with the method, the
 * body and its type as they came, and the shopper's address in X-Forwarded-For (loopback: the demo's
 * shoppers are on this machine).
 */
export async function forwardToAppProxy(request: Request, subpath: string, secret: string): Promise<Response> {
  const url = new URL(request.url);
  const params = signAppProxyQuery(url.searchParams, {
    shop: DEMO_SHOP,
    secret,
    customerId: signedInCustomer(request),
    pathPrefix: PROXY_PATH_PREFIX,
  });
  const target = new URL(`/proxy/${subpath}?${params}`, url.origin);
  const headers: Record<string, string> = {
    Accept: request.headers.get("accept") ?? "*/*",
    "X-Forwarded-For": "127.0.0.1",
    "X-Forwarded-Host": url.host,
  };
  const contentType = request.headers.get("content-type");
  if (contentType) headers["Content-Type"] = contentType;
  const answer = await fetch(target, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer(),
    redirect: "manual",
  });
  const answerHeaders = new Headers();
  for (const name of ["content-type", "cache-control", "retry-after", "allow"]) {
    const value = answer.headers.get(name);
    if (value) answerHeaders.set(name, value);
  }
  return new Response(await answer.arrayBuffer(), { status: answer.status, headers: answerHeaders });
}
