// The `shopify` global each module of the extension sees, as Shopify CLI declares it for its target.
import '@shopify/ui-extensions';

//@ts-ignore
declare module './src/OrderIndexBlock.tsx' {
  const shopify: import('@shopify/ui-extensions/customer-account.order-index.block.render').Api;
  const globalThis: {shopify: typeof shopify};
}

declare global {
  // Shopify CLI defines process.env.APP_URL, the app's URL, when it bundles the extension.
  const process: {env: {APP_URL?: string}};
}
