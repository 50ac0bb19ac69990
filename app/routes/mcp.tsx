import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { getPrisma } from "../db.server";
import { handleMcpRequest } from "../mcp/wismo-mcp.server";

export async function loader({ request }: LoaderFunctionArgs) {
  return handleMcpRequest(getPrisma(), request);
}

export async function action({ request }: ActionFunctionArgs) {
  return handleMcpRequest(getPrisma(), request);
}
