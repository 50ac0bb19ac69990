/**
 * Scheduled pickup of 3PL files from the shop's SFTP server: every file in the folder matching the
 * pattern goes through the one importer, then moves to the processed folder (refused files too, so a
 * bad file is reported once rather than every run; the import log says why it was refused).
 */
import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { BlockList, Socket, isIP } from "node:net";
import path from "node:path";
import type { Readable } from "node:stream";
import type { FileEntryWithStats, SFTPWrapper } from "ssh2";
import SftpClient from "ssh2-sftp-client";
import { decryptSecret, encryptSecret } from "../../crypto.server";
import type { Db } from "../../db.server";
import type { FeedDeps } from "../feed-delivery.server";
import { FeedFileError, MAX_THREE_PL_FILE_BYTES, importThreePlFile, logRefusedFile, type ThreePlImportResult } from "./import.server";

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
/** `unfinished`: why the run stopped before the last file it listed; those files wait for a later run. */
export type PickupReport = { files: PickedFile[]; hostKey: string; unfinished: string | null };

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

/**
 * Shell-style pattern (`*`, `?`) to a whole-name, case-insensitive matcher. The pattern is the
 * merchant's, so it is never compiled to a regular expression (`*a*a*a*…b` backtracks for minutes on
 * the thread that also takes webhooks): on a mismatch only the last `*` takes one more character,
 * which bounds a match by the name's length times the pattern's. A listed name never holds "/".
 */
export function filenameMatcher(pattern: string): (name: string) => boolean {
  const wanted = pattern.trim().toLowerCase();
  return (candidate) => {
    const name = candidate.toLowerCase();
    let p = 0;
    let n = 0;
    let star = -1;
    let starAt = 0;
    while (n < name.length) {
      if (wanted[p] === "*") {
        star = p++;
        starAt = n;
      } else if (p < wanted.length && (wanted[p] === "?" || wanted[p] === name[n])) {
        p += 1;
        n += 1;
      } else if (star >= 0) {
        p = star + 1;
        n = ++starAt;
      } else {
        return false;
      }
    }
    while (wanted[p] === "*") p += 1;
    return p === wanted.length;
  };
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

/**
 * What one pickup may cost. The merchant's server is not trusted to be honest or alive: a file's
 * advertised size means nothing while it streams, and a server may stop answering at any step.
 */
export type PickupLimits = {
  /** per file, counted as the bytes arrive; the same cap as an upload or an HTTP feed */
  maxFileBytes: number;
  /** connecting, listing, moving a file, and each read: the longest wait for the server's next answer */
  operationTimeoutMs: number;
  /** the whole run, from the name lookup to the last transfer */
  runBudgetMs: number;
  /** files taken (imported or refused, then moved) in one run; each refusal is a row in the import log */
  maxFilesPerRun: number;
  /** entries of the folder read in one run, of any name or kind: what the listing may hold in memory */
  maxListedEntries: number;
};

export const PICKUP_LIMITS: PickupLimits = {
  maxFileBytes: MAX_THREE_PL_FILE_BYTES,
  operationTimeoutMs: 30_000,
  runBudgetMs: 10 * 60_000,
  maxFilesPerRun: 1000,
  maxListedEntries: 10_000,
};

export class SftpTimeout extends Error {
  constructor(message: string) {
    super(`${message}; the connection was closed and the pickup tries again at its next run`);
    this.name = "SftpTimeout";
  }
}

/** A run that stopped before its last file: the files it took are done, the others wait for a later run. */
export class SftpPickupUnfinished extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SftpPickupUnfinished";
  }
}

export function fileTooLarge(name: string, maxBytes: number): FeedFileError {
  return new FeedFileError(413, `${name} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB, the limit for a 3PL file; nothing in it was imported`);
}

const count = (n: number, noun: string) => `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;

const seconds = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`);

/**
 * Every step against the server, bounded: the step's own timeout and the run's remaining budget,
 * whichever ends first. When one trips, the connection is destroyed rather than ended politely, since
 * a server that stalls cannot be relied on to answer a close either, and every later step fails at once.
 */
