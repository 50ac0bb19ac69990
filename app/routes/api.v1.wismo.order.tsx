import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { orderDetailsEndpoint } from "../support/wismo-api.server";

export async function loader({ request }: LoaderFunctionArgs) {
  return orderDetailsEndpoint(getPrisma(), request);
}

/** The lookup with the customer's email in a JSON body, out of the URL. */
export async function action({ request }: ActionFunctionArgs) {
  return orderDetailsEndpoint(getPrisma(), request);
}
