// Bulk operations of the fake Admin API (test/support/fake-admin-api.ts), apart from it so their life
// cycle can grow on its own: bulkOperationRunQuery starts one, bulkOperation(id:) and
// currentBulkOperation read it, and its JSONL result is served at /bulk/<n>.jsonl on the fake's port.
// An operation answers CREATED when started, RUNNING for `pollsUntilDone` reads, then COMPLETED with
// the URL of its result. Objects are in the schema's BulkOperation shape, so the fake's executor
// resolves any selection of them.
import type { GqlOrder } from "../../app/sources/shopify-reconciliation/order-mapping";

/** A BulkOperation as the Admin API shows it (UnsignedInt64 fields are strings, as Shopify sends them). */
export type BulkOperationNode = {
  id: string;
  status: string;
  type: "QUERY" | "MUTATION";
  query: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  createdAt: string;
  completedAt: string | null;
};

type Operation = { number: number; query: string; polls: number; ids: string[]; createdAt: string; completedAt: string | null };

export type FakeBulkOperations = {
  /** reads of an operation that answer RUNNING before it completes */
  pollsUntilDone: number;
  /** bulkOperationRunQuery(query:) */
  runQuery(query: string): { bulkOperation: BulkOperationNode | null; userErrors: Array<{ field: string[] | null; message: string; code: string | null }> };
  /** bulkOperation(id:): each read is a poll that moves the operation on; null for an unknown id */
  read(id: string): BulkOperationNode | null;
  /** currentBulkOperation(type: QUERY): the latest query operation, read like bulkOperation(id:) */
  current(): BulkOperationNode | null;
  /** the body of /bulk/<number>.jsonl, or null when there is no such result */
  result(number: string): string | null;
};

const FIRST_NUMBER = 900;
const gid = (number: number) => `gid://shopify/BulkOperation/${number}`;

export function createFakeBulkOperations(options: { orders: () => GqlOrder[]; baseUrl: () => string }): FakeBulkOperations {
  const operations = new Map<number, Operation>();
  const byUpdatedAt = () => [...options.orders()].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt) || (a.id < b.id ? -1 : 1));

  const show = (op: Operation, status: string): BulkOperationNode => {
    const done = status === "COMPLETED";
    return {
      id: gid(op.number),
      status,
      type: "QUERY",
      query: op.query,
      errorCode: null,
      objectCount: String(done ? op.ids.length : 0),
      rootObjectCount: String(done ? op.ids.length : 0),
      fileSize: done && op.ids.length > 0 ? String(Buffer.byteLength(jsonl(op))) : null,
      url: done && op.ids.length > 0 ? `${options.baseUrl()}/bulk/${op.number}.jsonl` : null,
      partialDataUrl: null,
      createdAt: op.createdAt,
      completedAt: done ? op.completedAt : null,
    };
  };
  const poll = (op: Operation): BulkOperationNode => {
    op.polls += 1;
    const done = op.polls > bulk.pollsUntilDone;
    if (done) op.completedAt ??= new Date().toISOString();
    return show(op, done ? "COMPLETED" : "RUNNING");
  };
  const numberOf = (id: string) => {
    const match = /^gid:\/\/shopify\/BulkOperation\/(\d+)$/.exec(id);
    return match ? Number(match[1]) : NaN;
  };
  // Shopify's JSONL: one object per line, children (if any) after their parent with __parentId.
  const jsonl = (op: Operation) =>
    op.ids.map((id) => JSON.stringify({ id, updatedAt: options.orders().find((o) => o.id === id)?.updatedAt })).join("\n") + "\n";

  const bulk: FakeBulkOperations = {
    pollsUntilDone: 1,
    runQuery(query) {
      const since = /updated_at:>='([^']+)'/.exec(query)?.[1] ?? "1970-01-01T00:00:00Z";
      const number = FIRST_NUMBER + operations.size;
      const op: Operation = {
        number,
        query,
        polls: 0,
        ids: byUpdatedAt().filter((o) => Date.parse(o.updatedAt) >= Date.parse(since)).map((o) => o.id),
        createdAt: new Date().toISOString(),
        completedAt: null,
      };
      operations.set(number, op);
      return { bulkOperation: show(op, "CREATED"), userErrors: [] };
    },
    read(id) {
      const op = operations.get(numberOf(id));
      return op ? poll(op) : null;
    },
    current() {
      const latest = [...operations.values()].at(-1);
      return latest ? poll(latest) : null;
    },
    result(number) {
      const op = operations.get(Number(number));
      return op ? jsonl(op) : null;
    },
  };
  return bulk;
}
