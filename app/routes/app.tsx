import type { HeadersFunction, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useLocation, useRouteError } from "@remix-run/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import { AppProvider as ShopifyAppProvider } from "@shopify/shopify-app-remix/react";
import { AppProvider as PolarisAppProvider, Badge, Box, InlineStack, Text } from "@shopify/polaris";
import { NavMenu } from "@shopify/app-bridge-react";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import enTranslations from "@shopify/polaris/locales/en.json";
import { requireAdmin } from "../admin.server";
import { appConfig } from "../config.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { demo, shop } = await requireAdmin(request);
  return json({ apiKey: appConfig().apiKey, demo, shop });
}

export const NAV_LINKS = [
  { to: "/app", label: "Overview" },
  { to: "/app/discrepancies", label: "Discrepancies" },
  { to: "/app/orders", label: "Orders" },
  { to: "/app/answers", label: "Bot answers" },
  { to: "/app/feeds", label: "Feeds" },
  { to: "/app/settings", label: "Settings" },
] as const;

export default function AppLayout() {
  const { apiKey, demo, shop } = useLoaderData<typeof loader>();
  if (demo) {
    return (
      <PolarisAppProvider i18n={enTranslations} linkComponent={RemixLink}>
        <DemoNavigation shop={shop} />
        <Outlet />
      </PolarisAppProvider>
    );
  }
  return (
    <ShopifyAppProvider isEmbeddedApp apiKey={apiKey}>
      <NavMenu>
        {NAV_LINKS.map((link) => (
          <Link key={link.to} to={link.to} rel={link.to === "/app" ? "home" : undefined}>
            {link.label}
          </Link>
        ))}
      </NavMenu>
      <Outlet />
    </ShopifyAppProvider>
  );
}

function RemixLink({ url, children, external, ...rest }: { url: string; children?: React.ReactNode; external?: boolean; [key: string]: unknown }) {
  if (external) {
    return (
      <a href={url} target="_blank" rel="noopener noreferrer" {...rest}>
        {children}
      </a>
    );
  }
  return (
    <Link to={url} {...rest}>
      {children}
    </Link>
  );
}

/** Outside the Shopify admin there is no NavMenu, so the demo draws its own. */
function DemoNavigation({ shop }: { shop: string }) {
  const location = useLocation();
  return (
    <Box padding="400" background="bg-surface" borderBlockEndWidth="025" borderColor="border">
      <InlineStack gap="400" blockAlign="center">
        <Text as="span" variant="headingMd">
          Order truth
        </Text>
        <nav aria-label="Main">
          <InlineStack gap="300">
            {NAV_LINKS.map((link) => {
              const current = link.to === "/app" ? location.pathname === "/app" : location.pathname.startsWith(link.to);
              return (
                <Link key={link.to} to={link.to} aria-current={current ? "page" : undefined} style={{ fontWeight: current ? 700 : 400 }}>
                  {link.label}
                </Link>
              );
            })}
          </InlineStack>
        </nav>
        <Badge tone="info">{`Demo store ${shop}: simulated data, no Shopify account connected`}</Badge>
      </InlineStack>
    </Box>
  );
}

export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
