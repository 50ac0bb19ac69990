import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, DataTable, InlineStack, Layout, Page, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { formatDateTime } from "../format";
import { createApiKey, listApiKeys, revokeApiKey } from "../store/api-keys.server";
import { BotAnswersSettings } from "../components/settings/BotAnswersSettings";
import { PrivacySettings } from "../components/settings/PrivacySettings";
import { SyncHealthSettings } from "../components/settings/SyncHealthSettings";
import { ThreePlFeedSettings } from "../components/settings/ThreePlFeedSettings";
import { threePlSettingsView } from "../sources/three-pl/feed-settings.server";
import { healthSettingsSection } from "../store/discrepancies-page.server";
import { privacySection } from "../store/privacy.server";
import { getBotAnswerSettings } from "../support/bot-answer-settings.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const keys = await listApiKeys(getPrisma(), shop);
  return json({
    botAnswers: await getBotAnswerSettings(getPrisma(), shop),
    syncHealth: await healthSettingsSection(getPrisma(), shop),
    threePl: await threePlSettingsView(getPrisma(), shop),
    privacy: await privacySection(getPrisma(), shop, new Date()),
    keys: keys.map((k) => ({
      id: k.id,
      label: k.label,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    })),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "create-key") {
    const label = String(form.get("label") ?? "").slice(0, 80);
    const created = await createApiKey(getPrisma(), shop, label);
    return json({ created: { label: created.label, secret: created.secret }, error: null });
  }
  if (intent === "revoke-key") {
    const revoked = await revokeApiKey(getPrisma(), shop, String(form.get("id") ?? ""), new Date());
    return json({ created: null, error: revoked ? null : "That key does not exist or is already revoked." });
  }
  return json({ created: null, error: "Unknown action." }, { status: 400 });
}

export default function Settings() {
  const { keys, botAnswers, syncHealth, threePl, privacy } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [label, setLabel] = useState("");
  return (
    <Page title="Settings">
      <Layout>
        <Layout.AnnotatedSection
          title="API keys"
          description="Support bots and helpdesks read order statuses with these keys (Authorization: Bearer <key>). A key is shown once, when it is created."
        >
          <BlockStack gap="400">
            {result?.created && (
              <Banner tone="success" title={`Key "${result.created.label}" created`}>
                <p>Copy it now; it will not be shown again.</p>
                <pre data-testid="new-api-key" style={{ userSelect: "all", whiteSpace: "pre-wrap" }}>
                  {result.created.secret}
                </pre>
              </Banner>
            )}
            {result?.error && <Banner tone="critical">{result.error}</Banner>}
            <Card>
              <Form method="post">
                <input type="hidden" name="intent" value="create-key" />
                <InlineStack gap="300" blockAlign="end">
                  <TextField label="Label" name="label" value={label} onChange={setLabel} autoComplete="off" placeholder="Helpdesk bot" />
                  <Button submit variant="primary" loading={navigation.state === "submitting"}>
                    Create key
                  </Button>
                </InlineStack>
              </Form>
            </Card>
            <Card padding="0">
              {keys.length === 0 ? (
                <div style={{ padding: 16 }}>
                  <Text as="p" tone="subdued">
                    No keys yet.
                  </Text>
                </div>
              ) : (
                <DataTable
                  columnContentTypes={["text", "text", "text", "text"]}
                  headings={["Label", "Created", "Status", ""]}
                  rows={keys.map((k) => [
                    k.label,
                    formatDateTime(k.createdAt),
                    k.revokedAt ? `Revoked ${formatDateTime(k.revokedAt)}` : "Active",
                    k.revokedAt ? (
                      ""
                    ) : (
                      <Form method="post" key={k.id}>
                        <input type="hidden" name="intent" value="revoke-key" />
                        <input type="hidden" name="id" value={k.id} />
                        <Button submit tone="critical" variant="plain">
                          Revoke
                        </Button>
                      </Form>
                    ),
                  ])}
                />
              )}
            </Card>
          </BlockStack>
        </Layout.AnnotatedSection>
        <BotAnswersSettings settings={botAnswers} />
        <SyncHealthSettings settings={syncHealth.settings} fields={syncHealth.fields} />
        <ThreePlFeedSettings settings={threePl} />
        <PrivacySettings privacy={privacy} />
      </Layout>
    </Page>
  );
}
