import { randomBytes } from "node:crypto";
import { sha256Hex } from "../crypto.server";
import type { Db } from "../db.server";

const KEY_PATTERN = /^otk_([a-z0-9]{12})_([A-Za-z0-9_-]{32,})$/;

export type CreatedApiKey = { id: string; secret: string; label: string };

/** The secret is returned once; only its hash is stored. */
export async function createApiKey(db: Db, shop: string, label: string): Promise<CreatedApiKey> {
  const id = randomBytes(9).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 12);
  const secret = `otk_${id}_${randomBytes(24).toString("base64url")}`;
  await db.apiKey.create({ data: { id, shop, label: label.trim() || "Unnamed key", secretHash: sha256Hex(secret) } });
  return { id, secret, label };
}

export async function revokeApiKey(db: Db, shop: string, id: string, at: Date): Promise<boolean> {
  const result = await db.apiKey.updateMany({ where: { shop, id, revokedAt: null }, data: { revokedAt: at } });
  return result.count > 0;
}

export async function listApiKeys(db: Db, shop: string) {
  return db.apiKey.findMany({
    where: { shop },
    orderBy: { createdAt: "desc" },
    select: { id: true, label: true, createdAt: true, revokedAt: true, lastUsedAt: true },
  });
}

/** Resolves `Authorization: Bearer <key>` to its shop, or null for a missing, unknown or revoked key. */
export async function shopForBearer(db: Db, authorization: string | null): Promise<string | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match || !KEY_PATTERN.test(match[1])) return null;
  // Looking up by the hash keeps the comparison out of string-equality timing.
  const key = await db.apiKey.findUnique({ where: { secretHash: sha256Hex(match[1]) } });
  if (!key || key.revokedAt) return null;
  return key.shop;
}
