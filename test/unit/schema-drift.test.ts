// prisma/schema.prisma is the one schema source; each provider has its own committed migration
// history. This proves neither history has drifted from the schema: the migrations, replayed in
// order on an empty shadow database, must yield exactly the schema rendered for that provider.
// Editing schema.prisma without `node scripts/db.mjs migrate <name>` makes it fail.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROVIDERS, generatedSchemaPath, migrationsDir, renderSchema, runPrisma } from "../../scripts/db.mjs";
import { createPostgresDatabase, TEST_POSTGRES_URL } from "../support/database";

const migrationNames = (provider: (typeof PROVIDERS)[number]) =>
  fs
    .readdirSync(migrationsDir(provider), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

describe("migration histories", () => {
  it("have the same migration names for every provider", () => {
    const sqlite = migrationNames("sqlite");
    expect(sqlite.length).toBeGreaterThan(0);
    expect(migrationNames("postgresql")).toEqual(sqlite);
  });

  it.each(PROVIDERS)("%s history is locked to its provider and has a migration.sql per migration", (provider) => {
    const lock = fs.readFileSync(path.join(migrationsDir(provider), "migration_lock.toml"), "utf8");
    expect(lock).toMatch(new RegExp(`provider\\s*=\\s*"${provider}"`));
    for (const name of migrationNames(provider)) {
      expect(fs.existsSync(path.join(migrationsDir(provider), name, "migration.sql")), `${provider}/${name}`).toBe(true);
    }
  });

  it.each(PROVIDERS)(
    "%s migrations replayed in order equal prisma/schema.prisma",
    async (provider) => {
      renderSchema(provider);
      // SQLite replays into an in-memory shadow database; PostgreSQL into a database made here.
      const shadow = provider === "postgresql" ? await createPostgresDatabase("ot_shadow") : null;
      try {
        const result = await runPrisma(
          provider,
          ["migrate", "diff", "--from-migrations", migrationsDir(provider), "--to-schema", generatedSchemaPath(provider), "--exit-code"],
          { url: provider === "postgresql" ? TEST_POSTGRES_URL : undefined, shadowUrl: shadow?.url, capture: true },
        );
        const hint = `prisma/migrations/${provider} does not produce prisma/schema.prisma; run \`node scripts/db.mjs migrate <name>\`.\n${result.stdout}${result.stderr}`;
        // --exit-code: 0 = no difference, 2 = difference, anything else = the diff itself failed.
        expect(result.code, hint).toBe(0);
      } finally {
        await shadow?.drop();
      }
    },
    60_000,
  );
});
