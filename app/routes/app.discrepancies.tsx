import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useState } from "react";
import { Link as RemixLink, useFetcher, useLoaderData, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, Banner, BlockStack, Card, EmptyState, IndexTable, InlineStack, Page, Select, Text, useIndexResourceState } from "@shopify/polaris";
import { requireAdmin } from "../admin.server";
import { DISCREPANCY_CODE_LIST, DISCREPANCY_LABELS, discrepancyLabel, SOURCE_OPTIONS, sourceName } from "../components/dashboard/discrepancy-labels";
import { PageLoading } from "../components/PageLoading";
import { RouteError } from "../components/RouteError";
import { getPrisma } from "../db.server";
import { formatDateTime, formatDuration, formatRelative } from "../format";
import { parseDiscrepancyQuery, saveHealthSettingsFromForm } from "../store/discrepancies-page.server";
import { listDiscrepancies } from "../store/discrepancies.server";
import type { RecheckResult } from "../sources/feeds-page.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const now = new Date();
  const filters = parseDiscrepancyQuery(new URL(request.url).searchParams);
  const page = await listDiscrepancies(getPrisma(), shop, filters, now);
  return json({ ...page, state: filters.state, now: now.toISOString() });
}

/** Saves the Settings page's sync-health section (posted here so the Settings route stays small). */
export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const form = await request.formData();
  if (form.get("intent") === "health-settings") return saveHealthSettingsFromForm(getPrisma(), shop, form);
  return json({ settings: null, errors: { form: "Unknown action." } }, { status: 400 });
}

const AGE_OPTIONS = [
  { label: "Any age", value: "" },
  { label: "Older than 1 hour", value: "1" },
  { label: "Older than 1 day", value: "24" },
  { label: "Older than 3 days", value: "72" },
  { label: "Older than 1 week", value: "168" },
];

