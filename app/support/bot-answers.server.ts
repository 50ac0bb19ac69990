/**
 * Stale-answer detection at read time: the webhook intake never looks at bot answers, so it stays
 * as cheap as before. The Bot answers page compares each recent answer with the order's truth now.
 */
import type { Db } from "../db.server";
import { wismoFor, type Discrepancy, type WismoAction, type WismoStage } from "../domain/wismo";
import {
  MAX_WINDOW_HOURS,
  staleAnswers,
  windowStart,
  type CurrentAnswer,
  type IntegrationCount,
  type RecordedAnswer,
  type StaleAnswer,
} from "../domain/wismo-stale";
import { readDocument } from "../store/order-queries.server";
import { getBotAnswerSettings } from "./bot-answer-settings.server";
import { answerLanguage, ORDER_FIELDS } from "./wismo.server";

/** Beyond this many answers in one window the page reports on the newest only. */
export const REPORT_ANSWER_LIMIT = 20_000;
const ID_CHUNK = 500;
const PRUNE_EVERY_MS = 3_600_000;

export async function pruneBotAnswers(db: Db, shop: string, now: Date, windowHours: number): Promise<number> {
  const { count } = await db.botAnswer.deleteMany({ where: { shop, answeredAt: { lt: windowStart(now, windowHours) } } });
  return count;
}

/** Answers of shops that stopped asking (uninstalled, key revoked) still go after the longest window. */
export async function pruneExpiredBotAnswers(db: Db, now: Date): Promise<number> {
  const { count } = await db.botAnswer.deleteMany({ where: { answeredAt: { lt: windowStart(now, MAX_WINDOW_HOURS) } } });
  return count;
}

/**
 * The page reads a shop's newest REPORT_ANSWER_LIMIT answers only, so older ones inform nothing:
 * keeping at most that many per shop bounds the table whatever the rate of questions.
 */
async function trimBotAnswers(db: Db, shop: string, keep = REPORT_ANSWER_LIMIT): Promise<number> {
  const boundary = await db.botAnswer.findFirst({
    where: { shop },
    orderBy: [{ answeredAt: "desc" }, { id: "desc" }],
    skip: keep,
    select: { answeredAt: true, id: true },
  });
  if (!boundary) return 0;
  const { count } = await db.botAnswer.deleteMany({
    where: { shop, OR: [{ answeredAt: { lt: boundary.answeredAt } }, { answeredAt: boundary.answeredAt, id: { lte: boundary.id } }] },
  });
  return count;
}

/** Answers recorded between two trims of a shop, per process: a flood adds at most this many past the cap. */
export const TRIM_EVERY_ANSWERS = 1_000;

const lastPruned = new Map<string, number>();
const recordedSinceTrim = new Map<string, number>();

/**
 * Called after answers are recorded: the window is enforced at most once an hour per shop and
 * process, the per-shop cap every TRIM_EVERY_ANSWERS answers, so serving an answer costs one
 * insert, not a delete as well.
 */
export async function pruneOccasionally(db: Db, shop: string, now: Date, recorded: number): Promise<void> {
  const sinceTrim = (recordedSinceTrim.get(shop) ?? 0) + recorded;
  recordedSinceTrim.set(shop, sinceTrim >= TRIM_EVERY_ANSWERS ? 0 : sinceTrim);
  if (sinceTrim >= TRIM_EVERY_ANSWERS) await trimBotAnswers(db, shop);
  const last = lastPruned.get(shop) ?? Number.NEGATIVE_INFINITY;
  if (now.getTime() - last < PRUNE_EVERY_MS) return;
  lastPruned.set(shop, now.getTime());
  const { windowHours } = await getBotAnswerSettings(db, shop);
  await pruneBotAnswers(db, shop, now, windowHours);
  await pruneExpiredBotAnswers(db, now);
}

export type BotAnswerReport = {
  windowHours: number;
  since: string;
  answers: number;
  byIntegration: IntegrationCount[];
  stale: StaleAnswer[];
};

/**
 * Prunes the shop's expired answers, then lists the answers the truth has overtaken: each order
 * in the window is answered afresh from its stored document and open discrepancies, read in bulk,
 * so the page costs a few queries per 500 orders whatever the number of answers.
 */
export async function botAnswerReport(db: Db, shop: string, now: Date): Promise<BotAnswerReport> {
  const { windowHours } = await getBotAnswerSettings(db, shop);
  await pruneBotAnswers(db, shop, now, windowHours);
  const since = windowStart(now, windowHours);
  const rows = await db.botAnswer.findMany({
    where: { shop, answeredAt: { gte: since } },
    orderBy: [{ answeredAt: "desc" }, { id: "desc" }],
    take: REPORT_ANSWER_LIMIT,
  });
  const answers: RecordedAnswer[] = rows.map((r) => ({
    orderId: r.orderId,
    orderName: r.orderName,
    integration: r.integration,
    channel: r.channel,
    stage: r.stage as WismoStage,
    action: r.action as WismoAction,
    reason: r.reason,
    message: r.message,
    orderStatus: r.orderStatus,
    answeredAt: r.answeredAt.toISOString(),
  }));

  const language = await answerLanguage(db, shop, null);
  const truth = new Map<string, CurrentAnswer>();
  const orderIds = [...new Set(answers.map((a) => a.orderId))];
  for (let i = 0; i < orderIds.length; i += ID_CHUNK) {
    const ids = orderIds.slice(i, i + ID_CHUNK);
    const [orders, open] = await Promise.all([
      db.order.findMany({ where: { shop, orderId: { in: ids } }, select: ORDER_FIELDS }),
      db.discrepancy.findMany({ where: { shop, orderId: { in: ids }, state: "open" }, select: { orderId: true, code: true, since: true } }),
    ]);
    const discrepancies = new Map<string, Discrepancy[]>();
    for (const d of open) discrepancies.set(d.orderId, [...(discrepancies.get(d.orderId) ?? []), { code: d.code, since: d.since.toISOString() }]);
    for (const order of orders) {
      const { stage, action, reason, message } = wismoFor(readDocument(order.document, now), discrepancies.get(order.orderId) ?? [], { language });
      truth.set(order.orderId, { stage, action, reason, message, orderStatus: order.status });
    }
  }
  return { windowHours, since: since.toISOString(), answers: answers.length, ...staleAnswers(answers, truth) };
}
