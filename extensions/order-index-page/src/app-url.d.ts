// Shopify CLI defines process.env.APP_URL, the app's URL, when it bundles the extension. Declared
// here rather than in shopify.d.ts, which every `shopify app` command rewrites.
declare const process: {env: {APP_URL?: string}};
