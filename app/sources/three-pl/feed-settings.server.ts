/**
 * The 3PL feed settings as the Settings page shows and saves them: the column mapping, how the files
 * are written (delimiter, encoding, dates, time zone, order numbers) and the SFTP pickup. Secrets never
 * travel back to the browser; the page only learns whether one is stored.
 */
import { z } from "zod";
import type { Db } from "../../db.server";
import { OPTIONAL_THREE_PL_FIELDS, THREE_PL_FIELDS, checkColumnMapping, readColumnMapping, type ColumnMapping } from "../../domain/three-pl-columns";
import { checkFormat, readFormat, type ThreePlFormat } from "../../domain/three-pl-format";
import { scheduleNow } from "../../jobs/scheduler.server";
import { SFTP_PICKUP_JOB } from "./sftp-job.server";
import { saveSftpSettings } from "./sftp-pickup.server";

export type ThreePlSettingsView = {
  mapping: ColumnMapping;
  format: ThreePlFormat;
  sftp: {
    enabled: boolean;
    host: string;
    port: number;
    username: string;
    hasPassword: boolean;
    hasPrivateKey: boolean;
    hostKey: string | null;
    folder: string;
    pattern: string;
    processedFolder: string;
    everyMinutes: number;
    lastRunAt: string | null;
    lastError: string | null;
  };
};

export async function threePlSettingsView(db: Db, shop: string): Promise<ThreePlSettingsView> {
  const feed = await db.threePlFeed.findUnique({ where: { shop } });
  const run = await db.jobRun.findUnique({ where: { job_shop: { job: SFTP_PICKUP_JOB, shop } }, select: { lastFinishedAt: true, lastError: true } });
  return {
    mapping: readColumnMapping(feed?.columnMapping),
    format: readFormat(feed?.fileFormat),
    sftp: {
      enabled: feed?.sftpEnabled ?? false,
      host: feed?.sftpHost ?? "",
      port: feed?.sftpPort ?? 22,
      username: feed?.sftpUsername ?? "",
      hasPassword: !!feed?.sftpPassword,
      hasPrivateKey: !!feed?.sftpPrivateKey,
      hostKey: feed?.sftpHostKey ?? null,
      folder: feed?.sftpFolder ?? ".",
      pattern: feed?.sftpPattern ?? "*.csv",
      processedFolder: feed?.sftpProcessedFolder ?? "processed",
      everyMinutes: feed?.sftpEveryMinutes ?? 60,
      lastRunAt: run?.lastFinishedAt?.toISOString() ?? null,
      lastError: run?.lastError ?? null,
    },
  };
}

export type SettingsSaveResult = { ok: boolean; errors: Record<string, string> };

/** The column mapping and the file format, saved together: a preset sets both. `off_<field>` turns a column off. */
export async function saveColumnMapping(db: Db, shop: string, form: FormData): Promise<SettingsSaveResult> {
  const checked = checkColumnMapping(
    Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, OPTIONAL_THREE_PL_FIELDS.has(f) && form.get(`off_${f}`) === "on" ? null : String(form.get(f) ?? "")])),
  );
  const format = checkFormat(
    Object.fromEntries(["delimiter", "encoding", "dateFormat", "timeZone", "orderRule", "orderPrefix", "orderPattern", "sheet"].map((name) => [name, String(form.get(name) ?? "")])),
  );
  const errors = { ...(checked.ok ? {} : { mapping: checked.errors.join("; ") }), ...(format.ok ? {} : { format: format.errors.join("; ") }) };
  if (!checked.ok || !format.ok) return { ok: false, errors };
  const data = { columnMapping: JSON.stringify(checked.mapping), fileFormat: JSON.stringify(format.format) };
  await db.threePlFeed.upsert({ where: { shop }, create: { shop, ...data }, update: data });
  return { ok: true, errors: {} };
}

const hostname = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$/;
const remotePath = z.string().trim().max(500).refine((v) => !v.includes("\u0000"), "not a path");

const sftpSchema = z
  .object({
    enabled: z.boolean(),
    host: z.string().trim().max(253).refine((v) => v === "" || hostname.test(v), "not a host name or address"),
    port: z.coerce.number().int().min(1).max(65535),
    username: z.string().trim().max(100),
    password: z.string().max(1000).optional(),
    privateKey: z
      .string()
      .max(20_000)
      .optional()
      .refine((v) => !v || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v), "paste the whole private key, BEGIN and END lines included"),
    folder: remotePath,
    pattern: z.string().trim().min(1).max(200),
    processedFolder: remotePath,
    everyMinutes: z.coerce.number().int().min(5).max(7 * 24 * 60),
    resetHostKey: z.boolean(),
  })
  .refine((v) => !v.enabled || (v.host && v.username), { message: "host and user are needed to switch pickup on", path: ["host"] });

/** Empty password / key fields keep what is stored; "clear" checkboxes remove it. */
export async function saveSftpForm(db: Db, shop: string, form: FormData, key: Buffer): Promise<SettingsSaveResult> {
  const text = (name: string) => String(form.get(name) ?? "");
  const secret = (name: string) => (form.get(`clear_${name}`) === "on" ? "" : text(name) || undefined);
  const parsed = sftpSchema.safeParse({
    enabled: form.get("enabled") === "on",
    host: text("host"),
    port: text("port") || "22",
    username: text("username"),
    password: secret("password"),
    privateKey: secret("privateKey"),
    folder: text("folder"),
    pattern: text("pattern") || "*.csv",
    processedFolder: text("processedFolder"),
    everyMinutes: text("everyMinutes") || "60",
    resetHostKey: form.get("resetHostKey") === "on",
  });
  if (!parsed.success) {
    return { ok: false, errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? "form"), i.message])) };
  }
  await saveSftpSettings(db, shop, parsed.data, key);
  if (parsed.data.enabled) await scheduleNow(db, SFTP_PICKUP_JOB, shop);
  return { ok: true, errors: {} };
}
