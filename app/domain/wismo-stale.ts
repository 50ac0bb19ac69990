/**
 * Stale-answer detection: which bot answers the truth has overtaken since they were given.
 *
 * Pure. The caller loads the recorded answers of the window and the orders' current WISMO answers;
 * nothing here reads a clock except through the `now` it is given.
 */
import type { WismoAction, WismoLanguage, WismoStage } from "./wismo";
import { wismoLanguage } from "./wismo";

export const DEFAULT_WINDOW_HOURS = 72;
export const MIN_WINDOW_HOURS = 1;
/** Two weeks: answers (which name items and tracking numbers) never outlive a GDPR erasure deadline. */
export const MAX_WINDOW_HOURS = 336;

export type BotAnswerSettings = { windowHours: number; language: WismoLanguage | null };

/** Reads the `botAnswers` part of a shop's settings JSON; anything invalid falls back to the default. */
export function parseBotAnswerSettings(value: unknown): BotAnswerSettings {
  const raw = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  const hours = Number(raw.windowHours);
  return {
    windowHours: Number.isInteger(hours) && hours >= MIN_WINDOW_HOURS && hours <= MAX_WINDOW_HOURS ? hours : DEFAULT_WINDOW_HOURS,
    language: typeof raw.language === "string" ? wismoLanguage(raw.language) : null,
  };
}

export function windowStart(now: Date, windowHours: number): Date {
  return new Date(now.getTime() - windowHours * 3_600_000);
}

export type RecordedAnswer = {
  orderId: string;
  orderName: string;
  integration: string;
  channel: string;
  stage: WismoStage;
  action: WismoAction;
  reason: string;
  message: string;
  orderStatus: string;
  answeredAt: string;
};

export type CurrentAnswer = { stage: WismoStage; action: WismoAction; reason: string; message: string; orderStatus: string };

export type StaleAnswer = { told: RecordedAnswer; truth: CurrentAnswer };

export type IntegrationCount = { integration: string; answers: number; stale: number };

/**
 * A later answer to the same integration about the same order supersedes an earlier one: the bot
 * has said the newer thing since, so only the latest can still be wrong in the customer's hands.
 */
export function latestPerOrderAndIntegration(answers: readonly RecordedAnswer[]): RecordedAnswer[] {
  const latest = new Map<string, RecordedAnswer>();
  for (const answer of answers) {
    const key = `${answer.orderId}\u0000${answer.integration}`;
    const current = latest.get(key);
    if (!current || Date.parse(answer.answeredAt) >= Date.parse(current.answeredAt)) latest.set(key, answer);
  }
  return [...latest.values()];
}

/**
 * What a bot does with an answer is branch on stage and action; a changed message with the same
 * stage and action (a new scan, a refined date) does not make what the customer heard wrong.
 */
export function contradicts(told: { stage: string; action: string }, truth: { stage: string; action: string }): boolean {
  return told.stage !== truth.stage || told.action !== truth.action;
}

/**
 * Stale answers (latest per order and integration whose stage or action the truth no longer has),
 * newest first, and per integration the answers given and how many of those went stale.
 * `truth` holds the current answer of every order still known; an order gone since is not stale.
 */
export function staleAnswers(
  answers: readonly RecordedAnswer[],
  truth: ReadonlyMap<string, CurrentAnswer>,
): { stale: StaleAnswer[]; byIntegration: IntegrationCount[] } {
  const counts = new Map<string, IntegrationCount>();
  const count = (integration: string) => {
    let entry = counts.get(integration);
    if (!entry) counts.set(integration, (entry = { integration, answers: 0, stale: 0 }));
    return entry;
  };
  for (const answer of answers) count(answer.integration).answers += 1;
  const stale: StaleAnswer[] = [];
  for (const told of latestPerOrderAndIntegration(answers)) {
    const now = truth.get(told.orderId);
    if (now && contradicts(told, now)) {
      stale.push({ told, truth: now });
      count(told.integration).stale += 1;
    }
  }
  const key = (s: StaleAnswer) => `${s.told.orderId}\u0000${s.told.integration}`;
  stale.sort((a, b) => Date.parse(b.told.answeredAt) - Date.parse(a.told.answeredAt) || (key(a) < key(b) ? -1 : 1));
  const byIntegration = [...counts.values()].sort((a, b) => b.stale - a.stale || b.answers - a.answers || (a.integration < b.integration ? -1 : 1));
  return { stale, byIntegration };
}
