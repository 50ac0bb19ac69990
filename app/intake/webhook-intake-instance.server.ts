import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { getEventLogWriter } from "../store/event-log/index.server";
import { GroupCommitter } from "../store/group-commit.server";
import { createWebhookIntake } from "./shopify-webhook-intake.server";
import { createWebhookVerifier, type HeaderReader } from "./webhook-verifier.server";

const committer = new GroupCommitter(getEventLogWriter);

/** The process-wide intake, shared by the Remix route and the lean server path. */
export const receiveWebhook = createWebhookIntake({
  db: getPrisma,
  writer: getEventLogWriter,
  record: (submission) => committer.submit(submission),
  verify: createWebhookVerifier(appConfig()),
  receivedAt: appConfig().demo ? demoReceivedAt : undefined,
});

/**
 * The demo replays weeks of history in seconds; it states when simulated Shopify delivered each
 * webhook so sync lag looks as it would have. Only demo mode, which cannot run in production, reads it.
 */
function demoReceivedAt(headers: HeaderReader): Date {
  const stated = Date.parse(headers.get("x-demo-delivered-at") ?? "");
  return Number.isNaN(stated) ? new Date() : new Date(stated);
}
