/** Identity of the simulated store. Not credentials: demo mode refuses to run beside real ones. */
export const DEMO_SHOP = "demo-store.myshopify.com";
export const DEMO_API_KEY = "demo-api-key";
export const DEMO_API_SECRET = "demo-api-secret-not-a-real-credential";
