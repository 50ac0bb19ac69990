/**
 * Scheduled pickup of 3PL files from the shop's SFTP server: every file in the folder matching the
 * pattern goes through the one importer, then moves to the processed folder (refused files too, so a
 * bad file is reported once rather than every run; the import log says why it was refused).
 */
import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import path from "node:path";
import SftpClient from "ssh2-sftp-client";
import { decryptSecret, encryptSecret } from "../../crypto.server";
import type { Db } from "../../db.server";
import type { FeedDeps } from "../feed-delivery.server";
import { FeedFileError, MAX_THREE_PL_FILE_BYTES, importThreePlFile, type ThreePlImportResult } from "./import.server";

export type SftpSettings = {
  host: string;
  port: number;
  username: string;
  password: string | null;
  privateKey: string | null;
  /** "SHA256:<base64>" as `ssh-keygen -l` prints it; null until the first connection pins it */
  hostKey: string | null;
  folder: string;
  pattern: string;
  processedFolder: string;
};

export type PickedFile = { name: string; result: ThreePlImportResult | null; error: string | null };
export type PickupReport = { files: PickedFile[]; hostKey: string };

export class SftpHostKeyMismatch extends Error {
  constructor(readonly presented: string) {
    super("the SFTP server presented a host key other than the pinned one; if the server was re-keyed, clear the pinned key in Settings");
    this.name = "SftpHostKeyMismatch";
  }
}

/** OpenSSH's fingerprint form, so merchants can compare it with `ssh-keygen -lf`. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** Shell-style pattern (`*`, `?`) to a whole-name, case-insensitive matcher. */
export function filenameMatcher(pattern: string): (name: string) => boolean {
  const source = pattern
    .trim()
    .split("")
    .map((c) => (c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, "i");
  return (name) => regex.test(name);
}

const remote = path.posix;

const PRIVATE_NETWORKS = new BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16]] as const) {
  PRIVATE_NETWORKS.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) {
  PRIVATE_NETWORKS.addSubnet(network, prefix, "ipv6");
}

export class SftpHostRefused extends Error {
  constructor(host: string) {
    super(`${host} is a private or local address; SFTP pickup only reaches public servers (SFTP_ALLOW_PRIVATE_HOSTS=1 allows it for self-hosted setups)`);
    this.name = "SftpHostRefused";
  }
}

/**
 * The address to connect to. A shop's settings must not turn the app into a door to the network it
 * runs in, so private and local addresses are refused unless the operator allows them; connecting to
 * the address checked here (not the name again) keeps a DNS answer from changing in between.
 */
export async function resolveSftpHost(host: string, allowPrivate: boolean): Promise<string> {
  const address = isIP(host) ? host : (await lookup(host)).address;
  if (!allowPrivate && PRIVATE_NETWORKS.check(address, isIP(address) === 6 ? "ipv6" : "ipv4")) throw new SftpHostRefused(host);
  return address;
}

/** Private addresses only when the operator (or a test with its own sshd) says so, whatever NODE_ENV is. */
export function privateSftpHostsAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.SFTP_ALLOW_PRIVATE_HOSTS === "1";
}

