import type { ActionFunctionArgs } from "@remix-run/node";
import { carrierFeedAction, methodNotAllowed } from "../sources/feed-api.server";

export const loader = () => methodNotAllowed();
export const action = ({ request }: ActionFunctionArgs) => carrierFeedAction(request);
