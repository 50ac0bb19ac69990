import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, FormLayout, Layout, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { HealthSettings } from "../../domain/discrepancies-settings";
import type { HealthSettingsResult } from "../../store/discrepancies-page.server";

export type ThresholdField = { name: keyof HealthSettings["thresholds"]; label: string; help: string; min: number; max: number };

/**
 * Settings section: discrepancy grace periods and each source's expected cadence. Saves through the
 * Discrepancies page's action, so the Settings route only renders it. `fields` comes from the loader
 * (the limits live in the domain, whose modules are server-side).
 */
export function SyncHealthSettings({ settings, fields }: { settings: HealthSettings; fields: ThresholdField[] }) {
  const fetcher = useFetcher<HealthSettingsResult>();
  const [values, setValues] = useState<Record<string, string>>(() => ({
    ...Object.fromEntries(Object.entries(settings.thresholds).map(([k, v]) => [k, String(v)])),
    shopifySilentAfterHours: String(settings.cadence.shopifySilentAfterHours),
    threePlDailyBy: settings.cadence.threePlDailyBy,
    carrierWithinHours: String(settings.cadence.carrierWithinHours),
  }));
  const errors: Record<string, string | undefined> = fetcher.data?.errors ?? {};
  const field = (name: string, label: string, help: string, type: "number" | "text" = "number") => (
    <TextField
      key={name}
      label={label}
      name={name}
      type={type}
      value={values[name] ?? ""}
      onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
      helpText={help}
      error={errors[name]}
      autoComplete="off"
      suffix={type === "number" ? "h" : "UTC"}
    />
  );
  return (
    <Layout.AnnotatedSection
      title="Sync health"
      description="How long a disagreement between sources may last before it is raised as a discrepancy, and how often each source is expected to speak before it counts as silent."
    >
      <Card>
        <fetcher.Form method="post" action="/app/discrepancies">
          <input type="hidden" name="intent" value="health-settings" />
          <BlockStack gap="400">
            {fetcher.state === "idle" && fetcher.data?.settings && <Banner tone="success">Sync health settings saved.</Banner>}
            {fetcher.state === "idle" && fetcher.data && !fetcher.data.settings && <Banner tone="critical">Some values are out of range; nothing was saved.</Banner>}
            <Text as="h3" variant="headingSm">
              Discrepancy grace periods
            </Text>
            <FormLayout>{fields.map((f) => field(f.name, f.label, `${f.help} ${f.min}–${f.max} h.`))}</FormLayout>
            <Text as="h3" variant="headingSm">
              Expected cadence
            </Text>
            <FormLayout>
              {field("shopifySilentAfterHours", "Shopify webhooks silent after", "Alert when no webhook came for this long while orders usually flow.")}
              {field("threePlDailyBy", "3PL file due daily by", "The warehouse file must arrive every day by this time (HH:MM, UTC).", "text")}
              {field("carrierWithinHours", "Carrier updates expected within", "Alert when shipments made this long ago have had no carrier update since.")}
            </FormLayout>
            <Button submit variant="primary" loading={fetcher.state !== "idle"}>
              Save sync health settings
            </Button>
          </BlockStack>
        </fetcher.Form>
      </Card>
    </Layout.AnnotatedSection>
  );
}
