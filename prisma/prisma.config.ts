// Prisma 7 reads the datasource URL from a config file, not from the schema. One schema source
// (prisma/schema.prisma) serves two databases, so this config is parameterised by scripts/db.mjs,
// which renders the per-provider schema and sets these variables. Run Prisma through
// `node scripts/db.mjs prisma ...` (npm run prisma -- ...) rather than directly.
import { defineConfig } from "prisma/config";

const provider = process.env.PRISMA_DB_PROVIDER === "postgresql" ? "postgresql" : "sqlite";

export default defineConfig({
  schema: `generated/${provider}/schema.prisma`,
  migrations: { path: `migrations/${provider}` },
  datasource: {
    url: process.env.DATABASE_URL,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL || undefined,
  },
});
