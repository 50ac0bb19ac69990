import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, DataTable, DropZone, InlineStack, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { useCallback, useState } from "react";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { formatDateTime } from "../format";
import { feedsAction, feedsPageData } from "../sources/feeds-page.server";
import type { ThreePlImportResult } from "../sources/three-pl/import.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  return json(await feedsPageData(getPrisma(), shop));
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireAdmin(request);
  const { status, body } = await feedsAction(getPrisma(), admin, await request.formData());
  return json(body, { status });
}

type Upload =
  | { state: "idle" }
  | { state: "uploading"; name: string; progress: number }
  | { state: "importing"; name: string }
  | { state: "done"; name: string; result: ThreePlImportResult }
  | { state: "failed"; name: string; error: string };

/** In the Shopify admin, requests carry App Bridge's session token; the demo has none. */
async function sessionToken(): Promise<string | null> {
  const bridge = (window as { shopify?: { idToken?: () => Promise<string> } }).shopify;
  return bridge?.idToken ? bridge.idToken() : null;
}

function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<{ status: number; body: unknown }> {
  return sessionToken().then(
    (token) =>
      new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", "/app/feeds/upload");
        xhr.setRequestHeader("Content-Type", "text/csv");
        xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
        if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
        xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
        xhr.onload = () => {
          try {
            resolve({ status: xhr.status, body: JSON.parse(xhr.responseText) });
          } catch {
            resolve({ status: xhr.status, body: { error: `the server answered ${xhr.status}` } });
          }
        };
        xhr.onerror = () => reject(new Error("the upload was interrupted"));
        xhr.send(file);
      }),
  );
}

export default function Feeds() {
  const { imports, waiting } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const [upload, setUpload] = useState<Upload>({ state: "idle" });

  const onDrop = useCallback(
    (_all: File[], accepted: File[], rejected: File[]) => {
      const file = accepted[0] ?? rejected[0];
      if (!file) return;
      setUpload({ state: "uploading", name: file.name, progress: 0 });
      uploadFile(file, (progress) => setUpload(progress >= 1 ? { state: "importing", name: file.name } : { state: "uploading", name: file.name, progress }))
        .then(({ status, body }) => {
          const answer = body as ThreePlImportResult & { error?: string };
          setUpload(status >= 400 && answer.error ? { state: "failed", name: file.name, error: answer.error } : { state: "done", name: file.name, result: answer });
          revalidator.revalidate();
        })
        .catch((error: Error) => setUpload({ state: "failed", name: file.name, error: error.message }));
    },
    [revalidator],
  );

  const busy = upload.state === "uploading" || upload.state === "importing";
  return (
    <Page title="Feeds" subtitle="3PL shipment files and carrier updates">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Upload a 3PL shipment file
              </Text>
              <DropZone accept=".csv,text/csv,text/plain" type="file" allowMultiple={false} onDrop={onDrop} disabled={busy} label="CSV file" labelHidden>
                <DropZone.FileUpload actionTitle="Add a CSV file" actionHint="One row per shipped line: order, sku, quantity, carrier, tracking_number, shipped_at" />
              </DropZone>
              {busy && (
                <BlockStack gap="200">
                  <Text as="p">{upload.state === "uploading" ? `Uploading ${upload.name}…` : `Importing ${upload.name}…`}</Text>
                  <ProgressBar progress={upload.state === "uploading" ? Math.round(upload.progress * 100) : 100} animated={upload.state === "importing"} />
                </BlockStack>
              )}
              {upload.state === "failed" && (
                <Banner tone="critical" title={`${upload.name} was not imported`}>
                  <p>{upload.error}</p>
                </Banner>
              )}
              {upload.state === "done" && <ImportResult name={upload.name} result={upload.result} />}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            <div style={{ padding: 16 }}>
              <InlineStack gap="300" blockAlign="center">
                <Text as="h2" variant="headingMd">
                  Recent imports
                </Text>
                {waiting.threePl + waiting.carrier > 0 && (
                  <Badge tone="attention">{`Waiting for a match: ${waiting.threePl} 3PL parcel(s), ${waiting.carrier} carrier update(s)`}</Badge>
                )}
              </InlineStack>
            </div>
            {imports.length === 0 ? (
              <div style={{ padding: 16 }}>
                <Text as="p" tone="subdued">
                  Nothing imported yet.
                </Text>
              </div>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "numeric", "numeric", "numeric", "numeric"]}
                headings={["Received", "Feed", "File", "Accepted", "Duplicates", "Waiting", "Rejected"]}
                rows={imports.map((i) => [
                  formatDateTime(i.receivedAt),
                  `${i.feed === "3pl" ? "3PL" : "Carrier"} · ${i.via}`,
                  i.fileName ?? "—",
                  i.accepted,
                  i.duplicates,
                  i.pending,
                  i.rejected === 0 && i.accepted + i.duplicates === 0 && i.rejections[0]?.error ? `refused: ${i.rejections[0].error}` : i.rejected,
                ])}
              />
            )}
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Sending feeds by HTTP
              </Text>
              <Text as="p">With an API key from Settings:</Text>
              <pre style={{ whiteSpace: "pre-wrap", margin: 0 }}>
                {`curl -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: text/csv" --data-binary @shipments.csv <app>/api/v1/feeds/3pl
curl -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\
  -d '{"tracking_number":"1Z999AA10123456784","status":"OutForDelivery","happened_at":"2026-03-05T08:00:00Z"}' <app>/api/v1/feeds/carrier`}
              </pre>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

function ImportResult({ name, result }: { name: string; result: ThreePlImportResult }) {
  const tone = result.rejectedCount > 0 ? "warning" : "success";
  return (
    <BlockStack gap="300">
      <Banner tone={tone} title={`${name}: ${result.accepted} row(s) accepted, ${result.duplicates} already known, ${result.rejectedCount} rejected`}>
        {result.pending > 0 && <p>{`${result.pending} row(s) name orders not seen yet; they are kept and matched when the orders arrive.`}</p>}
      </Banner>
      {result.rejected.length > 0 && (
        <DataTable columnContentTypes={["numeric", "text"]} headings={["Line", "Why it was rejected"]} rows={result.rejected.map((r) => [r.line, r.error])} />
      )}
    </BlockStack>
  );
}
