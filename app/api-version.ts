import { ApiVersion } from "@shopify/shopify-api";

/** One Admin API version for GraphQL calls and webhook subscriptions (shopify.app.toml says the same). */
export const ADMIN_API_VERSION = ApiVersion.July26;
