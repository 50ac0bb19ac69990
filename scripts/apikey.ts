// `npm run apikey -- create --shop <domain> --scope <scope> [--scope <scope>] [--label <text>]`
// | `list --shop <domain>` | `revoke --shop <domain> --id <id>`
// Scopes: orders:read (support API, WISMO, MCP), feeds:write (3PL and carrier feeds); --scope is
// repeatable and takes comma-separated lists.
import { parseArgs } from "node:util";
import { createPrismaClient } from "../app/db.server";
import { API_SCOPES, InvalidScopeError, parseScopes } from "../app/domain/api-scopes";
import { createApiKey, listApiKeys, revokeApiKey } from "../app/store/api-keys.server";

const USAGE = `usage: npm run apikey -- create --shop <name>.myshopify.com --scope <${API_SCOPES.join("|")}> [--scope ...] [--label <text>]
       npm run apikey -- list --shop <name>.myshopify.com
       npm run apikey -- revoke --shop <name>.myshopify.com --id <key id>`;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(USAGE);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { shop: { type: "string" }, label: { type: "string" }, id: { type: "string" }, scope: { type: "string", multiple: true } },
});
const command = positionals[0];
const shop = values.shop?.trim().toLowerCase();
if (!command || !shop || !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) usage();

let scopes: ReturnType<typeof parseScopes> = [];
if (command === "create") {
  try {
    scopes = parseScopes(values.scope ?? []);
  } catch (error) {
    if (error instanceof InvalidScopeError) usage(`--scope: ${error.message}`);
    throw error;
  }
}

const db = createPrismaClient();
const iso = (d: Date | null) => d?.toISOString() ?? "never";
try {
  if (command === "create") {
    const key = await createApiKey(db, shop, values.label ?? "Command line", scopes);
    console.log(key.secret);
    console.error(`Created key ${key.id} for ${shop} with scopes ${key.scopes.join(", ")}. It is shown once; store it now.`);
  } else if (command === "list") {
    console.log(["id", "status", "scopes", "created", "last used", "label"].join("\t"));
    for (const k of await listApiKeys(db, shop)) {
      console.log([k.id, k.revokedAt ? "revoked" : "active", k.scopes.join(","), iso(k.createdAt), iso(k.lastUsedAt), k.label].join("\t"));
    }
  } else if (command === "revoke") {
    if (!values.id) throw new Error("--id is required");
    const done = await revokeApiKey(db, shop, values.id, new Date());
    console.log(done ? `Revoked ${values.id}.` : `No active key ${values.id} for ${shop}.`);
    if (!done) process.exitCode = 1;
  } else {
    throw new Error(`unknown command ${command}`);
  }
} catch (error) {
  // P2021: the table does not exist, so DATABASE_URL names a database nobody has set up.
  if (error && typeof error === "object" && "code" in error && error.code === "P2021") {
    console.error(`The database in DATABASE_URL has no tables: run \`npm run setup\` for it first (the demo's is DATABASE_URL=file:./prisma/demo.sqlite).`);
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  await db.$disconnect();
}
