import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import { formatDateTime } from "../../format";
import type { ReconciliationStatus } from "../../sources/shopify-reconciliation/reconciliation-status.server";

/** The scheduled comparison with Shopify that heals missed webhooks: how far it got, and whether it fails. */
export function ReconciliationCard({ status }: { status: ReconciliationStatus }) {
  const badge = status.error
    ? { label: "Failing", tone: "critical" as const }
    : status.catchingUp
      ? { label: "Catching up", tone: "info" as const }
      : { label: "Up to date", tone: "success" as const };
  return (
    <section aria-label="Reconciliation with Shopify">
      <Card>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h3" variant="headingSm">
              Reconciliation with Shopify
            </Text>
            <Badge tone={badge.tone}>{badge.label}</Badge>
          </InlineStack>
          <Text as="p" tone="subdued">
            Every 15 minutes, the orders Shopify changed are compared with what the webhooks said; what they missed is recorded from
            &quot;Reconciliation&quot;.
          </Text>
          <Text as="p">
            {status.comparedUpTo ? `Compared every order updated before ${formatDateTime(status.comparedUpTo)}` : "No order compared yet"}
            {status.lastRunAt ? ` · last run ${formatDateTime(status.lastRunAt)}` : ""}
          </Text>
          {status.error && (
            <>
              <Text as="p" tone="critical">{`Last run failed: ${status.error}`}</Text>
              <Text as="p">{`Next run ${formatDateTime(status.nextRunAt)}`}</Text>
            </>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
