import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link as RemixLink, useLoaderData } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { BackfillCard } from "../components/dashboard/BackfillCard";
import { ReconciliationCard } from "../components/dashboard/ReconciliationCard";
import { DISCREPANCY_CODE_LIST, discrepancyLabel, sourceName } from "../components/dashboard/discrepancy-labels";
import { LagChart } from "../components/dashboard/LagChart";
import { OpenDiscrepanciesChart } from "../components/dashboard/OpenDiscrepanciesChart";
import { SourceHealthCard } from "../components/dashboard/SourceHealthCard";
import { PageLoading } from "../components/PageLoading";
import { RouteError } from "../components/RouteError";
import { appConfig } from "../config.server";
import { getPrisma } from "../db.server";
import { formatDateTime, statusLabel, statusTone } from "../format";
import { waitingHolds } from "../sources/fulfillment-orders.server";
import { backfillProgress } from "../sources/shopify-reconciliation/backfill-schedule.server";
import { reconciliationStatus } from "../sources/shopify-reconciliation/reconciliation-status.server";
import { overviewData } from "../store/sync-lag-report.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const db = getPrisma();
  const [overview, holds, backfill, reconciliation] = await Promise.all([
    overviewData(db, shop, new Date()),
    waitingHolds(db, shop),
    backfillProgress(db, shop),
    reconciliationStatus(db, shop),
  ]);
  return json({ ...overview, holds, backfill, reconciliation, demo: appConfig().demo });
}

export default function Overview() {
  const { sources, openByCode, byStatus, lagSeries, openSeries, now, holds, backfill, reconciliation, demo } = useLoaderData<typeof loader>();
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const openTotal = Object.values(openByCode).reduce((a, b) => a + b, 0);
  const alerts = sources.filter((s) => s.alert);
  const at = new Date(now);
  return (
    <Page title="Overview" subtitle="Which systems are behind, and which orders they disagree about">
      <PageLoading />
      <Layout>
        {alerts.length > 0 && (
          <Layout.Section>
            <Banner tone="critical" title={alerts.length === 1 ? `${sourceName(alerts[0]!.source)} has gone silent` : `${alerts.length} sources have gone silent`}>
              <BlockStack gap="100">
                {alerts.map((s) => (
                  <p key={s.source}>{`${sourceName(s.source)}: ${s.alert!.message}`}</p>
                ))}
              </BlockStack>
            </Banner>
          </Layout.Section>
        )}
        {holds.deliveries > 0 && (
          <Layout.Section>
            <Banner tone="warning" title={holds.fulfillmentOrders === 1 ? "1 fulfillment hold is waiting for its order" : `${holds.fulfillmentOrders} fulfillment holds are waiting for their orders`}>
              <BlockStack gap="100">
                <p>
                  {`Shopify's hold notifications name a fulfillment order, not the order. Until the app learns which order it belongs to, the hold is kept but not shown on the order (oldest received ${formatDateTime(holds.oldestReceivedAt!)}).`}
                </p>
                <p>
                  {holds.canAskShopify
                    ? "The app asks Shopify every minute at first, then less often the longer a hold waits; a hold on a fulfillment order Shopify no longer returns is dropped after 30 days."
                    : demo
                      ? "The demo store has no Admin API to ask, so this hold stays waiting: it shows what a merchant sees until the app learns the order."
                      : "The app cannot ask Shopify yet: it has no access to this store's Admin API. Open the app from the Shopify admin to grant it."}
                </p>
              </BlockStack>
            </Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Sources
            </Text>
            <InlineGrid columns={{ xs: 1, sm: 2, md: Math.min(Math.max(sources.length, 2), 4) }} gap="300">
              {sources.map((s) => (
                <SourceHealthCard key={s.source} health={s} now={at} />
              ))}
            </InlineGrid>
            {reconciliation && <ReconciliationCard status={reconciliation} />}
            {backfill && <BackfillCard progress={backfill} />}
          </BlockStack>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Sync lag (p95 per day, last 14 days)
              </Text>
              <Text as="p" tone="subdued">
                Time from when something happened to when this app heard of it.
              </Text>
              <LagChart points={lagSeries} sources={sources.filter((s) => s.eventCount > 0).map((s) => s.source)} />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  {`Open discrepancies (${openTotal.toLocaleString("en")})`}
                </Text>
                <OpenDiscrepanciesChart points={openSeries} />
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Open by kind
                </Text>
                {openTotal === 0 ? (
                  <Text as="p" tone="subdued">
                    No open discrepancies: every source agrees with Shopify.
                  </Text>
                ) : (
                  <BlockStack gap="150">
                    {DISCREPANCY_CODE_LIST.filter((code) => openByCode[code]).map((code) => (
                      <InlineStack key={code} align="space-between" blockAlign="center">
                        <RemixLink to={`/app/discrepancies?code=${code}`}>{discrepancyLabel(code)}</RemixLink>
                        <Badge tone="warning">{openByCode[code]!.toLocaleString("en")}</Badge>
                      </InlineStack>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                {`Orders by status (${total.toLocaleString("en")})`}
              </Text>
              <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
                {Object.entries(byStatus)
                  .sort((a, b) => b[1] - a[1])
                  .map(([status, count]) => (
                    <BlockStack key={status} gap="100">
                      <Badge tone={statusTone(status)}>{statusLabel(status)}</Badge>
                      <Text as="p" variant="headingLg">
                        {count.toLocaleString("en")}
                      </Text>
                    </BlockStack>
                  ))}
              </InlineGrid>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Overview" />;
}
