// Bulk operations of the fake Admin API (test/support/fake-admin-api.ts), apart from it so their life
// cycle can grow on its own: bulkOperationRunQuery starts one, bulkOperation(id:) and
// currentBulkOperation read it, and its JSONL file is served at /bulk/<n>.jsonl on the fake's port.
// By default an operation answers CREATED when started, RUNNING for `pollsUntilDone` reads, then
// COMPLETED with the URL of its result. A test scripts other lives per operation (`script`): FAILED
// with an error code and, or not, partial data; CANCELING then CANCELED; a start refused with a user
// error; a result whose URL expires. Statuses and codes are only those of the 2026-07 schema's enums.
// Objects are in the schema's BulkOperation shape, so the fake's executor resolves any selection of them.
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";

export type BulkOperationStatus = "CANCELED" | "CANCELING" | "COMPLETED" | "CREATED" | "EXPIRED" | "FAILED" | "RUNNING";
export type BulkOperationErrorCode = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";
export type BulkOperationUserErrorCode = "INVALID" | "LIMIT_REACHED" | "OPERATION_IN_PROGRESS";

/** A BulkOperation as the Admin API shows it (UnsignedInt64 fields are strings, as Shopify sends them). */
export type BulkOperationNode = {
  id: string;
  status: BulkOperationStatus;
  type: "QUERY" | "MUTATION";
  query: string;
  errorCode: BulkOperationErrorCode | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
};

/** How one operation goes after it is started. */
export type BulkOperationScript = {
  /** reads that answer RUNNING before it ends (default: pollsUntilDone at the time of each read) */
  runningPolls?: number;
  /** how it ends (default COMPLETED) */
  end?:
    | { status: "COMPLETED" }
    /** partialIds: how many of the listed orders its partial data holds (none: no partialDataUrl) */
    | { status: "FAILED"; errorCode: BulkOperationErrorCode; partialIds?: number }
    /** cancelingPolls: reads that answer CANCELING before CANCELED (default 1) */
    | { status: "CANCELED"; cancelingPolls?: number };
};

type Operation = {
  number: number;
  query: string;
  polls: number;
  ids: string[];
  script: BulkOperationScript;
  createdAt: string;
  completedAt: string | null;
  /** the file's URL has expired; `readsCompleted`: reads still show COMPLETED and the URL, as just before expiry */
  expired?: { readsCompleted: boolean };
  forgotten?: boolean;
};

type UserError = { field: string[] | null; message: string; code: BulkOperationUserErrorCode | null };

export type FakeBulkOperations = {
  /** reads of an operation that answer RUNNING before it completes, unless scripted otherwise */
  pollsUntilDone: number;
  /** the operations started next go as these scripts say, one each, in order */
  script(...scripts: BulkOperationScript[]): void;
  /** the next `times` bulkOperationRunQuery calls are refused with this user error */
  refuseStart(code: BulkOperationUserErrorCode, times?: number): void;
  /**
   * The operation's file URL expires (Shopify keeps files seven days): downloads are refused and reads
   * answer EXPIRED without URLs, or still COMPLETED with the stale URL (`readsCompleted`).
   */
  expire(id: string, options?: { readsCompleted?: boolean }): void;
  /** Shopify no longer knows the operation: bulkOperation(id:) answers null */
  forget(id: string): void;
  /** every operation started, with its query, in order */
  started(): Array<{ id: string; query: string }>;
  /** bulkOperationRunQuery(query:) */
  runQuery(query: string): { bulkOperation: BulkOperationNode | null; userErrors: UserError[] };
  /** bulkOperation(id:): each read is a poll that moves the operation on; null for an unknown id */
  read(id: string): BulkOperationNode | null;
  /** currentBulkOperation(type: QUERY): the latest query operation, read like bulkOperation(id:) */
  current(): BulkOperationNode | null;
  /**
   * The answer to GET /bulk/<number>.jsonl: the file, 403 once its signed URL has expired (the files
   * are served from signed storage URLs, which refuse an expired signature), 404 for no such file.
   */
  result(number: string): { status: 200 | 403 | 404; body: string };
};

const FIRST_NUMBER = 900;
const gid = (number: number) => `gid://shopify/BulkOperation/${number}`;

const USER_ERRORS: Record<BulkOperationUserErrorCode, string> = {
  LIMIT_REACHED: "Bulk operations limit reached. Please try again later.",
  OPERATION_IN_PROGRESS: "A bulk query operation for this app and shop is already in progress.",
  INVALID: "Invalid bulk query.",
};

