/**
 * HTTP answers of the feed API (POST /api/v1/feeds/3pl, POST /api/v1/feeds/carrier), kept out of the
 * route modules so the routes stay a line each and the rules are in one place.
 */
import { getPrisma } from "../db.server";
import { BodyTooLargeError, discardBody, readBodyWithLimit } from "../http/body.server";
import { jsonResponse, requireApiShop } from "../support/support-api.server";
import { receiveCarrierUpdates } from "./carrier/carrier-intake.server";
import { recordDirectly } from "./feed-delivery.server";
import { FeedFileError, MAX_THREE_PL_FILE_BYTES, charsetOf, importThreePlFile, previewThreePlFile, requestBodyChunks } from "./three-pl/import.server";

/**
 * Delimited text under the names senders give it (Windows labels .csv files application/vnd.ms-excel,
 * and "Unicode Text" or a marketplace report arrives as tab-separated values), and .xlsx workbooks.
 * What the file is, is decided from its bytes; the type only has to be one of these.
 */
const FILE_TYPES = new Set([
  "text/csv",
  "application/csv",
  "text/plain",
  "text/tab-separated-values",
  "application/vnd.ms-excel",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]);
export const MAX_CARRIER_BODY_BYTES = 1024 * 1024;

const mediaType = (request: Request) => (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();

export const methodNotAllowed = () => jsonResponse(405, { error: "use POST" }, { Allow: "POST" });

/** Everything taken, or some of it: 200. Nothing usable in a readable request: 422. */
const statusFor = (taken: number, rejected: number) => (taken === 0 && rejected > 0 ? 422 : 200);

const isDryRun = (request: Request) => ["1", "true"].includes(new URL(request.url).searchParams.get("dryRun") ?? "");

export async function threePlFeedAction(request: Request): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "feeds:write");
  if (!FILE_TYPES.has(mediaType(request))) {
    return jsonResponse(415, { error: "send the file as the body with Content-Type: text/csv, text/tab-separated-values or, for a workbook, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_THREE_PL_FILE_BYTES) return tooLarge(request, `the file is larger than ${MAX_THREE_PL_FILE_BYTES / 1024 / 1024} MB`);
  const input = {
    shop,
    body: requestBodyChunks(request.body),
    via: "http" as const,
    fileName: request.headers.get("x-file-name"),
    receivedAt: new Date(),
    httpCharset: charsetOf(request.headers.get("content-type")),
    previewHash: new URL(request.url).searchParams.get("previewHash"),
  };
  try {
    if (isDryRun(request)) {
      const preview = await previewThreePlFile(db, input);
      return jsonResponse(statusFor(preview.rowsForKnownOrders + preview.rowsWaiting, preview.rejectedCount), preview);
    }
    const result = await importThreePlFile({ db, record: recordDirectly }, input);
    return jsonResponse(statusFor(result.accepted + result.duplicates + result.pending, result.rejectedCount), result);
  } catch (error) {
    if (error instanceof FeedFileError) return error.status === 413 ? tooLarge(request, error.message) : jsonResponse(error.status, { error: error.message });
    throw error;
  }
}

/** The rest of the body is read and dropped (up to twice the limit) so the client gets this answer. */
async function tooLarge(request: Request, error: string): Promise<Response> {
  await discardBody(request, 2 * MAX_THREE_PL_FILE_BYTES);
  return jsonResponse(413, { error }, { Connection: "close" });
}

export async function carrierFeedAction(request: Request): Promise<Response> {
  if (request.method !== "POST") return methodNotAllowed();
  const db = getPrisma();
  const shop = await requireApiShop(db, request, "feeds:write");
  if (mediaType(request) !== "application/json") return jsonResponse(415, { error: "send JSON with Content-Type: application/json" });
  let body: unknown;
  try {
    body = JSON.parse(await readBodyWithLimit(request, MAX_CARRIER_BODY_BYTES));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return tooLarge(request, `the body is larger than ${MAX_CARRIER_BODY_BYTES / 1024} KB`);
    return jsonResponse(400, { error: "the body is not JSON" });
  }
  if (Array.isArray(body) && body.length === 0) return jsonResponse(400, { error: "no updates in the array" });
  const result = await receiveCarrierUpdates({ db, record: recordDirectly }, shop, body, new Date());
  return jsonResponse(statusFor(result.accepted + result.duplicates, result.rejected.length), result);
}
