import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP } from "./demo/constants";

/**
 * Process configuration, read once. Demo mode supplies its own non-secret values for the Shopify
 * fields; production refuses to run without real ones (see docs/decisions/004-demo-mode-guard.md).
 */
const envSchema = z.object({
  NODE_ENV: z.string().default("development"),
  DEMO_MODE: z.enum(["0", "1"]).default("0"),
  SHOPIFY_API_KEY: z.string().optional(),
  SHOPIFY_API_SECRET: z.string().optional(),
  // Old secret accepted for webhook and proxy signatures while a rotation is under way.
  SHOPIFY_API_SECRET_PREVIOUS: z.string().optional(),
  SHOPIFY_APP_URL: z.string().optional(),
  // Unset in production: the scopes of shopify.app.toml. `shopify app dev` sets it from the linked config.
  SCOPES: z.string().optional(),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  // 32 bytes, base64: key for tokens and feed credentials at rest.
  ENCRYPTION_KEY: z.string().optional(),
});

export type AppConfig = {
  demo: boolean;
  apiKey: string;
  apiSecret: string;
  previousApiSecret: string | undefined;
  appUrl: string;
  scopes: string[];
  encryptionKey: Buffer;
};

export { DEMO_SHOP };
// A fixed key is fine for the demo's throwaway database and for tests; production must bring its own.
const DEVELOPMENT_ENCRYPTION_KEY = Buffer.alloc(32, 7);

export class ConfigError extends Error {}

/**
 * `[access_scopes] scopes` of a shopify.app.toml. Only that key is needed, so a few lines of reading
 * stand in for a TOML parser: none is a production dependency.
 */
export function scopesOfAppToml(toml: string): string {
  let table = "";
  for (const line of toml.split(/\r?\n/)) {
    const header = /^\s*\[\[?\s*([^\]\s]+)\s*\]\]?\s*(?:#.*)?$/.exec(line);
    if (header) {
      table = header[1];
      continue;
    }
    const scopes = table === "access_scopes" ? /^\s*scopes\s*=\s*(?:"([^"]*)"|'([^']*)')\s*(?:#.*)?$/.exec(line) : null;
    if (scopes) return scopes[1] ?? scopes[2];
  }
  throw new ConfigError('shopify.app.toml has no [access_scopes] scopes = "..."');
}

/**
 * The scopes of the project root's shopify.app.toml, which Shopify grants on install. The library
 * asks for the configured scopes wherever it sends a merchant through OAuth or the install page
 * itself, so the two must be one list. The root is the nearest directory with a package.json above
 * this module (app/ in development and tests, build/server/ in the production build), wherever the
 * process was started from.
 */
function appTomlScopes(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  const file = path.join(dir, "shopify.app.toml");
  if (!existsSync(file)) throw new ConfigError(`SCOPES is not set and there is no ${file} to read them from.`);
  return scopesOfAppToml(readFileSync(file, "utf8"));
}

export function readConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.parse(env);
  const production = parsed.NODE_ENV === "production";
  const scopes = (parsed.SCOPES ?? appTomlScopes())
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

  if (parsed.DEMO_MODE === "1") {
    if (production) {
      throw new ConfigError("Demo mode cannot run with NODE_ENV=production.");
    }
    if (parsed.SHOPIFY_API_SECRET || parsed.SHOPIFY_API_KEY) {
      throw new ConfigError(
        "Demo mode refuses to start while SHOPIFY_API_KEY or SHOPIFY_API_SECRET is set: it would bypass authentication for a real app.",
      );
    }
    return {
      demo: true,
      apiKey: DEMO_API_KEY,
      apiSecret: DEMO_API_SECRET,
      previousApiSecret: undefined,
      appUrl: parsed.SHOPIFY_APP_URL ?? "http://localhost:3000",
      scopes,
      encryptionKey: DEVELOPMENT_ENCRYPTION_KEY,
    };
  }

  const missing = (["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL"] as const).filter(
    (name) => !parsed[name],
  );
  if (missing.length > 0 && production) {
    throw new ConfigError(`Missing required environment: ${missing.join(", ")}`);
  }
  let encryptionKey = DEVELOPMENT_ENCRYPTION_KEY;
  if (parsed.ENCRYPTION_KEY) {
    encryptionKey = Buffer.from(parsed.ENCRYPTION_KEY, "base64");
    if (encryptionKey.length !== 32) throw new ConfigError("ENCRYPTION_KEY must be 32 bytes, base64.");
  } else if (production) {
    throw new ConfigError("Missing required environment: ENCRYPTION_KEY (32 bytes, base64).");
  }
  return {
    demo: false,
    apiKey: parsed.SHOPIFY_API_KEY ?? "",
    apiSecret: parsed.SHOPIFY_API_SECRET ?? "",
    previousApiSecret: parsed.SHOPIFY_API_SECRET_PREVIOUS,
    appUrl: parsed.SHOPIFY_APP_URL ?? "http://localhost:3000",
    scopes,
    encryptionKey,
  };
}

let current: AppConfig | undefined;
export function appConfig(): AppConfig {
  current ??= readConfig();
  return current;
}
