// `npm run apikey -- create --shop <domain> [--label <text>]` | `list --shop <domain>` | `revoke --shop <domain> --id <id>`
import { parseArgs } from "node:util";
import { createPrismaClient } from "../app/db.server";
import { createApiKey, listApiKeys, revokeApiKey } from "../app/store/api-keys.server";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { shop: { type: "string" }, label: { type: "string" }, id: { type: "string" } },
});
const command = positionals[0];
const shop = values.shop?.trim().toLowerCase();
if (!command || !shop || !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) {
  console.error("usage: npm run apikey -- create|list|revoke --shop <name>.myshopify.com [--label <text>] [--id <key id>]");
  process.exit(2);
}

const db = createPrismaClient();
try {
  if (command === "create") {
    const key = await createApiKey(db, shop, values.label ?? "Command line");
    console.log(key.secret);
    console.error(`Created key ${key.id} for ${shop}. It is shown once; store it now.`);
  } else if (command === "list") {
    for (const k of await listApiKeys(db, shop)) {
      console.log(`${k.id}\t${k.revokedAt ? "revoked" : "active"}\t${k.createdAt.toISOString()}\t${k.label}`);
    }
  } else if (command === "revoke") {
    if (!values.id) throw new Error("--id is required");
    const done = await revokeApiKey(db, shop, values.id, new Date());
    console.log(done ? `Revoked ${values.id}.` : `No active key ${values.id} for ${shop}.`);
    if (!done) process.exitCode = 1;
  } else {
    throw new Error(`unknown command ${command}`);
  }
} finally {
  await db.$disconnect();
}
