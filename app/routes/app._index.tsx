import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { formatRelative, statusLabel, statusTone } from "../format";
import { countOrdersByStatus } from "../store/order-queries.server";
import { sourceActivity } from "../store/source-activity.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const db = getPrisma();
  const [byStatus, sources] = await Promise.all([countOrdersByStatus(db, shop), sourceActivity(db, shop)]);
  return json({ byStatus, sources, now: new Date().toISOString() });
}

export default function Overview() {
  const { byStatus, sources, now } = useLoaderData<typeof loader>();
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return (
    <Page title="Overview">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Sources
              </Text>
              {sources.length === 0 ? (
                <Text as="p" tone="subdued">
                  Nothing received yet. Events appear here as soon as Shopify sends the first order webhook.
                </Text>
              ) : (
                <InlineGrid columns={{ xs: 1, md: 4 }} gap="300">
                  {sources.map((s) => (
                    <Card key={s.source} background="bg-surface-secondary">
                      <BlockStack gap="100">
                        <Text as="h3" variant="headingSm">
                          {s.source}
                        </Text>
                        <Text as="p">{s.events.toLocaleString("en")} events</Text>
                        <Text as="p" tone="subdued">
                          Last event {formatRelative(s.lastReceivedAt, new Date(now))}
                        </Text>
                      </BlockStack>
                    </Card>
                  ))}
                </InlineGrid>
              )}
            </BlockStack>
          </Card>
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
