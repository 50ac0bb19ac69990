import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, DropZone, InlineStack, Layout, Page, ProgressBar, Text } from "@shopify/polaris";
import { useCallback, useState } from "react";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { formatDateTime } from "../format";
import { feedsAction, feedsPageData } from "../sources/feeds-page.server";
import type { ThreePlImportResult, ThreePlPreview } from "../sources/three-pl/import.server";
import { DATE_FORMAT_LABELS, presetById } from "../domain/three-pl-format";

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
  | { state: "reading"; name: string }
  | { state: "preview"; file: File; preview: ThreePlPreview }
  | { state: "importing"; name: string }
  | { state: "done"; name: string; result: ThreePlImportResult }
  | { state: "failed"; name: string; error: string };

/** In the Shopify admin, requests carry App Bridge's session token; the demo has none. */
async function sessionToken(): Promise<string | null> {
  const bridge = (window as { shopify?: { idToken?: () => Promise<string> } }).shopify;
  return bridge?.idToken ? bridge.idToken() : null;
}

/** A preview (dryRun), or the import of the file a preview showed (its previewHash). */
function uploadFile(file: File, query: string, onProgress: (fraction: number) => void): Promise<{ status: number; body: unknown }> {
  return sessionToken().then(
    (token) =>
      new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", `/app/feeds/upload?${query}`);
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
  const { imports, waiting, headerRow, packageRows } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const [upload, setUpload] = useState<Upload>({ state: "idle" });

  // First a dry run: the merchant sees how the file will be read and confirms before anything is stored.
  const onDrop = useCallback((_all: File[], accepted: File[], rejected: File[]) => {
    const file = accepted[0] ?? rejected[0];
    if (!file) return;
    setUpload({ state: "uploading", name: file.name, progress: 0 });
    uploadFile(file, "dryRun=1", (progress) => setUpload(progress >= 1 ? { state: "reading", name: file.name } : { state: "uploading", name: file.name, progress }))
      .then(({ status, body }) => {
        const answer = body as ThreePlPreview & { error?: string };
        setUpload(status >= 400 && answer.error ? { state: "failed", name: file.name, error: answer.error } : { state: "preview", file, preview: answer });
      })
      .catch((error: Error) => setUpload({ state: "failed", name: file.name, error: error.message }));
  }, []);

  const confirm = useCallback(
    (file: File, preview: ThreePlPreview) => {
      setUpload({ state: "importing", name: file.name });
      uploadFile(file, new URLSearchParams({ previewHash: preview.previewHash }).toString(), () => undefined)
        .then(({ status, body }) => {
          const answer = body as ThreePlImportResult & { error?: string };
          setUpload(status >= 400 && answer.error ? { state: "failed", name: file.name, error: answer.error } : { state: "done", name: file.name, result: answer });
          revalidator.revalidate();
        })
        .catch((error: Error) => setUpload({ state: "failed", name: file.name, error: error.message }));
    },
    [revalidator],
  );

  const busy = upload.state === "uploading" || upload.state === "reading" || upload.state === "importing";
  return (
    <Page title="Feeds" subtitle="3PL shipment files and carrier updates">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              <Text as="h2" variant="headingMd">
                Upload a 3PL shipment file
              </Text>
              <DropZone
                accept=".csv,.tsv,.txt,.xlsx,text/csv,text/plain,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                type="file"
                allowMultiple={false}
                onDrop={onDrop}
                disabled={busy || upload.state === "preview"}
                label="CSV file"
                labelHidden
              >
                <DropZone.FileUpload
                  actionTitle="Add a CSV, tab-separated or .xlsx file"
                  actionHint={`${packageRows ? "One row per package" : "One row per shipped line"}: ${headerRow}. Known layouts are recognised by their header row.`}
                />
              </DropZone>
              {busy && (
                <BlockStack gap="200">
                  <Text as="p">{upload.state === "uploading" ? `Uploading ${upload.name}…` : upload.state === "reading" ? `Reading ${upload.name}…` : `Importing ${upload.name}…`}</Text>
                  <ProgressBar progress={upload.state === "uploading" ? Math.round(upload.progress * 100) : 100} animated={upload.state !== "uploading"} />
                </BlockStack>
              )}
              {upload.state === "preview" && (
                <PreviewResult name={upload.file.name} preview={upload.preview} onConfirm={() => confirm(upload.file, upload.preview)} onCancel={() => setUpload({ state: "idle" })} />
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
            <RejectedRows imports={imports} />
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
# add ?dryRun=1 to see how the file would be read without storing it
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

type ImportRow = ReturnType<typeof useLoaderData<typeof loader>>["imports"][number];

/**
 * Why rows of recent imports were rejected, file by file: an unattended nightly file (SFTP, HTTP) has
 * no preview, and a count alone does not say what to fix. Up to 50 reasons are kept per import.
 */
function RejectedRows({ imports }: { imports: readonly ImportRow[] }) {
  const withReasons = imports.filter((i) => i.rejected > 0 && i.rejections.some((r) => r.error));
  if (withReasons.length === 0) return null;
  return (
    <div style={{ padding: 16 }}>
      <BlockStack gap="300">
        <Text as="h3" variant="headingSm">
          Rejected rows
        </Text>
        {withReasons.map((i) => (
          <BlockStack gap="100" key={`${i.receivedAt}-${i.fileName ?? ""}-${i.via}`}>
            <Text as="p" fontWeight="semibold">{`${i.fileName ?? `${i.feed === "3pl" ? "3PL" : "Carrier"} by ${i.via}`}, ${formatDateTime(i.receivedAt)}`}</Text>
            <ul style={{ margin: 0, paddingInlineStart: 20 }}>
              {i.rejections
                .filter((r) => r.error)
                .map((r) => (
                  <li key={`${r.line}-${r.error}`}>
                    <Text as="span">{r.line > 0 ? `Line ${r.line}: ${r.error}` : r.error}</Text>
                  </li>
                ))}
            </ul>
            {i.rejected > i.rejections.length && <Text as="p" tone="subdued">{`and ${i.rejected - i.rejections.length} more`}</Text>}
          </BlockStack>
        ))}
      </BlockStack>
    </div>
  );
}

const DELIMITER_NAMES: Record<string, string> = { ",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars" };

function PreviewResult({ name, preview, onConfirm, onCancel }: { name: string; preview: ThreePlPreview; onConfirm: () => void; onCancel: () => void }) {
  const { file } = preview;
  const rows = preview.rowsForKnownOrders + preview.rowsWaiting;
  const layout = presetById(file.preset)?.label ?? "your column mapping";
  return (
    <BlockStack gap="300">
      <Banner tone={preview.rejectedCount > 0 ? "warning" : "info"} title={`Preview of ${name}: nothing is stored until you import`}>
        <p>{`${file.sheet !== null ? `Read from the sheet "${file.sheet}" of the workbook` : `Read as ${file.encoding} (${file.encodingFrom}), fields separated by ${DELIMITER_NAMES[file.delimiter] ?? file.delimiter}`}, in ${layout}${file.packageRows ? " (one row per package)" : ""}; dates ${DATE_FORMAT_LABELS[file.dateFormat]}, times on the ${file.timeZone} clock.`}</p>
        {file.notes.map((note) => (
          <p key={note}>{note}</p>
        ))}
        <p>{`${rows} row(s) to import: ${preview.rowsForKnownOrders} for orders the app knows, ${preview.rowsWaiting} waiting for orders not seen yet (kept 30 days). ${preview.rejectedCount} row(s) will be rejected.`}</p>
      </Banner>
      {preview.parcels.length > 0 && (
        <DataTable
          columnContentTypes={["text", "text", "text", "text", "text", "text"]}
          headings={["Lines", "Order", "Tracking numbers", "Carrier", "Shipped (warehouse clock)", "Units"]}
          rows={preview.parcels.map((p) => [
            p.lines.join(", "),
            p.orderKnown ? p.order : `${p.order} (waiting)`,
            p.trackingNumbers.join(", ") || "—",
            p.carrier ?? "—",
            p.shippedAtLocal,
            p.units === null ? "what is unshipped" : p.skus.join(", "),
          ])}
        />
      )}
      {preview.rejected.length > 0 && (
        <DataTable columnContentTypes={["numeric", "text"]} headings={["Line", "Why it will be rejected"]} rows={preview.rejected.map((r) => [r.line, r.error])} />
      )}
      <InlineStack gap="200">
        <Button variant="primary" onClick={onConfirm} disabled={rows === 0}>
          {`Import ${rows} row(s)`}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </InlineStack>
    </BlockStack>
  );
}

function ImportResult({ name, result }: { name: string; result: ThreePlImportResult }) {
  const tone = result.rejectedCount > 0 ? "warning" : "success";
  return (
    <BlockStack gap="300">
      <Banner tone={tone} title={`${name}: ${result.accepted} row(s) accepted, ${result.pending} waiting, ${result.duplicates} already known, ${result.rejectedCount} rejected`}>
        {result.pending > 0 && (
          <p>{`${result.pending} row(s) name orders the app has not seen yet. They are kept for 30 days and recorded if their orders arrive; otherwise they are dropped.`}</p>
        )}
      </Banner>
      {result.rejected.length > 0 && (
        <DataTable columnContentTypes={["numeric", "text"]} headings={["Line", "Why it was rejected"]} rows={result.rejected.map((r) => [r.line, r.error])} />
      )}
    </BlockStack>
  );
}
