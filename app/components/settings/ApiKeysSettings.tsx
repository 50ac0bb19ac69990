import { Form, useNavigation } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, Checkbox, DataTable, InlineStack, Layout, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { API_SCOPES, SCOPE_DESCRIPTIONS, type ApiScope } from "../../domain/api-scopes";
import { formatDateTime } from "../../format";

export type ApiKeyRow = {
  id: string;
  label: string;
  scopes: ApiScope[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

export type ApiKeyActionResult = { created: { label: string; secret: string; scopes: ApiScope[] } | null; error: string | null };

/** Settings section: the shop's keys with what each may do, and a form to create one. */
export function ApiKeysSettings({ keys, result }: { keys: ApiKeyRow[]; result: ApiKeyActionResult | undefined }) {
  const navigation = useNavigation();
  const [label, setLabel] = useState("");
  // Reading orders is what most keys are for (bots, helpdesks); writing feeds is asked for explicitly.
  const [chosen, setChosen] = useState<ReadonlySet<ApiScope>>(new Set(["orders:read"]));
  const toggle = (scope: ApiScope, on: boolean) =>
    setChosen((previous) => {
      const next = new Set(previous);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
  return (
    <Layout.AnnotatedSection
      title="API keys"
      description="Support bots, helpdesks, warehouses and carriers reach the app with these keys (Authorization: Bearer <key>). Give each integration its own key with only the scopes it needs. A key is shown once, when it is created; uninstalling the app revokes every key."
    >
      <BlockStack gap="400">
        {result?.created && (
          <Banner tone="success" title={`Key "${result.created.label}" created (${result.created.scopes.join(", ")})`}>
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
            <BlockStack gap="300">
              <TextField label="Label" name="label" value={label} onChange={setLabel} autoComplete="off" placeholder="Helpdesk bot" />
              <BlockStack gap="100">
                <Text as="p" variant="bodyMd">
                  Scopes
                </Text>
                {API_SCOPES.map((scope) => (
                  <Checkbox
                    key={scope}
                    label={scope}
                    helpText={SCOPE_DESCRIPTIONS[scope]}
                    name="scope"
                    value={scope}
                    checked={chosen.has(scope)}
                    onChange={(on) => toggle(scope, on)}
                  />
                ))}
              </BlockStack>
              <InlineStack>
                <Button submit variant="primary" disabled={chosen.size === 0} loading={navigation.state === "submitting"}>
                  Create key
                </Button>
              </InlineStack>
            </BlockStack>
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
              columnContentTypes={["text", "text", "text", "text", "text", "text"]}
              headings={["Label", "Scopes", "Created", "Last used", "Status", ""]}
              rows={keys.map((k) => [
                k.label,
                <InlineStack gap="100" key={`${k.id}-scopes`}>
                  {k.scopes.map((scope) => (
                    <Badge key={scope}>{scope}</Badge>
                  ))}
                </InlineStack>,
                formatDateTime(k.createdAt),
                k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "Never",
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
  );
}
