import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, DataTable, InlineStack, Layout, Link, Page, ProgressBar, Text } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { discrepancyLabel, sourceName } from "../components/dashboard/discrepancy-labels";
import { PageLoading } from "../components/PageLoading";
import { RecheckWithShopify } from "../components/RecheckWithShopify";
import { RouteError } from "../components/RouteError";
import { getPrisma } from "../db.server";
import { SHIPMENT_PROGRESS, formatDateTime, formatDuration, statusLabel, statusTone } from "../format";
import { orderDetail } from "../store/discrepancies-order.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const detail = await orderDetail(getPrisma(), shop, params.orderId ?? "", new Date());
  if (!detail) throw new Response("Order not found", { status: 404 });
  return json({ ...detail, orderId: params.orderId ?? "" });
}

export default function OrderDetail() {
  const { document, timeline, sources, discrepancies, adminUrl, now, orderId } = useLoaderData<typeof loader>();
  const at = new Date(now);
  const decisive = timeline.filter((e) => e.decisive);
  const open = discrepancies.filter((d) => d.state === "open");
  const past = discrepancies.filter((d) => d.state === "cleared");
  return (
    <Page
      backAction={{ content: "Orders", url: "/app/orders" }}
      title={document.name}
      titleMetadata={<Badge tone={statusTone(document.status)}>{statusLabel(document.status)}</Badge>}
      secondaryActions={[{ content: "Open in Shopify admin", url: adminUrl, external: true }]}
    >
      <PageLoading />
      <Layout>
        <Layout.Section>
          <RecheckWithShopify orderId={orderId} />
        </Layout.Section>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Status
                </Text>
                <Text as="p">{`${document.items.shipped} of ${document.items.total} units shipped, ${document.items.delivered} delivered.`}</Text>
                {document.attention.length > 0 && (
                  <InlineStack gap="100">
                    {document.attention.map((flag) => (
                      <Badge key={flag} tone="warning">
                        {statusLabel(flag)}
                      </Badge>
                    ))}
                  </InlineStack>
                )}
                <Text as="p" tone="subdued">
                  {`Estimated delivery: ${formatDateTime(document.estimatedDeliveryAt)} · Delivered: ${formatDateTime(document.deliveredAt)}`}
                </Text>
                <Text as="h3" variant="headingSm">
                  {`Why "${statusLabel(document.status)}"`}
                </Text>
                {decisive.length === 0 ? (
                  <Text as="p" tone="subdued">
                    No single event decided it.
                  </Text>
                ) : (
                  <BlockStack gap="100">
                    {decisive.map((e) => (
                      <Text as="p" key={e.dedupeKey}>
                        {`${sourceName(e.source)}, ${formatDateTime(e.occurredAt)}: ${e.summary}`}
                      </Text>
                    ))}
                  </BlockStack>
                )}
              </BlockStack>
            </Card>
            {(open.length > 0 || past.length > 0) && (
              <Card>
                <BlockStack gap="300">
                  <Text as="h2" variant="headingMd">
                    {`Discrepancies (${open.length} open)`}
                  </Text>
                  {[...open, ...past].map((d) => (
                    <BlockStack key={d.id} gap="100">
                      <InlineStack gap="200" blockAlign="center">
                        <Badge tone={d.state === "open" ? "warning" : undefined}>{discrepancyLabel(d.code)}</Badge>
                        <Text as="span" tone="subdued">
                          {d.state === "open"
                            ? `open for ${formatDuration(at.getTime() - new Date(d.since).getTime())}, since ${formatDateTime(d.since)}`
                            : `cleared ${formatDateTime(d.clearedAt)} after ${formatDuration(new Date(d.clearedAt!).getTime() - new Date(d.since).getTime())}`}
                        </Text>
                      </InlineStack>
                      <Text as="p">{d.detail}</Text>
                      {d.evidence.map((ev, i) => (
                        <Text as="p" key={i} tone="subdued" variant="bodySm">
                          {`${sourceName(ev.source)} said "${ev.said}" at ${formatDateTime(ev.at)}${ev.receivedAt ? `, received ${formatDuration(new Date(ev.receivedAt).getTime() - new Date(ev.at).getTime())} later` : ""}`}
                        </Text>
                      ))}
                    </BlockStack>
                  ))}
                </BlockStack>
              </Card>
            )}
            {document.shipments.map((shipment, index) => (
              <Card key={shipment.id}>
                <BlockStack gap="200">
                  <InlineStack gap="200" blockAlign="center">
                    <Text as="h3" variant="headingSm">
                      {`Shipment ${index + 1}`}
                    </Text>
                    <Badge tone={statusTone(shipment.status)}>{statusLabel(shipment.status)}</Badge>
                  </InlineStack>
                  <ProgressBar progress={SHIPMENT_PROGRESS[shipment.status] ?? 0} size="small" animated={false} />
                  <Text as="p">{`${shipment.carrier ?? "Carrier unknown"} · ${shipment.trackingNumbers.join(", ") || "no tracking number"}`}</Text>
                  <Text as="p" tone="subdued">
                    {shipment.items.map((item) => `${item.quantity} × ${item.title}`).join(", ")}
                  </Text>
                  {shipment.lastEvent && (
                    <Text as="p" tone="subdued">
                      {`Latest: ${statusLabel(shipment.lastEvent.status)} ${formatDateTime(shipment.lastEvent.happenedAt)}${shipment.lastEvent.message ? ` — ${shipment.lastEvent.message}` : ""}`}
                    </Text>
                  )}
                </BlockStack>
              </Card>
            ))}
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Timeline
                </Text>
                <DataTable
                  columnContentTypes={["text", "text", "text", "text"]}
                  headings={["Happened", "Source", "Event", "Arrived after"]}
                  rows={timeline.map((e) => [
                    formatDateTime(e.occurredAt),
                    sourceName(e.source),
                    e.decisive ? <strong key="s">{`${e.summary} (decides the status)`}</strong> : e.summary,
                    formatDuration(e.lagMs),
                  ])}
                />
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                What each source says
              </Text>
              {sources.map((s) => (
                <BlockStack key={s.source} gap="050">
                  <Text as="h3" variant="headingSm">
                    {sourceName(s.source)}
                  </Text>
                  <Text as="p">{s.claim}</Text>
                  <Text as="p" tone="subdued">
                    {`as of ${formatDateTime(s.occurredAt)}, received ${formatDuration(new Date(s.receivedAt).getTime() - new Date(s.occurredAt).getTime())} later`}
                  </Text>
                </BlockStack>
              ))}
              {document.statusPageUrl && (
                <Link url={document.statusPageUrl} external>
                  Customer's order status page
                </Link>
              )}
              <Link url={adminUrl} external>
                This order in the Shopify admin
              </Link>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Order" />;
}
