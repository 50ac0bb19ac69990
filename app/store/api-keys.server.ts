import { randomBytes } from "node:crypto";
import { sha256Hex } from "../crypto.server";
import type { Db } from "../db.server";
import { formatScopes, storedScopes, type ApiScope } from "../domain/api-scopes";

const KEY_PATTERN = /^otk_([a-z0-9]{12})_([A-Za-z0-9_-]{32,})$/;

/**
 * lastUsedAt is shown to the merchant as "when was this key last used", which a minute's precision
 * answers. Writing it on every request would add a write to every bot lookup (on SQLite, one more
 * writer in the queue); the stored value read for authentication says whether it is due.
 */
export const LAST_USED_PRECISION_MS = 60_000;

export type CreatedApiKey = { id: string; secret: string; label: string; scopes: ApiScope[] };

/** The secret is returned once; only its hash is stored. */
export async function createApiKey(db: Db, shop: string, label: string, scopes: readonly ApiScope[]): Promise<CreatedApiKey> {
  if (scopes.length === 0) throw new RangeError("an API key needs at least one scope");
  const id = randomBytes(9).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 12);
  const secret = `otk_${id}_${randomBytes(24).toString("base64url")}`;
  const stored = formatScopes(scopes);
  await db.apiKey.create({ data: { id, shop, label: label.trim() || "Unnamed key", secretHash: sha256Hex(secret), scopes: stored } });
  return { id, secret, label, scopes: storedScopes(stored) };
}

export async function revokeApiKey(db: Db, shop: string, id: string, at: Date): Promise<boolean> {
  const result = await db.apiKey.updateMany({ where: { shop, id, revokedAt: null }, data: { revokedAt: at } });
  return result.count > 0;
}

export async function listApiKeys(db: Db, shop: string) {
  const keys = await db.apiKey.findMany({
    where: { shop },
    orderBy: { createdAt: "desc" },
    select: { id: true, label: true, scopes: true, createdAt: true, revokedAt: true, lastUsedAt: true },
  });
  return keys.map((k) => ({ ...k, scopes: storedScopes(k.scopes) }));
}

export type AuthenticatedKey = { id: string; shop: string; label: string; scopes: ApiScope[] };

/**
 * Resolves `Authorization: Bearer <key>` to its key, or null for a missing, unknown or revoked one,
 * and notes that the key was used.
 */
export async function authenticateBearer(db: Db, authorization: string | null, now: Date): Promise<AuthenticatedKey | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match || !KEY_PATTERN.test(match[1])) return null;
  // Looking up by the hash keeps the comparison out of string-equality timing.
  const key = await db.apiKey.findUnique({
    where: { secretHash: sha256Hex(match[1]) },
    select: { id: true, shop: true, label: true, scopes: true, revokedAt: true, lastUsedAt: true },
  });
  if (!key || key.revokedAt) return null;
  const due = new Date(now.getTime() - LAST_USED_PRECISION_MS);
  if (!key.lastUsedAt || key.lastUsedAt < due) {
    // Conditional, so processes that read the same stale value write it once between them.
    await db.apiKey.updateMany({
      where: { id: key.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: due } }] },
      data: { lastUsedAt: now },
    });
  }
  return { id: key.id, shop: key.shop, label: key.label, scopes: storedScopes(key.scopes) };
}