export default function Discrepancies() {
  const { items, next, state, now } = useLoaderData<typeof loader>();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const at = new Date(now);
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } = useIndexResourceState(items.map((i) => ({ id: String(i.id) })));
  const recheck = useFetcher<RecheckResult>();
  const recheckSelected = () => {
    const form = new FormData();
    form.set("intent", "recheck");
    const chosen = allResourcesSelected ? items : items.filter((i) => selectedResources.includes(String(i.id)));
    for (const orderId of new Set(chosen.map((i) => i.orderId))) form.append("orderId", orderId);
    // Reconciliation's own action (app/sources/feeds-page.server.ts) asks Shopify and records what it missed.
    recheck.submit(form, { method: "post", action: "/app/feeds" });
    clearSelection();
  };
  const recheckResult = recheck.state === "idle" ? recheck.data : undefined;
  const [exporting, setExporting] = useState(false);
  const [exportFailed, setExportFailed] = useState(false);
  // fetch, not a link: inside the Shopify admin, App Bridge adds the session token to fetch only.
  const exportCsv = async () => {
    setExporting(true);
    setExportFailed(false);
    try {
      const response = await fetch(`/app/discrepancies.csv?${params}`);
      if (!response.ok) throw new Error(`export answered ${response.status}`);
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "discrepancies.csv";
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      link.click();
      // Some browsers start reading the file only after this turn; revoking at once cancels it.
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch {
      setExportFailed(true);
    } finally {
      setExporting(false);
    }
  };
  const update = (key: string, value: string) => {
    // The address bar, not the hook's value: that one lags a render behind a navigation that just
    // finished, and a second quick filter change would bring the first one's old value back.
    const nextParams = new URLSearchParams(window.location.search);
    if (value) nextParams.set(key, value);
    else nextParams.delete(key);
    nextParams.delete("after");
    setParams(nextParams);
  };
  const filtered = ["code", "source", "age"].some((k) => params.get(k));
  const cleared = state === "cleared";
  return (
    <Page
      title="Discrepancies"
      subtitle="Orders whose status disagrees between systems, and since when"
      secondaryActions={[{ content: "Export CSV", onAction: exportCsv, loading: exporting, accessibilityLabel: "Export these discrepancies as CSV" }]}
    >
      <PageLoading />
      {exportFailed && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="critical" title="The export did not complete" onDismiss={() => setExportFailed(false)}>
            <p>Nothing was downloaded. Try again in a moment.</p>
          </Banner>
        </div>
      )}
      {recheckResult && (
        <div style={{ marginBottom: 16 }}>
          <Banner
            tone={recheckResult.error || recheckResult.recheck?.notShown.length || recheckResult.recheck?.unreadable.length || recheckResult.recheck?.incomplete.length ? "warning" : "success"}
            title="Recheck with Shopify"
          >
            <p>
              {recheckResult.error ??
                (recheckResult.recheck && recheckResult.recheck.repaired > 0
                  ? `Shopify knew more than we had heard about ${recheckResult.recheck.repaired} of ${recheckResult.recheck.checked} orders; recorded, and their discrepancies re-evaluated.`
                  : `Shopify agrees with what we have for the ${recheckResult.recheck?.checked ?? 0} orders checked.`)}
            </p>
            {!!recheckResult.recheck?.notShown.length && (
              <p>
                {`Shopify did not show ${recheckResult.recheck.notShown.length} of the orders (ids ${recheckResult.recheck.notShown.join(", ")}). An order placed more than 60 days ago can only be read with the read_all_orders scope, which this app does not request; a deleted order is not shown either.`}
              </p>
            )}
            {!!recheckResult.recheck?.unreadable.length && (
              <p>{`Not checked, as Shopify did not answer part of them; try again in a moment: ${recheckResult.recheck.unreadable.join(", ")}.`}</p>
            )}
            {!!recheckResult.recheck?.incomplete.length && (
              <p>{`Checked in part, as they hold more fulfillments or refunds than one request can read: ${recheckResult.recheck.incomplete.join(", ")}.`}</p>
            )}
          </Banner>
        </div>
      )}
      <Card padding="0">
        <div style={{ padding: "12px" }}>
          <InlineStack gap="300" blockAlign="end" wrap>
            <Select label="Status" options={[{ label: "Open", value: "" }, { label: "Cleared", value: "cleared" }]} value={cleared ? "cleared" : ""} onChange={(v) => update("status", v)} />
            <Select
              label="Kind"
              options={[{ label: "All kinds", value: "" }, ...DISCREPANCY_CODE_LIST.map((code) => ({ label: discrepancyLabel(code), value: code }))]}
              value={params.get("code") ?? ""}
              onChange={(v) => update("code", v)}
            />
            <Select label="Source" options={[{ label: "All sources", value: "" }, ...SOURCE_OPTIONS.map((s) => ({ label: sourceName(s), value: s }))]} value={params.get("source") ?? ""} onChange={(v) => update("source", v)} />
            <Select label="Age" options={AGE_OPTIONS} value={params.get("age") ?? ""} onChange={(v) => update("age", v)} />
            <Select
              label="Sort"
              options={[
                { label: "Newest first", value: "" },
                { label: "Oldest first", value: "oldest" },
              ]}
              value={params.get("sort") === "oldest" ? "oldest" : ""}
              onChange={(v) => update("sort", v)}
            />
          </InlineStack>
        </div>
        {items.length === 0 && !params.has("after") ? (
          <EmptyState heading={filtered || cleared ? "Nothing matches these filters" : "No disagreements between sources"} image="">
            <BlockStack gap="200">
              <p>This page watches every order for:</p>
              <ul style={{ textAlign: "left" }}>
                {DISCREPANCY_CODE_LIST.map((code) => (
                  <li key={code}>{`${DISCREPANCY_LABELS[code].label}: ${DISCREPANCY_LABELS[code].watches}`}</li>
                ))}
              </ul>
              <p>Grace periods are set in Settings.</p>
            </BlockStack>
          </EmptyState>
        ) : (
          <IndexTable
            resourceName={{ singular: "discrepancy", plural: "discrepancies" }}
            itemCount={items.length}
            selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
            onSelectionChange={handleSelectionChange}
            promotedBulkActions={[{ content: "Recheck with Shopify", onAction: recheckSelected }]}
            loading={navigation.state === "loading" || recheck.state !== "idle"}
            headings={[{ title: "Order" }, { title: "Kind" }, { title: "Source" }, { title: cleared ? "Lasted" : "Open for" }, { title: "Since" }, { title: "What disagrees" }]}
            pagination={{
              hasNext: Boolean(next),
              onNext: () => {
                if (!next) return;
                const nextParams = new URLSearchParams(params);
                nextParams.set("after", `${next.since}_${next.id}`);
                setParams(nextParams);
              },
              hasPrevious: params.has("after"),
              onPrevious: () => navigate(-1),
            }}
          >
            {items.map((item, index) => (
              <IndexTable.Row id={String(item.id)} key={item.id} position={index} selected={selectedResources.includes(String(item.id))}>
                <IndexTable.Cell>
                  <RemixLink to={`/app/orders/${item.orderId}`}>
                    <Text as="span" fontWeight="semibold">
                      {item.orderName || item.orderId}
                    </Text>
                  </RemixLink>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Badge tone={cleared ? undefined : "warning"}>{discrepancyLabel(item.code)}</Badge>
                </IndexTable.Cell>
                <IndexTable.Cell>{sourceName(item.source)}</IndexTable.Cell>
                <IndexTable.Cell>{formatDuration(new Date(item.clearedAt ?? now).getTime() - new Date(item.since).getTime())}</IndexTable.Cell>
                <IndexTable.Cell>
                  <span title={formatDateTime(item.since)}>{formatRelative(item.since, at)}</span>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <div style={{ whiteSpace: "normal", maxWidth: 420 }}>{item.detail}</div>
                </IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
        )}
      </Card>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Discrepancies" />;
}
