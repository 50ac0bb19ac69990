import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Layout, Select, TextField } from "@shopify/polaris";
import { useState } from "react";
import { DEFAULT_WINDOW_HOURS, MAX_WINDOW_HOURS, MIN_WINDOW_HOURS, type BotAnswerSettings } from "../../domain/wismo-stale";
import type { BotAnswerSettingsResult } from "../../support/bot-answer-settings.server";

const LANGUAGES = [
  { label: "Not set (English)", value: "" },
  { label: "English", value: "en" },
  { label: "Français", value: "fr" },
];

/** Settings page section; saves through the Bot answers page's action so the Settings route stays untouched. */
export function BotAnswersSettings({ settings }: { settings: BotAnswerSettings }) {
  const fetcher = useFetcher<BotAnswerSettingsResult>();
  const [windowHours, setWindowHours] = useState(String(settings.windowHours));
  const [language, setLanguage] = useState(settings.language ?? "");
  const result = fetcher.data;
  return (
    <Layout.AnnotatedSection
      title="Bot answers"
      description={`Answers served to support bots are kept this long, and an order that changes within this time after an answer that said otherwise shows on the Bot answers page. Default ${DEFAULT_WINDOW_HOURS} h.`}
    >
      <Card>
        <fetcher.Form method="post" action="/app/answers">
          <BlockStack gap="300">
            {result?.error && <Banner tone="critical">{result.error}</Banner>}
            {result?.settings && fetcher.state === "idle" && <Banner tone="success">Bot answer settings saved.</Banner>}
            <InlineStack gap="300" blockAlign="end">
              <TextField
                label="Stale-answer window (hours)"
                name="windowHours"
                type="number"
                min={MIN_WINDOW_HOURS}
                max={MAX_WINDOW_HOURS}
                value={windowHours}
                onChange={setWindowHours}
                autoComplete="off"
              />
              <Select label="Answer language" name="language" options={LANGUAGES} value={language} onChange={setLanguage} />
              <Button submit loading={fetcher.state !== "idle"}>
                Save
              </Button>
            </InlineStack>
          </BlockStack>
        </fetcher.Form>
      </Card>
    </Layout.AnnotatedSection>
  );
}
