/**
 * Re-encryption of every stored secret with the current ENCRYPTION_KEY, the last step of a key
 * rotation (docs/decisions/021-safe-defaults-and-key-rotation.md). These are all the columns that
 * encryptSecret writes; a new one must be added here or a rotation leaves it on the old key.
 */
import { decryptSecret, encryptSecret, encryptedUnderOtherKey, keyId, type EncryptionKeys } from "./crypto.server";
import type { Db } from "./db.server";

export type ReencryptFailure = { table: string; row: string; column: string; reason: string };
export type ReencryptReport = { keyId: string; reencrypted: number; alreadyCurrent: number; failures: ReencryptFailure[] };

const PAGE = 500;

type SecretTable<Column extends string> = {
  name: string;
  columns: readonly Column[];
  /** Rows after `after` in key order, as { row key, column values }. */
  page(after: string | undefined): Promise<{ row: string; values: Record<Column, string | null> }[]>;
  /** Writes `to` only while the column still holds `from`; 0 when the app rewrote it meanwhile. */
  replace(row: string, column: Column, from: string, to: string): Promise<number>;
};

function sessionTable(db: Db): SecretTable<"accessToken" | "refreshToken"> {
  return {
    name: "Session",
    columns: ["accessToken", "refreshToken"],
    async page(after) {
      const rows = await db.session.findMany({
        select: { id: true, accessToken: true, refreshToken: true },
        orderBy: { id: "asc" },
        take: PAGE,
        ...(after === undefined ? {} : { where: { id: { gt: after } } }),
      });
      return rows.map((r) => ({ row: r.id, values: { accessToken: r.accessToken, refreshToken: r.refreshToken } }));
    },
    async replace(id, column, from, to) {
      const result =
        column === "accessToken"
          ? await db.session.updateMany({ where: { id, accessToken: from }, data: { accessToken: to } })
          : await db.session.updateMany({ where: { id, refreshToken: from }, data: { refreshToken: to } });
      return result.count;
    },
  };
}

function threePlFeedTable(db: Db): SecretTable<"sftpPassword" | "sftpPrivateKey"> {
  return {
    name: "ThreePlFeed",
    columns: ["sftpPassword", "sftpPrivateKey"],
    async page(after) {
      const rows = await db.threePlFeed.findMany({
        select: { shop: true, sftpPassword: true, sftpPrivateKey: true },
        orderBy: { shop: "asc" },
        take: PAGE,
        ...(after === undefined ? {} : { where: { shop: { gt: after } } }),
      });
      return rows.map((r) => ({ row: r.shop, values: { sftpPassword: r.sftpPassword, sftpPrivateKey: r.sftpPrivateKey } }));
    },
    async replace(shop, column, from, to) {
      const result =
        column === "sftpPassword"
          ? await db.threePlFeed.updateMany({ where: { shop, sftpPassword: from }, data: { sftpPassword: to } })
          : await db.threePlFeed.updateMany({ where: { shop, sftpPrivateKey: from }, data: { sftpPrivateKey: to } });
      return result.count;
    },
  };
}

async function reencryptTable<Column extends string>(table: SecretTable<Column>, keys: EncryptionKeys, report: ReencryptReport): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const rows = await table.page(after);
    for (const { row, values } of rows) {
      for (const column of table.columns) {
        const stored = values[column];
        if (!stored) continue;
        if (!encryptedUnderOtherKey(stored, keys)) {
          report.alreadyCurrent += 1;
          continue;
        }
        let next: string;
        try {
          next = encryptSecret(decryptSecret(stored, keys), keys);
        } catch (error) {
          // The reason names a key id at most, never the value.
          report.failures.push({ table: table.name, row, column, reason: error instanceof Error ? error.message : "unreadable" });
          continue;
        }
        // A row the app rewrote in between already holds a value under the current key.
        if ((await table.replace(row, column, stored, next)) > 0) report.reencrypted += 1;
        else report.alreadyCurrent += 1;
      }
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].row;
  }
}

/**
 * Rewrites every secret not yet under the current key. Safe to run while the app serves (each value
 * is replaced only if unchanged) and to run again; a value no configured key opens is reported, not
 * touched, so it is not lost for good while ENCRYPTION_KEY_PREVIOUS can still be set right.
 */
export async function reencryptSecrets(db: Db, keys: EncryptionKeys): Promise<ReencryptReport> {
  const report: ReencryptReport = { keyId: keyId(keys), reencrypted: 0, alreadyCurrent: 0, failures: [] };
  await reencryptTable(sessionTable(db), keys, report);
  await reencryptTable(threePlFeedTable(db), keys, report);
  return report;
}
