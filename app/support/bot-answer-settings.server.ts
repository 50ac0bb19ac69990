/** The shop's bot-answer settings: the `botAnswers` part of Shop.settings (JSON shared with other sections). */
import { json } from "@remix-run/node";
import type { Db } from "../db.server";
import { readShopSettingsSection, writeShopSettingsSection } from "../shops.server";
import { wismoLanguage } from "../domain/wismo";
import { MAX_WINDOW_HOURS, MIN_WINDOW_HOURS, parseBotAnswerSettings, type BotAnswerSettings } from "../domain/wismo-stale";

export async function getBotAnswerSettings(db: Db, shop: string): Promise<BotAnswerSettings> {
  return parseBotAnswerSettings(await readShopSettingsSection(db, shop, "botAnswers"));
}

/** Rewrites only the `botAnswers` key, in one transaction, so other settings sections keep theirs. */
export async function saveBotAnswerSettings(db: Db, shop: string, settings: BotAnswerSettings): Promise<BotAnswerSettings> {
  const valid = parseBotAnswerSettings(settings);
  await writeShopSettingsSection(db, shop, "botAnswers", valid);
  return valid;
}

export type BotAnswerSettingsResult = { settings: BotAnswerSettings | null; error: string | null };

export async function saveBotAnswerSettingsFromForm(db: Db, shop: string, form: FormData) {
  const hours = Number(form.get("windowHours"));
  if (!Number.isInteger(hours) || hours < MIN_WINDOW_HOURS || hours > MAX_WINDOW_HOURS) {
    return json<BotAnswerSettingsResult>({ settings: null, error: `Enter whole hours from ${MIN_WINDOW_HOURS} to ${MAX_WINDOW_HOURS}.` }, { status: 400 });
  }
  const language = wismoLanguage(String(form.get("language") ?? ""));
  const settings = await saveBotAnswerSettings(db, shop, { windowHours: hours, language });
  return json<BotAnswerSettingsResult>({ settings, error: null });
}
