/**
 * The app's scheduled work, registered in one place. Feeds write with recordDirectly (one
 * transaction per batch); Shopify is reached through each shop's offline session.
 */
import { appConfig } from "../config.server";
import { matchPendingItems, recordDirectly, shopsWithPendingItems } from "../sources/feed-delivery.server";
import { resolveWaitingFulfillmentOrders, shopsWithWaitingFulfillmentOrders } from "../sources/fulfillment-orders.server";
import type { GraphqlCall } from "../sources/shopify-reconciliation/admin-graphql.server";
import { BACKFILL_JOB } from "../sources/shopify-reconciliation/backfill-schedule.server";
import { BACKFILL_DONE_RECHECK_MS, runBackfillJob } from "../sources/shopify-reconciliation/backfill.server";
import { RECONCILIATION_JOB, reconcileUpdatedOrders, type WatermarkState } from "../sources/shopify-reconciliation/reconcile.server";
import { adminGraphqlForShop, shopsWithOfflineAccess } from "../sources/shopify-reconciliation/shopify-admin.server";
import { SFTP_PICKUP_JOB, SFTP_IDLE_RECHECK_MS, runSftpPickup, shopsWithSftpPickup } from "../sources/three-pl/sftp-job.server";
import { registerDiscrepancyRecheckJob } from "../store/discrepancies-recheck.server";
import { registerRawPayloadRetentionJob } from "./raw-payload-retention.server";
import { registerJob, withoutUninstalled } from "./registry.server";

const MINUTE = 60_000;
export const MATCH_FEED_ITEMS_JOB = "match-feed-items";
export const RESOLVE_FULFILLMENT_ORDERS_JOB = "resolve-fulfillment-orders";

/**
 * The shop's Admin GraphQL, reached at the first call: a session that cannot be read then fails the
 * way an Admin API call does, inside the job's own error handling.
 */
function adminGraphqlOnFirstCall(shop: string): GraphqlCall {
  let client: Promise<GraphqlCall> | undefined;
  return async (query, variables) => (await (client ??= adminGraphqlForShop(shop)))(query, variables);
}

export function registerAppJobs(): void {
  registerDiscrepancyRecheckJob();
  registerRawPayloadRetentionJob();
  registerJob(MATCH_FEED_ITEMS_JOB, MINUTE, async ({ db, shop, now }) => void (await matchPendingItems({ db, record: recordDirectly }, shop, now)), {
    shops: async (db) => withoutUninstalled(db, await shopsWithPendingItems(db)),
  });
  registerJob(
    RESOLVE_FULFILLMENT_ORDERS_JOB,
    MINUTE,
    async ({ db, shop, now }) => {
      const graphql = await adminGraphqlForShop(shop);
      await resolveWaitingFulfillmentOrders({ db, record: recordDirectly, graphql }, shop, now);
    },
    {
      // A shop without a session yet keeps its holds waiting; they resolve once it has one.
      shops: async (db) => {
        const withAccess = new Set(await shopsWithOfflineAccess(db));
        return (await shopsWithWaitingFulfillmentOrders(db)).filter((shop) => withAccess.has(shop));
      },
    },
  );
  registerJob(SFTP_PICKUP_JOB, SFTP_IDLE_RECHECK_MS, (context) => runSftpPickup(context, appConfig().encryptionKey, recordDirectly), {
    shops: shopsWithSftpPickup,
  });
  registerJob(
    RECONCILIATION_JOB,
    15 * MINUTE,
    async (context) => {
      const graphql = await adminGraphqlForShop(context.shop);
      const { more } = await reconcileUpdatedOrders(
        { db: context.db, record: recordDirectly, graphql },
        { ...context, state: context.state as WatermarkState, saveState: (s) => context.saveState(s) },
      );
      // A backlog stops at the run's time limit and goes on at the next tick, other jobs of the shop in between.
      return more ? { runAgainInMs: 0 } : undefined;
    },
    { shops: shopsWithOfflineAccess },
  );
  registerJob(
    BACKFILL_JOB,
    BACKFILL_DONE_RECHECK_MS,
    (context) => runBackfillJob({ db: context.db, record: recordDirectly, graphql: adminGraphqlOnFirstCall(context.shop) }, context),
    { shops: shopsWithOfflineAccess, leaseMs: 15 * MINUTE },
  );
}
