import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../intake/webhook-intake-instance.server";
import { readBodyWithLimit, BodyTooLargeError } from "../http/body.server";
import { WEBHOOK_BODY_LIMIT } from "../intake/shopify-webhook-intake.server";
import { createBodyBudget } from "../http/body-budget.server";

/** Shared by every request of this process (the production server has its own, see server/index.js). */
const unverifiedBodies = createBodyBudget();

export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
  const declared = request.headers.get("content-length");
  const release = unverifiedBodies.reserve(declared === null ? null : Number(declared), WEBHOOK_BODY_LIMIT);
  if (!release) return new Response("busy, retry", { status: 503, headers: { "Retry-After": "5" } });
  try {
    let rawBody: string;
    try {
      rawBody = await readBodyWithLimit(request, WEBHOOK_BODY_LIMIT);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return new Response(error.message, { status: 413 });
      throw error;
    }
    const result = await receiveWebhook(rawBody, request.headers);
    return new Response(result.body, { status: result.status, headers: result.headers });
  } finally {
    release();
  }
}
