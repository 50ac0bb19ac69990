/**
 * The WISMO lookups as an MCP server over Streamable HTTP, for AI helpdesk agents.
 *
 * Stateless: every POST carries the shop's key and gets a fresh server and transport, so any app
 * process can answer any request and nothing is kept between them (docs/decisions/009).
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";
import type { Db } from "../db.server";
import { checkApiAccess, jsonResponse } from "../support/support-api.server";
import { lookUpCustomerOrders, lookUpOrder } from "../support/wismo-api.server";
import { integrationFor, type Integration } from "../support/wismo.server";

export const MCP_SERVER_NAME = "order-truth-wismo";
const MCP_SERVER_VERSION = "1.0.0";

const INSTRUCTIONS = [
  "Live order status for this shop's customers, from the shop's own records, Shopify, the warehouse and the carriers.",
  "Each order carries a `wismo` block: `stage` (approved, processing, pending_shipment, shipped, in_transit, delivered, canceled),",
  "`action` (inform: say `message` as is; escalate: say `message`, then hand the conversation to a person), `trackingNumbers`,",
  "`expectedDeliveryAt` and `statusPageUrl`. Never answer from an earlier call: ask again, the status changes.",
].join(" ");

const language = z.string().max(16).optional().describe("The customer's language (en, fr); defaults to the shop's.");

const text = (value: unknown) => ({ content: [{ type: "text" as const, text: JSON.stringify(value) }] });

export function createWismoMcpServer(db: Db, integration: Integration): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });

  server.registerTool(
    "find_customer_orders",
    {
      title: "Find a customer's orders",
      description:
        "The customer's most recent orders (up to 10, newest first) with their live status and a WISMO answer. " +
        "An email with no orders returns an empty list, whether or not the person is a customer.",
      inputSchema: { email: z.string().email().max(254).describe("The email the customer ordered with"), language },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ email, language: requested }) => text({ orders: await lookUpCustomerOrders(db, integration, "mcp", { email, language: requested }, new Date()) }),
  );

  server.registerTool(
    "get_order_status",
    {
      title: "Get an order's status",
      description:
        "One order's live status and WISMO answer, by order name (#1001) or Shopify order id. " +
        "Give the customer's email as well to only match an order of that customer.",
      inputSchema: {
        order_name: z.string().max(40).optional().describe("The order number the customer sees, e.g. #1001"),
        order_id: z.string().regex(/^\d{1,20}$/).optional().describe("Shopify's numeric order id"),
        email: z.string().email().max(254).optional().describe("The customer's email, to check the order is theirs"),
        language,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ order_name, order_id, email, language: requested }) => {
      if (!order_name && !order_id) return { ...text({ error: "give order_name or order_id" }), isError: true };
      const order = await lookUpOrder(db, integration, "mcp", { name: order_name, id: order_id, email, language: requested }, new Date());
      return text(order ? { order } : { order: null, error: "order not found" });
    },
  );

  return server;
}

/** POST /mcp with `Authorization: Bearer <key>` (orders:read, the shop's rate limit); the stateless transport has no stream to GET or session to DELETE. */
export async function handleMcpRequest(db: Db, request: Request): Promise<Response> {
  if (request.method !== "POST") {
    return jsonResponse(405, { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: POST JSON-RPC to this endpoint." }, id: null }, { Allow: "POST" });
  }
  const access = await checkApiAccess(db, request, "orders:read");
  if (access.refusal) {
    const { status, error, missingScope, headers } = access.refusal;
    return jsonResponse(status, { jsonrpc: "2.0", error: { code: -32001, message: error, ...(missingScope ? { data: { missingScope } } : {}) }, id: null }, headers);
  }
  const server = createWismoMcpServer(db, integrationFor(access.key, request));
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}
