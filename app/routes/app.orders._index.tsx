import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData, useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import { Badge, Card, IndexTable, InlineStack, Page, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { ORDER_STATUSES } from "../domain/events";
import { formatRelative, statusLabel, statusTone } from "../format";
import { listOrders } from "../store/order-queries.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const url = new URL(request.url);
  const status = url.searchParams.get("status");
  const before = url.searchParams.get("before");
  const [beforeAt, beforeId] = before?.split("_") ?? [];
  const page = await listOrders(getPrisma(), shop, {
    status: status && (ORDER_STATUSES as readonly string[]).includes(status) ? status : null,
    query: url.searchParams.get("q")?.trim() || null,
    before: beforeAt && beforeId && !Number.isNaN(Date.parse(beforeAt)) ? { updatedAt: new Date(beforeAt), orderId: beforeId } : null,
    now: new Date(),
  });
  return json({ ...page, statuses: ORDER_STATUSES, now: new Date().toISOString() });
}

export default function Orders() {
  const { orders, next, now, statuses } = useLoaderData<typeof loader>();
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const navigation = useNavigation();
  const [query, setQuery] = useState(params.get("q") ?? "");
  const update = (key: string, value: string) => {
    const nextParams = new URLSearchParams(params);
    if (value) nextParams.set(key, value);
    else nextParams.delete(key);
    nextParams.delete("before");
    setParams(nextParams);
  };
  return (
    <Page title="Orders" subtitle="The canonical status of every order, newest change first">
      <Card padding="0">
        <div style={{ padding: "12px" }}>
          <InlineStack gap="300" blockAlign="end">
            <div style={{ minWidth: 220 }}>
              <Select
                label="Status"
                options={[{ label: "All statuses", value: "" }, ...statuses.map((s) => ({ label: statusLabel(s), value: s }))]}
                value={params.get("status") ?? ""}
                onChange={(value) => update("status", value)}
              />
            </div>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                update("q", query);
              }}
            >
              <TextField label="Order number" value={query} onChange={setQuery} autoComplete="off" placeholder="#1001" />
            </form>
          </InlineStack>
        </div>
        <IndexTable
          resourceName={{ singular: "order", plural: "orders" }}
          itemCount={orders.length}
          selectable={false}
          loading={navigation.state === "loading"}
          headings={[{ title: "Order" }, { title: "Status" }, { title: "Attention" }, { title: "Shipped" }, { title: "Updated" }]}
          pagination={{
            hasNext: Boolean(next),
            onNext: () => {
              if (!next) return;
              const nextParams = new URLSearchParams(params);
              nextParams.set("before", `${next.updatedAt}_${next.orderId}`);
              setParams(nextParams);
            },
            hasPrevious: params.has("before"),
            onPrevious: () => navigate(-1),
          }}
        >
          {orders.map((order, index) => (
            <IndexTable.Row id={order.orderId} key={order.orderId} position={index} onClick={() => navigate(`/app/orders/${order.orderId}`)}>
              <IndexTable.Cell>
                <Text as="span" fontWeight="semibold">
                  {order.name}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Badge tone={statusTone(order.status)}>{statusLabel(order.status)}</Badge>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <InlineStack gap="100">
                  {order.attention.map((flag) => (
                    <Badge key={flag} tone="warning">
                      {statusLabel(flag)}
                    </Badge>
                  ))}
                </InlineStack>
              </IndexTable.Cell>
              <IndexTable.Cell>{`${order.itemsShipped} of ${order.itemsTotal}`}</IndexTable.Cell>
              <IndexTable.Cell>{formatRelative(order.updatedAt, new Date(now))}</IndexTable.Cell>
            </IndexTable.Row>
          ))}
        </IndexTable>
      </Card>
    </Page>
  );
}
