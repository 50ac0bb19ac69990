import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { AppProvider, Button, Card, FormLayout, Page, Text, TextField } from "@shopify/polaris";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import enTranslations from "@shopify/polaris/locales/en.json";
import { LoginErrorType } from "@shopify/shopify-app-remix/server";
import { useState } from "react";
import { login } from "../../shopify.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: polarisStyles }];

function loginErrorMessage(result: unknown): string | undefined {
  const shop = (result as { shop?: string } | null)?.shop;
  if (shop === LoginErrorType.MissingShop) return "Enter your shop domain to log in.";
  if (shop === LoginErrorType.InvalidShop) return "Enter a valid shop domain, such as my-store.myshopify.com.";
  return undefined;
}

export async function loader({ request }: LoaderFunctionArgs) {
  return json({ error: loginErrorMessage(await login(request)) });
}

export async function action({ request }: ActionFunctionArgs) {
  return json({ error: loginErrorMessage(await login(request)) });
}

export default function Login() {
  const loaded = useLoaderData<typeof loader>();
  const acted = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const error = acted?.error ?? loaded.error;
  return (
    <AppProvider i18n={enTranslations}>
      <Page narrowWidth>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h1">
                Log in
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={error}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </AppProvider>
  );
}
