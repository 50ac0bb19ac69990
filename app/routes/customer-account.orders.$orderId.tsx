import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerAccountStatus } from "../storefront/customer-account-route.server";

/** GET /customer-account/orders/<id>: the Order status page extension's order. */
export const loader = ({ request, params }: LoaderFunctionArgs) => customerAccountStatus()(request, params.orderId ?? "");
// CORS preflights (OPTIONS) reach the action; the handler answers them before anything else.
export const action = ({ request, params }: ActionFunctionArgs) => customerAccountStatus()(request, params.orderId ?? "");