export async function pickUpFiles(deps: FeedDeps, shop: string, settings: SftpSettings, receivedAt: () => Date): Promise<PickupReport> {
  const host = await resolveSftpHost(settings.host, privateSftpHostsAllowed());
  const client = new SftpClient(`pickup-${shop}`);
  let presented: string | null = null;
  await client.connect({
    host,
    port: settings.port,
    username: settings.username,
    ...(settings.privateKey ? { privateKey: settings.privateKey } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    readyTimeout: 15_000,
    // Pinning the host key is what stops a man in the middle from being handed the 3PL's files.
    hostVerifier: (key: Buffer) => {
      presented = hostKeyFingerprint(key);
      return settings.hostKey === null || settings.hostKey === presented;
    },
  }).catch((error: unknown) => {
    if (presented && settings.hostKey && presented !== settings.hostKey) throw new SftpHostKeyMismatch(presented);
    throw error;
  });
  try {
    const folder = settings.folder || ".";
    const processed = remote.isAbsolute(settings.processedFolder) ? settings.processedFolder : remote.join(folder, settings.processedFolder);
    const matches = filenameMatcher(settings.pattern || "*.csv");
    const listing = (await client.list(folder)).filter((f) => f.type === "-" && matches(f.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
    const files: PickedFile[] = [];
    if (listing.length > 0) await client.mkdir(processed, true);
    for (const file of listing) {
      const from = remote.join(folder, file.name);
      let picked: PickedFile;
      try {
        if (file.size > MAX_THREE_PL_FILE_BYTES) throw new FeedFileError(413, `the file is larger than ${MAX_THREE_PL_FILE_BYTES / 1024 / 1024} MB`);
        const body = (await client.get(from)) as Buffer;
        const result = await importThreePlFile(deps, { shop, body, via: "sftp", fileName: file.name, receivedAt: receivedAt() });
        picked = { name: file.name, result, error: null };
      } catch (error) {
        if (!(error instanceof FeedFileError)) throw error;
        picked = { name: file.name, result: null, error: error.message };
      }
      const target = remote.join(processed, file.name);
      await client.rename(from, (await client.exists(target)) ? `${target}.${receivedAt().getTime()}` : target);
      files.push(picked);
    }
    return { files, hostKey: presented ?? "" };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The shop's stored SFTP settings, decrypted; null when pickup is off or incomplete. */
export async function loadSftpSettings(db: Db, shop: string, key: Buffer): Promise<(SftpSettings & { everyMinutes: number }) | null> {
  const feed = await db.threePlFeed.findUnique({ where: { shop } });
  if (!feed?.sftpEnabled || !feed.sftpHost || !feed.sftpUsername) return null;
  return {
    host: feed.sftpHost,
    port: feed.sftpPort,
    username: feed.sftpUsername,
    password: feed.sftpPassword ? decryptSecret(feed.sftpPassword, key) : null,
    privateKey: feed.sftpPrivateKey ? decryptSecret(feed.sftpPrivateKey, key) : null,
    hostKey: feed.sftpHostKey,
    folder: feed.sftpFolder,
    pattern: feed.sftpPattern,
    processedFolder: feed.sftpProcessedFolder,
    everyMinutes: feed.sftpEveryMinutes,
  };
}

export type SftpSettingsInput = {
  enabled: boolean;
  host: string;
  port: number;
  username: string;
  /** undefined keeps the stored secret, "" removes it */
  password?: string;
  privateKey?: string;
  folder: string;
  pattern: string;
  processedFolder: string;
  everyMinutes: number;
  /** forget the pinned host key (the server was re-keyed) */
  resetHostKey?: boolean;
};

/** Saves the SFTP settings; secrets are encrypted before they reach the database. */
export async function saveSftpSettings(db: Db, shop: string, input: SftpSettingsInput, key: Buffer): Promise<void> {
  const secret = (value: string | undefined) => (value === undefined ? undefined : value === "" ? null : encryptSecret(value, key));
  const data = {
    sftpEnabled: input.enabled,
    sftpHost: input.host || null,
    sftpPort: input.port,
    sftpUsername: input.username || null,
    sftpFolder: input.folder || ".",
    sftpPattern: input.pattern || "*.csv",
    sftpProcessedFolder: input.processedFolder || "processed",
    sftpEveryMinutes: input.everyMinutes,
    ...(input.password !== undefined ? { sftpPassword: secret(input.password) } : {}),
    ...(input.privateKey !== undefined ? { sftpPrivateKey: secret(input.privateKey) } : {}),
    ...(input.resetHostKey ? { sftpHostKey: null } : {}),
  };
  await db.threePlFeed.upsert({ where: { shop }, create: { shop, ...data }, update: data });
}
