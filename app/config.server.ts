import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { encryptionKeys, type EncryptionKeys } from "./crypto.server";
import { DEMO_API_KEY, DEMO_API_SECRET, DEMO_SHOP } from "./demo/constants";

/**
 * Process configuration, read once. Anything but NODE_ENV=development or test is production, so
 * `npm start` is safe as typed. Demo mode supplies its own non-secret values for the Shopify fields
 * and runs only as `npm run demo` starts it; production refuses to run without real ones
 * (docs/decisions/004-demo-mode-guard.md, 021-safe-defaults-and-key-rotation.md).
 */
const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  // Where the server listens; demo mode requires loopback.
  HOST: z.string().optional(),
  DEMO_MODE: z.enum(["0", "1"]).default("0"),
  SHOPIFY_API_KEY: z.string().optional(),
  SHOPIFY_API_SECRET: z.string().optional(),
  // Old secret accepted for webhook and proxy signatures while a rotation is under way.
  SHOPIFY_API_SECRET_PREVIOUS: z.string().optional(),
  SHOPIFY_APP_URL: z.string().optional(),
  // Unset in production: the scopes of shopify.app.toml. `shopify app dev` sets it from the linked config.
  SCOPES: z.string().optional(),
  SHOP_CUSTOM_DOMAIN: z.string().optional(),
  // 32 random bytes, base64: key for tokens and feed credentials at rest.
  ENCRYPTION_KEY: z.string().optional(),
  // The key ENCRYPTION_KEY replaced: still read until `npm run reencrypt-secrets` has run.
  ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
});

export type AppConfig = {
  demo: boolean;
  apiKey: string;
  apiSecret: string;
  previousApiSecret: string | undefined;
  appUrl: string;
  scopes: string[];
  /** The current key, which also decrypts what ENCRYPTION_KEY_PREVIOUS wrote. */
  encryptionKey: EncryptionKeys;
};

export { DEMO_SHOP };

export class ConfigError extends Error {
  name = "ConfigError";
}

const GENERATE_KEY = "generate one with `openssl rand -base64 32`";

/** 32 bytes as canonical base64 (44 characters): anything else is a typo or another encoding. */
function decodeKey(name: string, value: string): Buffer {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value.trim())) throw new ConfigError(`${name} must be 32 random bytes, base64 (${GENERATE_KEY}).`);
  return Buffer.from(value.trim(), "base64");
}

/**
 * Why a key was clearly not drawn at random, or null. Text (a password in base64) is all printable
 * bytes, and a pattern repeats bytes; 32 random bytes are all printable with odds near 1e-14 and have
 * fewer than 16 distinct values with odds far below 1e-10.
 */
export function weakKeyReason(key: Buffer): string | null {
  if (key.every((byte) => byte >= 0x20 && byte <= 0x7e)) return "it is text, not random bytes";
  if (new Set(key).size < 16) return "it repeats too few distinct bytes to be random";
  return null;
}

/**
 * ENCRYPTION_KEY, carrying ENCRYPTION_KEY_PREVIOUS when set. The previous key is only ever read, and
 * may be weak: moving secrets off a poor key is what a rotation is for.
 */
export function readEncryptionKeys(env: Record<string, string | undefined> = process.env): EncryptionKeys {
  if (!env.ENCRYPTION_KEY) throw new ConfigError(`Missing required environment: ENCRYPTION_KEY (${GENERATE_KEY}).`);
  const current = decodeKey("ENCRYPTION_KEY", env.ENCRYPTION_KEY);
  const weakness = weakKeyReason(current);
  if (weakness) throw new ConfigError(`ENCRYPTION_KEY is refused: ${weakness} (${GENERATE_KEY}).`);
  const previous = env.ENCRYPTION_KEY_PREVIOUS ? [decodeKey("ENCRYPTION_KEY_PREVIOUS", env.ENCRYPTION_KEY_PREVIOUS)] : [];
  return encryptionKeys(current, previous);
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

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
  const production = parsed.NODE_ENV !== "development" && parsed.NODE_ENV !== "test";
  const scopes = (parsed.SCOPES ?? appTomlScopes())
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

  if (parsed.DEMO_MODE === "1") {
    if (parsed.NODE_ENV !== "development") {
      throw new ConfigError("DEMO_MODE=1 serves the admin without login: it runs only through `npm run demo`, never under `npm start`.");
    }
    if (parsed.SHOPIFY_API_SECRET || parsed.SHOPIFY_API_KEY) {
      throw new ConfigError(
        "Demo mode refuses to start while SHOPIFY_API_KEY or SHOPIFY_API_SECRET is set: it would bypass authentication for a real app.",
      );
    }
    if (!parsed.HOST || !LOOPBACK_HOSTS.has(parsed.HOST)) {
      throw new ConfigError("Demo mode serves the admin without login, so it listens on loopback only (HOST=127.0.0.1, as `npm run demo` sets).");
    }
    return {
      demo: true,
      apiKey: DEMO_API_KEY,
      apiSecret: DEMO_API_SECRET,
      previousApiSecret: undefined,
      appUrl: parsed.SHOPIFY_APP_URL ?? "http://localhost:3000",
      scopes,
      encryptionKey: readEncryptionKeys(parsed),
    };
  }

  // ENCRYPTION_KEY is checked (for strength too) just below; naming it here lists everything missing at once.
  const missing = (["SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL", "ENCRYPTION_KEY"] as const).filter(
    (name) => !parsed[name],
  );
  if (missing.length > 0 && production) {
    throw new ConfigError(`Missing required environment: ${missing.join(", ")} (the server runs as production unless NODE_ENV=development).`);
  }
  const encryptionKey = readEncryptionKeys(parsed);
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
