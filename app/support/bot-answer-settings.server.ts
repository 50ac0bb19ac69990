/** The shop's bot-answer settings: the `botAnswers` part of Shop.settings (JSON shared with other sections). */
import { json } from "@remix-run/node";
import type { Db } from "../db.server";
import { wismoLanguage } from "../domain/wismo";
import { MAX_WINDOW_HOURS, MIN_WINDOW_HOURS, parseBotAnswerSettings, type BotAnswerSettings } from "../domain/wismo-stale";

function settingsObject(text: string | null | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text ?? "{}");
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function getBotAnswerSettings(db: Db, shop: string): Promise<BotAnswerSettings> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
  return parseBotAnswerSettings(settingsObject(row?.settings).botAnswers);
}

/** Rewrites only the `botAnswers` key, in one transaction, so other settings sections keep theirs. */
export async function saveBotAnswerSettings(db: Db, shop: string, settings: BotAnswerSettings): Promise<BotAnswerSettings> {
  const valid = parseBotAnswerSettings(settings);
  await db.$transaction(async (tx) => {
    const row = await tx.shop.findUnique({ where: { domain: shop }, select: { settings: true } });
    const text = JSON.stringify({ ...settingsObject(row?.settings), botAnswers: valid });
    await tx.shop.upsert({ where: { domain: shop }, create: { domain: shop, settings: text }, update: { settings: text } });
  });
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
