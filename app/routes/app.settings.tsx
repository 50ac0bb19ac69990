import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { Layout, Page } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { ApiKeysSettings, type ApiKeyActionResult, type ApiKeyRow } from "../components/settings/ApiKeysSettings";
import { getPrisma } from "../db.server";
import { InvalidScopeError, parseScopes, type ApiScope } from "../domain/api-scopes";
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
    keys: keys.map(
      (k): ApiKeyRow => ({
        id: k.id,
        label: k.label,
        scopes: k.scopes,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      }),
    ),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "create-key") {
    const label = String(form.get("label") ?? "").slice(0, 80);
    let scopes: ApiScope[];
    try {
      scopes = parseScopes(form.getAll("scope").map(String));
    } catch (error) {
      if (error instanceof InvalidScopeError) return json<ApiKeyActionResult>({ created: null, error: `Scopes: ${error.message}.` }, { status: 400 });
      throw error;
    }
    const created = await createApiKey(getPrisma(), shop, label, scopes);
    return json<ApiKeyActionResult>({ created: { label: created.label, secret: created.secret, scopes: created.scopes }, error: null });
  }
  if (intent === "revoke-key") {
    const revoked = await revokeApiKey(getPrisma(), shop, String(form.get("id") ?? ""), new Date());
    return json<ApiKeyActionResult>({ created: null, error: revoked ? null : "That key does not exist or is already revoked." });
  }
  return json<ApiKeyActionResult>({ created: null, error: "Unknown action." }, { status: 400 });
}

export default function Settings() {
  const { keys, botAnswers, syncHealth, threePl, privacy } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Page title="Settings">
      <Layout>
        <ApiKeysSettings keys={keys} result={result} />
        <BotAnswersSettings settings={botAnswers} />
        <SyncHealthSettings settings={syncHealth.settings} fields={syncHealth.fields} />
        <ThreePlFeedSettings settings={threePl} />
        <PrivacySettings privacy={privacy} />
      </Layout>
    </Page>
  );
}
