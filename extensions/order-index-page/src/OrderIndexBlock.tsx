// A line per recent order on the Order index page: how many of its parcels have arrived, from the
// app's storefront view of each order, fetched with Shopify's session token.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';
// The Order status block's helper, so both blocks read the URL Shopify CLI bundles the same way.
import {appUrl} from '../../order-status-page/src/storefront-view';

export default async () => {
  render(<OrderIndexBlock />, document.body);
};

/** The parts of the contract's storefront view (contracts/order-status.schema.json) read here. */
type OrderSummary = {orderId: string; name: string; status: string; attention: string[]; shipments: {status: string}[]};

const t = (key: string, replacements?: Record<string, string | number>) => String(shopify.i18n.translate(key, replacements));

function summary(order: OrderSummary): string {
  const parcels = order.shipments.filter((s) => s.status !== 'cancelled');
  const text = parcels.length
    ? t('parcelsDelivered', {count: parcels.length, delivered: parcels.filter((s) => s.status === 'delivered').length})
    : t(`orderStatus.${order.status}`);
  return order.attention.includes('delayed') ? t('late', {summary: text}) : text;
}

function OrderIndexBlock() {
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  useEffect(() => {
    const app = appUrl();
    if (!app) return;
    (async () => {
      const token = await shopify.sessionToken.get();
      const response = await fetch(`${app}/customer-account/orders`, {headers: {Authorization: `Bearer ${token}`, Accept: 'application/json'}});
      if (!response.ok) return;
      const body = (await response.json()) as {orders?: OrderSummary[]};
      if (Array.isArray(body.orders)) setOrders(body.orders);
      // A failure adds nothing to Shopify's own list.
    })().catch(() => undefined);
  }, []);
  // No orders the app knows of: nothing to add to Shopify's own list.
  if (!orders.length) return null;
  return (
    <s-section heading={t('heading')}>
      <s-stack gap="small-200">
        {orders.map((order) => (
          <s-text>{t('orderLine', {name: order.name, summary: summary(order)})}</s-text>
        ))}
      </s-stack>
    </s-section>
  );
}
