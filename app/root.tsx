import {
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useRouteError,
} from "@remix-run/react";

export default function App() {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <link rel="preconnect" href="https://cdn.shopify.com/" />
        {/* No icon of its own: the admin shows Shopify's, and browsers stop asking for /favicon.ico. */}
        <link rel="icon" href="data:," />
        <title>Order Truth</title>
        <Meta />
        <Links />
      </head>
      <body>
        <Outlet />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : "Something went wrong on our side.";
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>Order status: error</title>
        <Meta />
        <Links />
      </head>
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "2rem" }}>
        <h1>{message}</h1>
        <p>Reload the page; if it persists, the service status is shown on the Overview page.</p>
        <Scripts />
      </body>
    </html>
  );
}
