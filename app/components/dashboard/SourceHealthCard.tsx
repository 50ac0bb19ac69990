import { Badge, BlockStack, Card, InlineStack, Text } from "@shopify/polaris";
import { formatDuration, formatRelative } from "../../format";
import type { SourceHealthView } from "../../store/sync-lag.server";
import { sourceName } from "./discrepancy-labels";

const STATUS: Record<SourceHealthView["status"], { label: string; tone: "success" | "warning" | "critical" }> = {
  healthy: { label: "Healthy", tone: "success" },
  slow: { label: "Behind", tone: "warning" },
  silent: { label: "Silent", tone: "critical" },
};

const lag = (ms: number | null) => (ms === null ? "—" : formatDuration(ms));

/** One source at a glance: status, last event, how far behind it runs, and its silent alert. */
export function SourceHealthCard({ health, now }: { health: SourceHealthView; now: Date }) {
  const status = health.eventCount === 0 ? { label: "No events yet", tone: undefined } : STATUS[health.status];
  const day = health.lag.day;
  return (
    <section aria-label={`${sourceName(health.source)} health`}>
      <Card>
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h3" variant="headingSm">
              {sourceName(health.source)}
            </Text>
            <Badge tone={status.tone}>{status.label}</Badge>
          </InlineStack>
          <Text as="p">{`Last event ${formatRelative(health.lastReceivedAt, now)}`}</Text>
          <Text as="p" tone={health.status === "slow" ? "caution" : undefined}>
            {day.events > 0 ? `Lag p50 ${lag(day.p50Ms)} · p95 ${lag(day.p95Ms)}` : "No events in the last day"}
          </Text>
          <Text as="p" tone="subdued" variant="bodySm">
            {`Last hour p95 ${lag(health.lag.hour.p95Ms)} · week p95 ${lag(health.lag.week.p95Ms)}, max ${lag(health.lag.week.maxMs)} · ${health.lag.week.events.toLocaleString("en")} events this week`}
          </Text>
          {health.alert && (
            <Text as="p" tone="critical">
              {health.alert.message}
            </Text>
          )}
        </BlockStack>
      </Card>
    </section>
  );
}
