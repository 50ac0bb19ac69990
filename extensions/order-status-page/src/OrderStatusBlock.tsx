// The order's truth on the Order status page: what the storefront block shows, from the same
// storefront view of the contract, fetched from the app with Shopify's session token.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {appUrl, numericOrderId, safeHref, type Answer, type Shipment, type StorefrontOrder} from './storefront-view';

export default async () => {
  render(<OrderStatusBlock />, document.body);
};

// Shipment statuses along the happy path; the index is the progress bar's step, as in the theme block.
const STEPS = ['label_created', 'confirmed', 'in_transit', 'out_for_delivery', 'delivered'];

const t = (key: string, replacements?: Record<string, string | number>) => String(shopify.i18n.translate(key, replacements));

function date(iso: string | null): string {
  return iso ? shopify.i18n.formatDate(new Date(iso), {dateStyle: 'long'}) : '';
}

function dateTime(iso: string): string {
  return shopify.i18n.formatDate(new Date(iso), {dateStyle: 'medium', timeStyle: 'short'});
}

/**
 * The app's answer for this page's order, asked for only once the customer is logged in (the app
 * answers nothing before), or null while there is none: not fetched yet, no record of the order
 * (404), or a failure, where Shopify's own page already says enough.
 */
function useOrderTruth(orderId: string | null, app: string | undefined): StorefrontOrder | null {
  const [order, setOrder] = useState<StorefrontOrder | null>(null);
  useEffect(() => {
    // Another order, or none: what was shown belonged to the previous one.
    setOrder(null);
    if (!orderId || !app) return;
    let current = true;
    (async () => {
      const token = await shopify.sessionToken.get();
      const response = await fetch(`${app}/customer-account/orders/${orderId}`, {
        headers: {Authorization: `Bearer ${token}`, Accept: 'application/json'},
      });
      if (!response.ok) return;
      const body = (await response.json()) as Answer;
      if (current && typeof body?.order?.status === 'string') setOrder(body.order);
      // A failure shows nothing: Shopify's own page already says enough.
    })().catch(() => undefined);
    return () => {
      current = false;
    };
  }, [orderId, app]);
  return order;
}

/** Before login: the app shows nothing of the order, and offers Shopify's login instead. */
function LoginPrompt() {
  return (
    <s-section heading={t('heading')}>
      <s-stack gap="small-200">
        <s-text>{t('loginPrompt')}</s-text>
        <s-button onClick={() => shopify.requireLogin()}>{t('login')}</s-button>
      </s-stack>
    </s-section>
  );
}

function When({of, kind}: {of: {deliveredAt: string | null; estimatedDeliveryAt: string | null}; kind: 'order' | 'shipment'}) {
  // Languages such as French agree "delivered" with the noun: a commande is livrée, an envoi livré.
  if (of.deliveredAt) return <s-text>{t(kind === 'order' ? 'deliveredOn' : 'shipmentDeliveredOn', {date: date(of.deliveredAt)})}</s-text>;
  if (of.estimatedDeliveryAt) return <s-text>{t('estimatedDelivery', {date: date(of.estimatedDeliveryAt)})}</s-text>;
  return null;
}

function ShipmentCard({shipment, number, showItems, showCarrier}: {shipment: Shipment; number: number; showItems: boolean; showCarrier: boolean}) {
  const title = t('shipment', {number});
  const status = t(`shipmentStatus.${shipment.status}`);
  const step = STEPS.indexOf(shipment.status);
  const count = Math.max(shipment.trackingNumbers.length, shipment.trackingUrls.length);
  const last = shipment.lastEvent;
  return (
    <s-stack gap="small-200">
      <s-heading>{title}</s-heading>
      <s-text>{showCarrier && shipment.carrier ? `${status} · ${shipment.carrier}` : status}</s-text>
      {step >= 0 && (
        <s-progress
          value={step + 1}
          max={STEPS.length}
          accessibilityLabel={t('progress', {shipment: title, status, step: step + 1, steps: STEPS.length})}
        />
      )}
      {Array.from({length: count}, (_, i) => {
        const trackingNumber = shipment.trackingNumbers[i] ?? '';
        const href = safeHref(shipment.trackingUrls[i]);
        if (href) {
          return (
            <s-link href={href} target="_blank">
              {t('trackLink', {number: trackingNumber || i + 1})}
            </s-link>
          );
        }
        // A link refused as unsafe, with no number beside it, leaves nothing worth a line.
        return trackingNumber ? <s-text>{t('tracking', {number: trackingNumber})}</s-text> : null;
      })}
      <When of={shipment} kind="shipment" />
      {showItems && shipment.items.length > 0 && (
        <s-unordered-list>
          {shipment.items.map((line) => (
            <s-list-item>{`${line.title} × ${line.quantity}`}</s-list-item>
          ))}
        </s-unordered-list>
      )}
      {last && (
        <s-text color="subdued">
          {t('lastUpdate', {
            details: [t(`shipmentStatus.${last.status}`), last.message, last.location, dateTime(last.happenedAt)].filter(Boolean).join(' · '),
          })}
        </s-text>
      )}
    </s-stack>
  );
}

function OrderTruth({order, showItems, showCarrier}: {order: StorefrontOrder; showItems: boolean; showCarrier: boolean}) {
  return (
    <s-section heading={t('heading')}>
      <s-stack gap="base">
        <s-text type="strong">{t('status', {status: t(`orderStatus.${order.status}`)})}</s-text>
        {order.attention.map((flag) => (
          <s-banner tone="warning">{t(`attention.${flag}`)}</s-banner>
        ))}
        <When of={order} kind="order" />
        {showItems && order.items.total > 0 && <s-text>{t('itemsSummary', order.items)}</s-text>}
        {order.shipments.length === 0 ? (
          <s-text>{t('noShipments')}</s-text>
        ) : (
          order.shipments.map((shipment, index) => (
            <ShipmentCard shipment={shipment} number={index + 1} showItems={showItems} showCarrier={showCarrier} />
          ))
        )}
      </s-stack>
    </s-section>
  );
}

function OrderStatusBlock() {
  const app = appUrl();
  const loggedIn = shopify.authenticationState.value === 'fully_authenticated';
  const order = useOrderTruth(loggedIn ? numericOrderId(shopify.order.value?.id) : null, app);
  if (!app) return null;
  if (!loggedIn) return <LoginPrompt />;
  if (!order) return null;
  const settings = shopify.settings.value;
  // The editor's booleans have no default: unset (unchecked) shows everything, as the theme block does.
  return <OrderTruth order={order} showItems={settings.hide_line_items !== true} showCarrier={settings.hide_carrier_names !== true} />;
}
