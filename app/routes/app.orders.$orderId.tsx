import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, DataTable, InlineStack, Layout, Link, Page, ProgressBar, Text } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { SHIPMENT_PROGRESS, formatDateTime, formatDuration, statusLabel, statusTone } from "../format";
import { getOrder, getOrderTimeline, getSourceClaims, readDocument } from "../store/order-queries.server";


export async function loader({ request, params }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const orderId = params.orderId ?? "";
  const db = getPrisma();
  const order = /^\d+$/.test(orderId) ? await getOrder(db, shop, orderId) : null;
  if (!order) throw new Response("Order not found", { status: 404 });
  const [timeline, sources] = await Promise.all([getOrderTimeline(db, shop, orderId), getSourceClaims(db, shop, orderId)]);
  const adminUrl = `https://admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}/orders/${orderId}`;
  return json({ document: readDocument(order.document, new Date()), timeline, sources, adminUrl });
}

export default function OrderDetail() {
  const { document, timeline, sources, adminUrl } = useLoaderData<typeof loader>();
  return (
    <Page
      backAction={{ content: "Orders", url: "/app/orders" }}
      title={document.name}
      titleMetadata={<Badge tone={statusTone(document.status)}>{statusLabel(document.status)}</Badge>}
      secondaryActions={[{ content: "Open in Shopify admin", url: adminUrl, external: true }]}
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Status
                </Text>
                <Text as="p">
                  {`${document.items.shipped} of ${document.items.total} units shipped, ${document.items.delivered} delivered.`}
                </Text>
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
              </BlockStack>
            </Card>
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
                  <Text as="p">
                    {`${shipment.carrier ?? "Carrier unknown"} · ${shipment.trackingNumbers.join(", ") || "no tracking number"}`}
                  </Text>
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
                  rows={timeline.map((e) => [formatDateTime(e.occurredAt), e.source, statusLabel(e.kind), formatDuration(e.lagMs)])}
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
                    {s.source}
                  </Text>
                  <Text as="p">{s.claim}</Text>
                  <Text as="p" tone="subdued">
                    {`as of ${formatDateTime(s.occurredAt)}`}
                  </Text>
                </BlockStack>
              ))}
              {document.statusPageUrl && (
                <Link url={document.statusPageUrl} external>
                  Customer's order status page
                </Link>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