export function createFakeBulkOperations(options: { orders: () => GqlOrder[]; baseUrl: () => string }): FakeBulkOperations {
  const operations = new Map<number, Operation>();
  const scripts: BulkOperationScript[] = [];
  let refusals: { code: BulkOperationUserErrorCode; times: number } | null = null;
  const byUpdatedAt = () => [...options.orders()].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || (a.id < b.id ? -1 : 1));
  const numberOf = (id: string) => {
    const match = /^gid:\/\/shopify\/BulkOperation\/(\d+)$/.exec(id);
    return match ? Number(match[1]) : NaN;
  };
  const runningPolls = (op: Operation) => op.script.runningPolls ?? bulk.pollsUntilDone;

  /** Where the operation is after its reads so far, and how many orders it has listed by then. */
  function stage(op: Operation): { status: BulkOperationStatus; listed: number } {
    const running = runningPolls(op);
    const end = op.script.end ?? { status: "COMPLETED" };
    if (op.polls === 0) return { status: "CREATED", listed: 0 };
    // objectCount is a running count: it grows while the operation runs.
    if (op.polls <= running) return { status: "RUNNING", listed: Math.floor((op.ids.length * op.polls) / (running + 1)) };
    const reached = Math.floor((op.ids.length * running) / (running + 1));
    switch (end.status) {
      case "COMPLETED":
        return { status: op.expired && !op.expired.readsCompleted ? "EXPIRED" : "COMPLETED", listed: op.ids.length };
      case "FAILED":
        return { status: op.expired ? "EXPIRED" : "FAILED", listed: end.partialIds ?? reached };
      case "CANCELED":
        return { status: op.polls <= running + (end.cancelingPolls ?? 1) ? "CANCELING" : "CANCELED", listed: reached };
    }
  }

  /** The orders the operation's file holds, or null when it has no file (yet, any more, or at all). */
  function fileOf(op: Operation): string[] | null {
    const { status } = stage(op);
    const end = op.script.end ?? { status: "COMPLETED" };
    if (op.expired) return null;
    if (status === "COMPLETED") return op.ids.length > 0 ? op.ids : null;
    if (status === "FAILED" && end.status === "FAILED" && end.partialIds) return op.ids.slice(0, end.partialIds);
    return null;
  }

  const show = (op: Operation): BulkOperationNode => {
    const { status, listed } = stage(op);
    const end = op.script.end ?? { status: "COMPLETED" };
    const stale = status === "COMPLETED" && op.expired?.readsCompleted && op.ids.length > 0;
    const file = fileOf(op);
    const url = file || stale ? `${options.baseUrl()}/bulk/${op.number}.jsonl` : null;
    return {
      id: gid(op.number),
      status,
      type: "QUERY",
      query: op.query,
      errorCode: status === "FAILED" && end.status === "FAILED" ? end.errorCode : null,
      objectCount: String(listed),
      rootObjectCount: String(listed),
      fileSize: file ? String(Buffer.byteLength(jsonl(file))) : null,
      url: status === "COMPLETED" ? url : null,
      partialDataUrl: status === "FAILED" ? url : null,
      createdAt: op.createdAt,
      completedAt: status === "COMPLETED" || (status === "EXPIRED" && end.status === "COMPLETED") ? op.completedAt : null,
    };
  };
  const poll = (op: Operation): BulkOperationNode => {
    op.polls += 1;
    if (stage(op).status === "COMPLETED") op.completedAt ??= new Date().toISOString();
    return show(op);
  };
  const known = (id: string) => {
    const op = operations.get(numberOf(id));
    if (!op) throw new Error(`the fake has no bulk operation ${id}`);
    return op;
  };
  // Shopify's JSONL: one object per line, children (if any) after their parent with __parentId.
  const jsonl = (ids: string[]) => ids.map((id) => JSON.stringify({ id, updatedAt: options.orders().find((o) => o.id === id)?.updatedAt })).join("\n") + "\n";

  const bulk: FakeBulkOperations = {
    pollsUntilDone: 1,
    script(...next) {
      scripts.push(...next);
    },
    refuseStart(code, times = 1) {
      refusals = { code, times };
    },
    expire(id, expiry = {}) {
      known(id).expired = { readsCompleted: expiry.readsCompleted ?? false };
    },
    forget(id) {
      known(id).forgotten = true;
    },
    started() {
      return [...operations.values()].map((op) => ({ id: gid(op.number), query: op.query }));
    },
    runQuery(query) {
      if (refusals && refusals.times > 0) {
        refusals.times -= 1;
        return { bulkOperation: null, userErrors: [{ field: null, message: USER_ERRORS[refusals.code], code: refusals.code }] };
      }
      const since = /updated_at:>='([^']+)'/.exec(query)?.[1] ?? "1970-01-01T00:00:00Z";
      const number = FIRST_NUMBER + operations.size;
      const op: Operation = {
        number,
        query,
        polls: 0,
        ids: byUpdatedAt().filter((o) => Date.parse(o.updatedAt) >= Date.parse(since)).map((o) => o.id),
        script: scripts.shift() ?? {},
        createdAt: new Date().toISOString(),
        completedAt: null,
      };
      operations.set(number, op);
      return { bulkOperation: show(op), userErrors: [] };
    },
    read(id) {
      const op = operations.get(numberOf(id));
      return op && !op.forgotten ? poll(op) : null;
    },
    current() {
      const latest = [...operations.values()].filter((op) => !op.forgotten).at(-1);
      return latest ? poll(latest) : null;
    },
    result(number) {
      const op = operations.get(Number(number));
      if (op?.expired) return { status: 403, body: "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>" };
      const file = op && fileOf(op);
      return file ? { status: 200, body: jsonl(file) } : { status: 404, body: "not found" };
    },
  };
  return bulk;
}
