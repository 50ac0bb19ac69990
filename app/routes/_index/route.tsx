import type { LoaderFunctionArgs } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { appConfig } from "../../config.server";
import { login } from "../../shopify.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  if (appConfig().demo || url.searchParams.get("shop")) {
    throw redirect(`/app?${url.searchParams.toString()}`);
  }
  return json({ showForm: Boolean(login) });
}

export default function Landing() {
  const { showForm } = useLoaderData<typeof loader>();
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "4rem auto", lineHeight: 1.5 }}>
      <h1>One true status for every order</h1>
      <p>
        Shopify, your warehouse and the carriers each see a different slice of an order. This app keeps one live
        status per order, shows where the systems disagree and how far behind each one is, and gives customers and
        support bots the same truth.
      </p>
      {showForm && (
        <Form method="post" action="/auth/login">
          <label htmlFor="shop">Shop domain</label>{" "}
          <input id="shop" type="text" name="shop" placeholder="my-store.myshopify.com" />{" "}
          <button type="submit">Log in</button>
        </Form>
      )}
    </main>
  );
}
