import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, FormLayout, InlineStack, Layout, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import {
  DEFAULT_COLUMN_MAPPING,
  OPTIONAL_THREE_PL_FIELDS,
  THREE_PL_FIELDS,
  THREE_PL_FIELD_LABELS,
  headerRowOf,
  isPackageMapping,
  type ColumnMapping,
  type ThreePlField,
} from "../../domain/three-pl-columns";
import {
  DATE_FORMATS,
  DATE_FORMAT_LABELS,
  DELIMITERS,
  ENCODINGS,
  ORDER_RULES,
  ORDER_RULE_LABELS,
  THREE_PL_PRESETS,
  presetById,
  type DelimiterSetting,
  type EncodingSetting,
} from "../../domain/three-pl-format";
import { formatDateTime } from "../../format";
import type { SettingsSaveResult, ThreePlSettingsView } from "../../sources/three-pl/feed-settings.server";

/**
 * Settings sections for the 3PL feed: the columns of the shop's files and the scheduled SFTP pickup.
 * Both save through the Feeds page's action, so the Settings route only renders them.
 */
export function ThreePlFeedSettings({ settings }: { settings: ThreePlSettingsView }) {
  return (
    <>
      <ColumnMappingSection mapping={settings.mapping} format={settings.format} />
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

const DELIMITER_LABELS: Record<DelimiterSetting, string> = { auto: "Detect", ",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Bar (|)" };
const ENCODING_LABELS: Record<EncodingSetting, string> = {
  auto: "Detect (byte-order mark, HTTP charset, then the text itself)",
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252 (Western European Excel)",
  "iso-8859-1": "ISO-8859-1 (Latin-1)",
  "utf-16le": "UTF-16 LE (Excel's Unicode Text)",
  "utf-16be": "UTF-16 BE",
};
const options = <T extends string>(values: readonly T[], labels: Record<T, string>) => values.map((value) => ({ value, label: labels[value] }));

function ColumnMappingSection({ mapping, format }: { mapping: ThreePlSettingsView["mapping"]; format: ThreePlSettingsView["format"] }) {
  const fetcher = useFetcher<SettingsSaveResult>();
  const [headers, setHeaders] = useState<Record<ThreePlField, string>>(
    () => Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, mapping[f] ?? DEFAULT_COLUMN_MAPPING[f] ?? ""])) as Record<ThreePlField, string>,
  );
  const [off, setOff] = useState<Record<ThreePlField, boolean>>(() => Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, mapping[f] === null])) as Record<ThreePlField, boolean>);
  const [values, setValues] = useState<Record<string, string>>({ ...format });
  const [preset, setPreset] = useState("");
  const set = (name: string) => (value: string) => setValues((v) => ({ ...v, [name]: value }));
  const choosePreset = (id: string) => {
    setPreset(id);
    const chosen = presetById(id);
    if (!chosen) return;
    setHeaders(Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, chosen.mapping[f] ?? ""])) as Record<ThreePlField, string>);
    setOff(Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, chosen.mapping[f] === null])) as Record<ThreePlField, boolean>);
    setValues((v) => ({ ...v, delimiter: "auto", ...chosen.format }));
  };
  const current = Object.fromEntries(THREE_PL_FIELDS.map((f) => [f, off[f] ? null : headers[f] || DEFAULT_COLUMN_MAPPING[f]])) as ColumnMapping;
  return (
    <Layout.AnnotatedSection
      title="3PL file columns"
      description="The header your warehouse uses for each column, and how its files are written. Files are matched by header, in any column order. A file in one of the known layouts is recognised from its header row even without a mapping."
    >
      <Card>
        <fetcher.Form method="post" action="/app/feeds">
          <input type="hidden" name="intent" value="save-columns" />
          <BlockStack gap="400">
            <SavedBanner fetcher={fetcher} what="3PL file settings" />
            <Select
              label="Start from a known layout"
              options={[{ value: "", label: "Keep the fields below" }, ...THREE_PL_PRESETS.map((p) => ({ value: p.id, label: p.label }))]}
              value={preset}
              onChange={choosePreset}
              helpText={presetById(preset)?.description}
            />
            <FormLayout>
              <FormLayout.Group condensed>
                {THREE_PL_FIELDS.map((field) => (
                  <BlockStack key={field} gap="100">
                    <TextField
                      label={THREE_PL_FIELD_LABELS[field]}
                      name={field}
                      value={off[field] ? "" : headers[field]}
                      disabled={off[field]}
                      onChange={(value) => setHeaders((h) => ({ ...h, [field]: value }))}
                      autoComplete="off"
                    />
                    {OPTIONAL_THREE_PL_FIELDS.has(field) && (
                      <Checkbox label="Not in my files" name={`off_${field}`} value="on" checked={off[field]} onChange={(checked) => setOff((o) => ({ ...o, [field]: checked }))} />
                    )}
                  </BlockStack>
                ))}
              </FormLayout.Group>
              <FormLayout.Group>
                <Select label="Delimiter" name="delimiter" options={options(DELIMITERS, DELIMITER_LABELS)} value={values.delimiter} onChange={set("delimiter")} />
                <Select label="Encoding" name="encoding" options={options(ENCODINGS, ENCODING_LABELS)} value={values.encoding} onChange={set("encoding")} />
                <TextField label="Sheet (.xlsx workbooks)" name="sheet" value={values.sheet} onChange={set("sheet")} autoComplete="off" placeholder="the first sheet" />
              </FormLayout.Group>
              <FormLayout.Group>
                <Select
                  label="Date format"
                  name="dateFormat"
                  options={options(DATE_FORMATS, DATE_FORMAT_LABELS)}
                  value={values.dateFormat}
                  onChange={set("dateFormat")}
                  helpText="03/04/2026 is read only as this format says; ISO 8601 dates are always understood."
                />
                <TextField
                  label="Warehouse time zone"
                  name="timeZone"
                  value={values.timeZone}
                  onChange={set("timeZone")}
                  autoComplete="off"
                  helpText="IANA name, such as America/New_York: times written without an offset are on this clock."
                />
              </FormLayout.Group>
              <FormLayout.Group>
                <Select label="Order numbers" name="orderRule" options={options(ORDER_RULES, ORDER_RULE_LABELS)} value={values.orderRule} onChange={set("orderRule")} />
                {values.orderRule === "strip_prefix" && <TextField label="Prefix to remove" name="orderPrefix" value={values.orderPrefix} onChange={set("orderPrefix")} autoComplete="off" />}
                {values.orderRule === "pattern" && (
                  <TextField label="Regular expression" name="orderPattern" value={values.orderPattern} onChange={set("orderPattern")} autoComplete="off" placeholder="^SO-(\d+)$" />
                )}
              </FormLayout.Group>
            </FormLayout>
            <Text as="p" tone="subdued">
              {`A file must start with a header row such as: ${headerRowOf(current)}${isPackageMapping(current) ? " (one row per package)" : ""}`}
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
