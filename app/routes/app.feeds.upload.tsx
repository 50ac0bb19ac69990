import type { ActionFunctionArgs } from "@remix-run/node";
import { requireAdmin } from "../admin.server";
import { getPrisma } from "../db.server";
import { recordDirectly } from "../sources/feed-delivery.server";
import { FeedFileError, importThreePlFile, requestBodyChunks } from "../sources/three-pl/import.server";
import { jsonResponse } from "../support/support-api.server";

// A resource route: the dashboard posts the raw file here (XMLHttpRequest, for upload progress).
export async function action({ request }: ActionFunctionArgs) {
  const { shop } = await requireAdmin(request);
  try {
    const result = await importThreePlFile(
      { db: getPrisma(), record: recordDirectly },
      { shop, body: requestBodyChunks(request.body), via: "upload", fileName: fileName(request), receivedAt: new Date() },
    );
    return jsonResponse(200, result);
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
