import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { THREE_PL_FIELDS, THREE_PL_FIELD_LABELS } from "../../domain/three-pl-columns";
import { formatDateTime } from "../../format";
import type { SettingsSaveResult, ThreePlSettingsView } from "../../sources/three-pl/feed-settings.server";

/**
 * Settings sections for the 3PL feed: the columns of the shop's files and the scheduled SFTP pickup.
 * Both save through the Feeds page's action, so the Settings route only renders them.
 */
export function ThreePlFeedSettings({ settings }: { settings: ThreePlSettingsView }) {
  return (
    <>
      <ColumnMappingSection mapping={settings.mapping} />
      <SftpSection sftp={settings.sftp} />
    </>
  );
}

function SavedBanner({ fetcher, what }: { fetcher: ReturnType<typeof useFetcher<SettingsSaveResult>>; what: string }) {
  if (fetcher.state !== "idle" || !fetcher.data) return null;
  if (fetcher.data.ok) return <Banner tone="success">{`${what} saved.`}</Banner>;
  return (
    <Banner tone="critical" title="Nothing was saved">
      <p>{Object.values(fetcher.data.errors).join(" ")}</p>
    </Banner>
  );
}

function ColumnMappingSection({ mapping }: { mapping: ThreePlSettingsView["mapping"] }) {
  const fetcher = useFetcher<SettingsSaveResult>();
  const [values, setValues] = useState<Record<string, string>>({ ...mapping });
  return (
    <Layout.AnnotatedSection
      title="3PL file columns"
      description="The header your warehouse uses for each column. Files are matched by header, in any column order; carrier and tracking number may be missing."
    >
      <Card>
        <fetcher.Form method="post" action="/app/feeds">
          <input type="hidden" name="intent" value="save-columns" />
          <BlockStack gap="400">
            <SavedBanner fetcher={fetcher} what="Column mapping" />
            <FormLayout>
              <FormLayout.Group condensed>
                {THREE_PL_FIELDS.map((field) => (
                  <TextField
                    key={field}
                    label={THREE_PL_FIELD_LABELS[field]}
                    name={field}
                    value={values[field] ?? ""}
                    onChange={(value) => setValues((v) => ({ ...v, [field]: value }))}
                    autoComplete="off"
                  />
                ))}
              </FormLayout.Group>
            </FormLayout>
            <Text as="p" tone="subdued">
              {`A file must start with a header row such as: ${THREE_PL_FIELDS.map((f) => values[f] || f).join(",")}`}
            </Text>
            <InlineStack>
              <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                Save columns
              </Button>
            </InlineStack>
          </BlockStack>
        </fetcher.Form>
      </Card>
    </Layout.AnnotatedSection>
  );
}

function SftpSection({ sftp }: { sftp: ThreePlSettingsView["sftp"] }) {
  const fetcher = useFetcher<SettingsSaveResult>();
  const [enabled, setEnabled] = useState(sftp.enabled);
  const [values, setValues] = useState<Record<string, string>>({
    host: sftp.host,
    port: String(sftp.port),
    username: sftp.username,
    password: "",
    privateKey: "",
    folder: sftp.folder,
    pattern: sftp.pattern,
    processedFolder: sftp.processedFolder,
    everyMinutes: String(sftp.everyMinutes),
  });
  const [clear, setClear] = useState({ password: false, privateKey: false, hostKey: false });
  const errors = fetcher.data?.errors ?? {};
  const field = (name: string, label: string, extra: Partial<React.ComponentProps<typeof TextField>> = {}) => (
    <TextField
      label={label}
      name={name}
      value={values[name] ?? ""}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      error={errors[name]}
      autoComplete="off"
      {...extra}
    />
  );
  return (
    <Layout.AnnotatedSection
      title="SFTP pickup"
      description="Fetch the warehouse's shipment files from its SFTP server on a schedule. Imported files move to the processed folder. Password and key are stored encrypted; the server's host key is pinned on the first connection."
    >
      <Card>
        <fetcher.Form method="post" action="/app/feeds">
          <input type="hidden" name="intent" value="save-sftp" />
          <BlockStack gap="400">
            <SavedBanner fetcher={fetcher} what="SFTP pickup" />
            {sftp.lastError && (
              <Banner tone="warning" title="The last pickup failed">
                <p>{sftp.lastError}</p>
              </Banner>
            )}
            <Checkbox label="Pick up files on a schedule" name="enabled" checked={enabled} onChange={setEnabled} />
            <FormLayout>
              <FormLayout.Group>
                {field("host", "Host", { placeholder: "sftp.warehouse.example" })}
                {field("port", "Port", { type: "number" })}
              </FormLayout.Group>
              {field("username", "User")}
              {field("password", "Password", {
                type: "password",
                placeholder: sftp.hasPassword ? "stored (leave empty to keep)" : "",
                helpText: "Either a password or a private key.",
              })}
              {sftp.hasPassword && <Checkbox label="Remove the stored password" name="clear_password" checked={clear.password} onChange={(v) => setClear((c) => ({ ...c, password: v }))} />}
              {field("privateKey", "Private key (OpenSSH or PEM)", {
                multiline: 4,
                placeholder: sftp.hasPrivateKey ? "stored (leave empty to keep)" : "-----BEGIN OPENSSH PRIVATE KEY-----",
                monospaced: true,
              })}
              {sftp.hasPrivateKey && <Checkbox label="Remove the stored key" name="clear_privateKey" checked={clear.privateKey} onChange={(v) => setClear((c) => ({ ...c, privateKey: v }))} />}
              <FormLayout.Group>
                {field("folder", "Folder", { helpText: "Where the warehouse drops its files." })}
                {field("pattern", "File name pattern", { helpText: "* and ? wildcards, e.g. shipments_*.csv" })}
              </FormLayout.Group>
              <FormLayout.Group>
                {field("processedFolder", "Processed folder", { helpText: "Relative to the folder, or absolute." })}
                {field("everyMinutes", "Every (minutes)", { type: "number" })}
              </FormLayout.Group>
            </FormLayout>
            <Text as="p" tone="subdued">
              {sftp.hostKey ? `Pinned host key: ${sftp.hostKey}` : "No host key pinned yet: the first connection will pin it."}
              {sftp.lastRunAt ? ` Last pickup: ${formatDateTime(sftp.lastRunAt)}.` : ""}
            </Text>
            {sftp.hostKey && (
              <Checkbox label="Forget the pinned host key (the server was re-keyed)" name="resetHostKey" checked={clear.hostKey} onChange={(v) => setClear((c) => ({ ...c, hostKey: v }))} />
            )}
            <InlineStack>
              <Button submit variant="primary" loading={fetcher.state !== "idle"}>
                Save SFTP pickup
              </Button>
            </InlineStack>
          </BlockStack>
        </fetcher.Form>
      </Card>
    </Layout.AnnotatedSection>
  );
}
