import "@shopify/shopify-app-remix/adapters/node";
import { AppDistribution, LogSeverity, shopifyApp } from "@shopify/shopify-app-remix/server";
import { ADMIN_API_VERSION } from "./api-version";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appConfig } from "./config.server";
import { getPrisma } from "./db.server";
import { EncryptedSessionStorage } from "./sessions.server";
import { markShopInstalled } from "./shops.server";
import { scheduleBackfill } from "./sources/shopify-reconciliation/backfill-schedule.server";

const config = appConfig();

const shopify = shopifyApp({
  apiKey: config.apiKey,
  apiSecretKey: config.apiSecret,
  apiVersion: ADMIN_API_VERSION,
  scopes: config.scopes,
  appUrl: config.appUrl,
  authPathPrefix: "/auth",
  sessionStorage: new EncryptedSessionStorage(new PrismaSessionStorage(getPrisma()), config.encryptionKey),
  distribution: AppDistribution.AppStore,
  // INFO logs a line per proxied storefront request; warnings and errors are what operators need.
  logger: { level: LogSeverity.Warning },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
    expiringOfflineAccessTokens: true,
  },
  hooks: {
    afterAuth: async ({ session }) => {
      await scheduleBackfill(getPrisma(), session.shop);
      await markShopInstalled(getPrisma(), session.shop);
    },
  },
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
