import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, threePlFeedAction } from "../sources/feed-api.server";

export const loader = () => methodNotAllowed();
export const action = ({ request }: ActionFunctionArgs) => threePlFeedAction(request);
