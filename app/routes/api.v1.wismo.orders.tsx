import type { LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { customerOrdersEndpoint } from "../support/wismo-api.server";

export async function loader({ request }: LoaderFunctionArgs) {
  return customerOrdersEndpoint(getPrisma(), request);
}
