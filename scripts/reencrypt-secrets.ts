// `npm run reencrypt-secrets`: after ENCRYPTION_KEY was replaced (the old one in ENCRYPTION_KEY_PREVIOUS),
// rewrite every stored secret under the new key, on the database DATABASE_URL names. Then
// ENCRYPTION_KEY_PREVIOUS can be removed. See docs/decisions/021-safe-defaults-and-key-rotation.md.
import { ConfigError, readEncryptionKeys } from "../app/config.server";
import { createPrismaClient } from "../app/db.server";
import { reencryptSecrets } from "../app/secrets-rotation.server";

let keys;
try {
  keys = readEncryptionKeys(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const db = createPrismaClient();
const report = await reencryptSecrets(db, keys).finally(() => db.$disconnect());
console.log(`Re-encrypted ${report.reencrypted} secrets with key ${report.keyId}; ${report.alreadyCurrent} were already under it.`);
if (report.failures.length > 0) {
  console.error(`${report.failures.length} secrets could not be read with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS and were left as they are:`);
  for (const f of report.failures) console.error(`  ${f.table} ${f.row} ${f.column}: ${f.reason}`);
  process.exit(1);
}
