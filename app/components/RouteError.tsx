import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, Page } from "@shopify/polaris";

/** A page-level error inside the app frame: the navigation stays, the page says what failed. */
export function RouteError({ title }: { title: string }) {
  const error = useRouteError();
  const message = isRouteErrorResponse(error)
    ? error.status === 404
      ? "Not found. It may have been deleted, or the link is wrong."
      : `The server answered ${error.status}. Try again in a moment.`
    : "Something went wrong loading this page. Try again in a moment.";
  return (
    <Page title={title}>
      <Banner tone="critical" title="This page could not load">
        <p>{message}</p>
      </Banner>
    </Page>
  );
}
