import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { privacySettingsFromForm, type PrivacySettings } from "../domain/privacy-settings";
import { savePrivacySettings } from "../store/privacy.server";

export type PrivacySettingsResult = { settings: PrivacySettings | null; error: string | null };

/** Saves Settings → Privacy (its form posts here, so the Settings route's own action keeps to API keys). */
export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const parsed = privacySettingsFromForm(await request.formData());
  if (!parsed.settings) return json<PrivacySettingsResult>({ settings: null, error: parsed.error }, { status: 400 });
  await savePrivacySettings(getPrisma(), shop, parsed.settings);
  return json<PrivacySettingsResult>({ settings: parsed.settings, error: null });
}
