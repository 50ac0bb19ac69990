import { Badge, BlockStack, Card, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { formatDateTime } from "../../format";
import type { BackfillProgress } from "../../sources/shopify-reconciliation/backfill-schedule.server";

const PHASE: Record<BackfillProgress["phase"], { label: string; tone?: "info" | "success" }> = {
  scheduled: { label: "Scheduled" },
  listing: { label: "Listing orders", tone: "info" },
  comparing: { label: "Comparing", tone: "info" },
  done: { label: "Done", tone: "success" },
};

const count = (n: number) => n.toLocaleString("en");

/** The install backfill: Shopify's orders of the last weeks compared with the log, how far it got, and why it waits. */
export function BackfillCard({ progress }: { progress: BackfillProgress }) {
  const { phase, listed, compared, failure } = progress;
  const badge = failure ? { label: "Retrying", tone: "warning" as const } : PHASE[phase];
  return (
    <section aria-label="Order history backfill">
      <Card>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h3" variant="headingSm">
              Order history backfill
            </Text>
            <Badge tone={badge.tone}>{badge.label}</Badge>
          </InlineStack>
          <Text as="p" tone="subdued">
            {progress.since
              ? `Compares every order updated since ${formatDateTime(progress.since)} with Shopify, once after install.`
              : "Compares the orders of the weeks before install with Shopify, once after install."}
          </Text>
          {progress.startedAt ? <Text as="p">{`Started ${formatDateTime(progress.startedAt)}`}</Text> : !failure && <Text as="p">Starts within a minute</Text>}
          {listed !== null && phase === "listing" && <Text as="p">{`Shopify has listed ${count(listed)} orders so far`}</Text>}
          {listed !== null && phase === "comparing" && (
            <BlockStack gap="100">
              <Text as="p">{`${count(compared)} of ${count(listed)} orders compared`}</Text>
              <ProgressBar progress={listed > 0 ? Math.min(100, (compared / listed) * 100) : 0} size="small" />
            </BlockStack>
          )}
          {phase === "done" && <Text as="p">{`Done ${formatDateTime(progress.completedAt)}: ${count(compared)} orders compared`}</Text>}
          {failure && (
            <>
              <Text as="p" tone="critical">
                {`Last try failed ${formatDateTime(failure.at)}: ${failure.error}`}
              </Text>
              <Text as="p">{`Next try ${formatDateTime(failure.nextTryAt)} (${failure.attempts === 1 ? "1 failure" : `${failure.attempts} failures`} in a row)`}</Text>
            </>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