function watchdog(socket: Socket, limits: PickupLimits) {
  const startedAt = Date.now();
  let tripped: SftpTimeout | null = null;
  const trip = (error: SftpTimeout) => {
    tripped ??= error;
    socket.destroy();
    return tripped;
  };
  return {
    get tripped() {
      return tripped;
    },
    get spent() {
      return Date.now() - startedAt >= limits.runBudgetMs;
    },
    /** `finishing`: a step that completes work already done (moving an imported file, closing) may use its own timeout past the budget. */
    async step<T>(what: string, operation: () => Promise<T>, finishing = false): Promise<T> {
      if (tripped) throw tripped;
      const left = finishing ? Infinity : limits.runBudgetMs - (Date.now() - startedAt);
      const overBudget = () => new SftpTimeout(`the SFTP pickup ran past its ${seconds(limits.runBudgetMs)} budget while ${what}`);
      if (left <= 0) throw trip(overBudget());
      const byBudget = left < limits.operationTimeoutMs;
      const silent = () => new SftpTimeout(`the SFTP server did not answer for ${seconds(limits.operationTimeoutMs)} while ${what}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(trip(byBudget ? overBudget() : silent())), byBudget ? left : limits.operationTimeoutMs);
      });
      const pending = operation();
      try {
        return await Promise.race([pending, timeout]);
      } finally {
        clearTimeout(timer);
        // Once the connection is destroyed the step's own failure says nothing new.
        pending.catch(() => undefined);
      }
    },
  };
}

/**
 * A remote file's bytes, counted as they arrive: past `maxBytes` the transfer stops at once,
 * whatever size the listing gave, and each chunk must come within the step timeout.
 */
async function* remoteFile(client: SftpClient, guard: ReturnType<typeof watchdog>, from: string, name: string, maxBytes: number): AsyncGenerator<Buffer> {
  const stream = client.createReadStream(from, {}) as Readable;
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let size = 0;
  try {
    for (;;) {
      const next = await guard.step(`reading ${name}`, () => chunks.next());
      if (next.done) return;
      size += next.value.byteLength;
      if (size > maxBytes) throw fileTooLarge(name, maxBytes);
      yield next.value;
    }
  } finally {
    stream.destroy();
  }
}

/** SSH_FX_EOF: the answer to a read past the end, here the end of the folder. */
const SFTP_EOF = 1;

type ListedFile = { name: string; size: number };

/**
 * The folder's regular files that match, read one READDIR answer at a time (each at most one SFTP
 * packet, each within the step timeout), stopping after `maxEntries` entries: a server may list
 * without end, and ssh2's own readdir keeps every entry until the end of the folder.
 */
async function listFolder(sftp: SFTPWrapper, guard: ReturnType<typeof watchdog>, folder: string, matches: (name: string) => boolean, maxEntries: number) {
  const failed = (error: Error) => new Error(`could not list ${folder}: ${error.message}`);
  const handle = await guard.step("listing the folder", () => new Promise<Buffer>((resolve, reject) => sftp.opendir(folder, (error, opened) => (error ? reject(failed(error)) : resolve(opened)))));
  const files: ListedFile[] = [];
  let read = 0;
  try {
    for (;;) {
      const batch = await guard.step(
        "listing the folder",
        () =>
          new Promise<FileEntryWithStats[] | null>((resolve, reject) =>
            sftp.readdir(handle, (error, entries) => (!error ? resolve(entries) : (error as Error & { code?: number }).code === SFTP_EOF ? resolve(null) : reject(failed(error)))),
          ),
      );
      if (batch === null) return { files, complete: true };
      for (const entry of batch) {
        if (read === maxEntries) return { files, complete: false };
        read += 1;
        if (entry.attrs.isFile() && matches(entry.filename)) files.push({ name: entry.filename, size: entry.attrs.size });
      }
    }
  } finally {
    // Closing completes a listing already read, so it is not cut short by the budget.
    await guard.step("listing the folder", () => new Promise<void>((resolve) => sftp.close(handle, () => resolve())), true).catch(() => undefined);
  }
}

export async function pickUpFiles(deps: FeedDeps, shop: string, settings: SftpSettings, receivedAt: () => Date, limits: PickupLimits = PICKUP_LIMITS): Promise<PickupReport> {
  const client = new SftpClient(`pickup-${shop}`);
  // The app owns the TCP socket, so a stalled connection can always be torn down, half-closed or not.
  const socket = new Socket();
  // SFTP reads are request/answer: without this, small requests wait on delayed acknowledgements.
  socket.setNoDelay(true);
  const guard = watchdog(socket, limits);
  const host = await guard.step("looking up the host", () => resolveSftpHost(settings.host, privateSftpHostsAllowed()));
  let presented: string | null = null;
  const sftp = await guard
    .step("connecting", () =>
      client.connect({
        sock: socket.connect(settings.port, host),
        username: settings.username,
        ...(settings.privateKey ? { privateKey: settings.privateKey } : {}),
        ...(settings.password ? { password: settings.password } : {}),
        readyTimeout: limits.operationTimeoutMs,
        // Pinning the host key is what stops a man in the middle from being handed the 3PL's files.
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key);
          return settings.hostKey === null || settings.hostKey === presented;
        },
      }),
    )
    .catch((error: unknown) => {
      socket.destroy();
      if (presented && settings.hostKey && presented !== settings.hostKey) throw new SftpHostKeyMismatch(presented);
      throw error;
    });
  try {
    const folder = settings.folder || ".";
    const processed = remote.isAbsolute(settings.processedFolder) ? settings.processedFolder : remote.join(folder, settings.processedFolder);
    const matches = filenameMatcher(settings.pattern || "*.csv");
    const listed = await listFolder(sftp, guard, folder, matches, limits.maxListedEntries);
    const listing = listed.files.sort((a, b) => (a.name < b.name ? -1 : 1));
    const files: PickedFile[] = [];
    let unfinished: string | null = null;
    if (listing.length > 0) await guard.step("creating the processed folder", () => client.mkdir(processed, true));
    for (const file of listing) {
      // Checked before each file, not only in its steps: a file refused from its listed size writes its log row before any step.
      const stop = guard.spent
        ? `used its ${seconds(limits.runBudgetMs)} budget after ${count(files.length, "file")}`
        : files.length === limits.maxFilesPerRun
          ? `took ${count(files.length, "file")}, the most for one run`
          : null;
      if (stop) {
        const left = listing.length - files.length;
        unfinished = `the SFTP pickup ${stop}; ${left === 1 ? "the other file waits" : `the other ${count(left, "file")} wait`} for its next run`;
        break;
      }
      const from = remote.join(folder, file.name);
      const input = { shop, via: "sftp" as const, fileName: file.name, receivedAt: receivedAt() };
      let picked: PickedFile;
      try {
        // The advertised size can only refuse early; the stream enforces the cap whatever it said.
        if (file.size > limits.maxFileBytes) {
          const refused = fileTooLarge(file.name, limits.maxFileBytes);
          await logRefusedFile(deps.db, input, refused);
          throw refused;
        }
        const result = await importThreePlFile(deps, { ...input, body: remoteFile(client, guard, from, file.name, limits.maxFileBytes), maxBytes: limits.maxFileBytes });
        picked = { name: file.name, result, error: null };
      } catch (error) {
        if (!(error instanceof FeedFileError)) throw guard.tripped ?? error;
        picked = { name: file.name, result: null, error: error.message };
      }
      const target = remote.join(processed, file.name);
      // Only an imported file's move may outrun the budget (else the next run imports it again); a
      // refused one that stays is refused again, which costs a log row, not a second import.
      const imported = picked.result !== null;
      const taken = await guard.step(`moving ${file.name}`, () => client.exists(target), imported);
      await guard.step(`moving ${file.name}`, () => client.rename(from, taken ? `${target}.${receivedAt().getTime()}` : target), imported);
      files.push(picked);
    }
    if (!listed.complete) {
      // Files past the cap were never seen; those read are taken, so the next run reads further.
      const cut = `the SFTP pickup read the first ${limits.maxListedEntries.toLocaleString("en-US")} entries of the folder, the most for one run, and took the matching files among them; the others wait for a later run (files it does not take count too: move them out of the folder)`;
      unfinished = unfinished ? `${cut}; ${unfinished}` : cut;
    }
    return { files, hostKey: presented ?? "", unfinished };
  } finally {
    if (!guard.tripped) await guard.step("closing the connection", () => client.end(), true).catch(() => undefined);
    socket.destroy();
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
