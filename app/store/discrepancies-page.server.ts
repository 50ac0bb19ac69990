/** Request parsing for the Discrepancies page and the Settings section it saves. */
import { json } from "@remix-run/node";
import type { Db } from "../db.server";
import { isDiscrepancyCode } from "../domain/discrepancies";
import { healthSettingsFromForm, THRESHOLD_LIMITS, type HealthSettings, type HealthSettingsErrors } from "../domain/discrepancies-settings";
import { SOURCES } from "../domain/events";
import { getHealthSettings, saveHealthSettings, type DiscrepancyFilters } from "./discrepancies.server";

const AGES = new Set([1, 24, 72, 168]);

/** Unknown or malformed parameters are ignored rather than answered with an error page. */
export function parseDiscrepancyQuery(params: URLSearchParams): DiscrepancyFilters {
  const code = params.get("code");
  const source = params.get("source");
  const age = Number(params.get("age"));
  const [afterSince, afterId] = (params.get("after") ?? "").split("_");
  const afterDate = afterSince ? new Date(afterSince) : null;
  return {
    state: params.get("status") === "cleared" ? "cleared" : "open",
    code: isDiscrepancyCode(code) ? code : null,
    source: source && (SOURCES as readonly string[]).includes(source) ? source : null,
    olderThanHours: AGES.has(age) ? age : null,
    sort: params.get("sort") === "oldest" ? "oldest" : "newest",
    after: afterDate && !Number.isNaN(afterDate.getTime()) && /^\d+$/.test(afterId ?? "") ? { since: afterDate, id: Number(afterId) } : null,
  };
}

export type HealthSettingsResult = { settings: HealthSettings | null; errors: HealthSettingsErrors & { form?: string } };

export async function saveHealthSettingsFromForm(db: Db, shop: string, form: FormData) {
  const { settings, errors } = healthSettingsFromForm(form);
  if (!settings) return json<HealthSettingsResult>({ settings: null, errors }, { status: 400 });
  return json<HealthSettingsResult>({ settings: await saveHealthSettings(db, shop, settings), errors: {} });
}

/** What the Settings section needs: the shop's values and each threshold's words and limits. */
export async function healthSettingsSection(db: Db, shop: string) {
  const settings = await getHealthSettings(db, shop);
  const fields = (Object.keys(THRESHOLD_LIMITS) as Array<keyof typeof THRESHOLD_LIMITS>).map((name) => ({ name, ...THRESHOLD_LIMITS[name] }));
  return { settings, fields };
}
