import type { ActionFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { recordDirectly } from "../sources/feed-delivery.server";
import { FeedFileError, importThreePlFile, previewThreePlFile, requestBodyChunks } from "../sources/three-pl/import.server";
import { jsonResponse } from "../support/support-api.server";

// A resource route: the dashboard posts the raw file here (XMLHttpRequest, for upload progress), with ?dryRun=1 for the preview.
export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  const params = new URL(request.url).searchParams;
  const input = { shop, body: requestBodyChunks(request.body), via: "upload" as const, fileName: fileName(request), receivedAt: new Date(), previewHash: params.get("previewHash") };
  try {
    // The page shows how the file will be read first, and imports it once the merchant confirms that preview.
    if (params.get("dryRun") === "1") return jsonResponse(200, await previewThreePlFile(getPrisma(), input));
    return jsonResponse(200, await importThreePlFile({ db: getPrisma(), record: recordDirectly }, input));
  } catch (error) {
    if (error instanceof FeedFileError) return jsonResponse(error.status, { error: error.message });
    throw error;
  }
}

/** Header values are Latin-1; the page sends the name URI-encoded so any file name survives. */
function fileName(request: Request): string | null {
  const raw = request.headers.get("x-file-name");
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
