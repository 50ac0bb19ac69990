import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerAccountStatus, peerAddress } from "../storefront/customer-account-route.server";

/** GET /customer-account/orders/<id>: the Order status page extension's order. */
export const loader = ({ request, params, context }: LoaderFunctionArgs) => customerAccountStatus()(request, params.orderId ?? "", peerAddress(context));
// CORS preflights (OPTIONS) reach the action; the handler answers them before anything else.
export const action = ({ request, params, context }: ActionFunctionArgs) => customerAccountStatus()(request, params.orderId ?? "", peerAddress(context));
