import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerAccountStatus } from "../storefront/customer-account-route.server";

/** GET /customer-account/orders: the Order index extension's list of the signed-in customer's orders. */
export const loader = ({ request }: LoaderFunctionArgs) => customerAccountStatus()(request, null);
// CORS preflights (OPTIONS) reach the action; the handler answers them before anything else.
export const action = ({ request }: ActionFunctionArgs) => customerAccountStatus()(request, null);
