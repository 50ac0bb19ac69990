// The parts of the contract's storefront view (contracts/order-status.schema.json) the extension reads.

export type ShipmentStatus = string;

export type Shipment = {
  id: string;
  status: ShipmentStatus;
  carrier: string | null;
  trackingNumbers: string[];
  trackingUrls: string[];
  items: {title: string; sku?: string | null; quantity: number}[];
  estimatedDeliveryAt: string | null;
  deliveredAt: string | null;
  lastEvent: {status: ShipmentStatus; happenedAt: string; message?: string | null; location?: string | null} | null;
};

export type StorefrontOrder = {
  orderId: string;
  name: string;
  status: string;
  attention: string[];
  items: {total: number; shipped: number; delivered: number};
  shipments: Shipment[];
  estimatedDeliveryAt: string | null;
  deliveredAt: string | null;
  cancelledAt: string | null;
};

/** GET /customer-account/orders/<id>: no order unless the token names the customer (`signedIn`). */
export type Answer = {signedIn: boolean; order: StorefrontOrder | null};

/** The numeric id the app's records use, from Shopify's `gid://shopify/Order/<id>`. */
export function numericOrderId(gid: string | undefined): string | null {
  return /^gid:\/\/shopify\/Order\/(\d{1,20})$/.exec(gid ?? '')?.[1] ?? null;
}

/** Tracking URLs come from carriers and 3PLs: only https URLs become links, never a script or a plain-text page. */
export function safeHref(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The app's URL, which Shopify CLI writes into the bundle from APP_URL (the tunnel under
 * `shopify app dev`, the environment or the app's .env under `shopify app deploy`). Unset, the
 * bundle has no `process` to read and the extension stays empty.
 */
export function appUrl(): string | undefined {
  try {
    // Without its trailing slash, so paths join with one.
    return process.env.APP_URL?.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
