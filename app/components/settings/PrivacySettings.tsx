import { useFetcher, useRevalidator } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { RAW_PAYLOAD_RETENTION_DAYS } from "../../domain/privacy-settings";
import { formatDateTime } from "../../format";
import type { PrivacySettingsResult } from "../../routes/app.privacy.settings";
import type { ComplianceRequestRow, PrivacySection } from "../../store/privacy.server";

const TOPICS: Record<string, string> = {
  "customers/data_request": "Customer data request",
  "customers/redact": "Customer erasure",
  "shop/redact": "Shop erasure",
};

function stateText(request: ComplianceRequestRow): string {
  if (request.state === "completed") {
    return request.exportedAt ? `Exported ${formatDateTime(request.exportedAt)}` : `Completed ${formatDateTime(request.completedAt)}`;
  }
  if (request.state === "failed") return `Failed (${request.attempts} ${request.attempts === 1 ? "attempt" : "attempts"}): ${request.lastError}. Shopify sends it again.`;
  return request.downloadable ? "Pending: download the export and send it to the customer" : "Pending";
}

/** Settings section: raw payload retention, the shop's GDPR requests with their exports, and orders without an email. */
export function PrivacySettings({ privacy }: { privacy: PrivacySection }) {
  const fetcher = useFetcher<PrivacySettingsResult>();
  const revalidator = useRevalidator();
  const [days, setDays] = useState(String(privacy.settings.rawPayloadRetentionDays));
  const [downloading, setDownloading] = useState<number | null>(null);
  const [downloadFailed, setDownloadFailed] = useState(false);
  const { recentOrders } = privacy;

  // fetch, not a link: inside the Shopify admin, App Bridge adds the session token to fetch only.
  const download = async (request: ComplianceRequestRow) => {
    setDownloading(request.id);
    setDownloadFailed(false);
    try {
      const response = await fetch(`/app/privacy/export/${request.id}`);
      if (!response.ok) throw new Error(`export answered ${response.status}`);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "data-request.json";
      link.click();
      // Some browsers start reading the file only after this turn; revoking at once cancels it.
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      revalidator.revalidate();
    } catch {
      setDownloadFailed(true);
    } finally {
      setDownloading(null);
    }
  };

  return (
    <Layout.AnnotatedSection
      title="Privacy"
      description="What the app keeps about your customers and for how long, and the GDPR requests Shopify sent for this store. Emails and phone numbers are kept only as hashes."
    >
      <BlockStack gap="400">
        {recentOrders.withoutEmail > 0 && (
          <Banner tone="warning" title={`${recentOrders.withoutEmail} of ${recentOrders.total} orders of the last ${recentOrders.days} days came without an email`}>
            <p>
              Guest lookups by order number and email cannot find these orders. If most orders come without one, the app has not been granted the email field
              (Shopify&apos;s protected customer data, level 2): until it is, only signed-in customers find their orders, by their customer account.
            </p>
          </Banner>
        )}
        <Card>
          <fetcher.Form method="post" action="/app/privacy/settings">
            <BlockStack gap="300">
              {fetcher.state === "idle" && fetcher.data?.error && <Banner tone="critical">{fetcher.data.error}</Banner>}
              {fetcher.state === "idle" && fetcher.data?.settings && <Banner tone="success">Privacy settings saved.</Banner>}
              <InlineStack gap="300" blockAlign="end">
                <TextField
                  label="Keep raw payloads for (days)"
                  name="rawPayloadRetentionDays"
                  type="number"
                  min={RAW_PAYLOAD_RETENTION_DAYS.min}
                  max={RAW_PAYLOAD_RETENTION_DAYS.max}
                  value={days}
                  onChange={setDays}
                  autoComplete="off"
                  helpText={`Each webhook and feed row is kept as received for this long, then only what the status needs stays. ${RAW_PAYLOAD_RETENTION_DAYS.min}–${RAW_PAYLOAD_RETENTION_DAYS.max}, default ${RAW_PAYLOAD_RETENTION_DAYS.default}.`}
                />
                <Button submit loading={fetcher.state !== "idle"}>
                  Save
                </Button>
              </InlineStack>
            </BlockStack>
          </fetcher.Form>
        </Card>
        {downloadFailed && (
          <Banner tone="critical" title="The export did not download" onDismiss={() => setDownloadFailed(false)}>
            <p>Nothing was marked as exported. Try again in a moment.</p>
          </Banner>
        )}
        <Card padding="0">
          {privacy.requests.length === 0 ? (
            <div style={{ padding: 16 }}>
              <Text as="p" tone="subdued">
                No GDPR requests from Shopify for this store.
              </Text>
            </div>
          ) : (
            <DataTable
              columnContentTypes={["text", "text", "text", "text"]}
              headings={["Request", "Received", "State", ""]}
              rows={privacy.requests.map((request) => [
                TOPICS[request.topic] ?? request.topic,
                formatDateTime(request.receivedAt),
                stateText(request),
                request.downloadable ? (
                  <Button key={request.id} variant="plain" loading={downloading === request.id} onClick={() => void download(request)}>
                    Download
                  </Button>
                ) : (
                  ""
                ),
              ])}
            />
          )}
        </Card>
      </BlockStack>
    </Layout.AnnotatedSection>
  );
}
