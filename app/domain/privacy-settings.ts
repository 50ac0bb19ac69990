/**
 * The shop's privacy settings (the `privacy` part of Shop.settings). Raw payloads are kept for
 * replaying history and debugging a source, not for the status itself, so they go after a while;
 * see docs/decisions/018-personal-data-and-compliance.md.
 */
export type PrivacySettings = { rawPayloadRetentionDays: number };

/** The Settings form and the parser share the range. */
export const RAW_PAYLOAD_RETENTION_DAYS = { default: 90, min: 1, max: 3650 } as const;

export const DEFAULT_PRIVACY_SETTINGS: Readonly<PrivacySettings> = Object.freeze({ rawPayloadRetentionDays: RAW_PAYLOAD_RETENTION_DAYS.default });

function retentionDays(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= RAW_PAYLOAD_RETENTION_DAYS.min && n <= RAW_PAYLOAD_RETENTION_DAYS.max ? n : null;
}

/** Anything missing or out of range reads as the default, so a hand-edited document never stops the pruning. */
export function parsePrivacySettings(value: unknown): PrivacySettings {
  const root = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  return { rawPayloadRetentionDays: retentionDays(root.rawPayloadRetentionDays) ?? DEFAULT_PRIVACY_SETTINGS.rawPayloadRetentionDays };
}

/** A submitted form: out of range is an error shown to the merchant, never a silent default. */
export function privacySettingsFromForm(form: { get(name: string): unknown }): { settings: PrivacySettings; error: null } | { settings: null; error: string } {
  const days = retentionDays(String(form.get("rawPayloadRetentionDays") ?? "").trim());
  if (days === null) return { settings: null, error: `Enter whole days from ${RAW_PAYLOAD_RETENTION_DAYS.min} to ${RAW_PAYLOAD_RETENTION_DAYS.max}.` };
  return { settings: { rawPayloadRetentionDays: days }, error: null };
}
