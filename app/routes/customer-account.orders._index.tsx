import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { customerAccountStatus, peerAddress } from "../storefront/customer-account-route.server";

/** GET /customer-account/orders: the Order index extension's list of the signed-in customer's orders. */
export const loader = ({ request, context }: LoaderFunctionArgs) => customerAccountStatus()(request, null, peerAddress(context));
// CORS preflights (OPTIONS) reach the action; the handler answers them before anything else.
export const action = ({ request, context }: ActionFunctionArgs) => customerAccountStatus()(request, null, peerAddress(context));
