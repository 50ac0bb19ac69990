import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Badge, BlockStack, Card, DataTable, EmptyState, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { formatDateTime } from "../format";
import { saveBotAnswerSettingsFromForm } from "../support/bot-answer-settings.server";
import { botAnswerReport } from "../support/bot-answers.server";

const STALE_SHOWN = 200;

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const report = await botAnswerReport(getPrisma(), shop, new Date());
  return json({ ...report, stale: report.stale.slice(0, STALE_SHOWN), staleTotal: report.stale.length });
}

/** The stale-answer window is set from the Settings page's "Bot answers" section, which posts here. */
export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  return saveBotAnswerSettingsFromForm(getPrisma(), shop, await request.formData());
}

const STAGE_LABELS: Record<string, string> = {
  approved: "Approved",
  processing: "Processing",
  pending_shipment: "Pending shipment",
  shipped: "Shipped",
  in_transit: "In transit",
  delivered: "Delivered",
  canceled: "Canceled",
};

function Said({ stage, action, message }: { stage: string; action: string; message: string }) {
  return (
    <BlockStack gap="100">
      <InlineStack gap="100">
        <Badge>{STAGE_LABELS[stage] ?? stage}</Badge>
        {action === "escalate" && <Badge tone="warning">Escalate</Badge>}
      </InlineStack>
      <div style={{ whiteSpace: "normal", maxWidth: 360 }}>
        <Text as="p" variant="bodySm">
          {message}
        </Text>
      </div>
    </BlockStack>
  );
}

export default function BotAnswers() {
  const { windowHours, answers, byIntegration, stale, staleTotal } = useLoaderData<typeof loader>();
  return (
    <Page title="Bot answers" subtitle={`What support bots and helpdesks were told in the last ${windowHours} h, and which answers the truth has overtaken`}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                By integration
              </Text>
              {byIntegration.length === 0 ? (
                <Text as="p" tone="subdued">
                  No answers served in this window. Connect a helpdesk with an API key (Settings) to the WISMO endpoints or the MCP server.
                </Text>
              ) : (
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric"]}
                  headings={["Integration", "Answers", "Now out of date"]}
                  rows={byIntegration.map((c) => [c.integration, c.answers.toLocaleString("en"), c.stale.toLocaleString("en")])}
                  totals={["", answers.toLocaleString("en"), staleTotal.toLocaleString("en")]}
                  showTotalsInFooter
                />
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {stale.length === 0 ? (
              <EmptyState heading="No customer holds an out-of-date answer" image="">
                <p>When an order changes after a bot told the customer something else, it shows up here: a customer was told X, the truth is now Y.</p>
              </EmptyState>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "text"]}
                headings={["Order", "A customer was told", "Truth is now", "Told by"]}
                rows={stale.map((s) => [
                  s.told.orderName,
                  <Said key="told" stage={s.told.stage} action={s.told.action} message={s.told.message} />,
                  <Said key="truth" stage={s.truth.stage} action={s.truth.action} message={s.truth.message} />,
                  `${s.told.integration} (${s.told.channel === "mcp" ? "MCP" : "API"}), ${formatDateTime(s.told.answeredAt)}`,
                ])}
                verticalAlign="top"
              />
            )}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
