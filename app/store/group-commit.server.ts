import { isDatabaseUnavailable } from "./database-errors.server";
import { recordSubmissions } from "./event-log/event-log-writer.server";
import type { SqlWriterConnection } from "./event-log/sql-session.server";
import type { EventSubmission, RecordOutcome } from "./order-store.server";

type Pending = { submission: EventSubmission; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void };

/**
 * Group commit: submissions that arrive while a transaction is being written go together into the
 * next one. Idle, a submission commits alone at once; under load, one transaction carries many, so
 * throughput grows with concurrency while each caller still waits for its own commit before acking.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly writer: () => SqlWriterConnection,
    private readonly maxBatch = 256,
  ) {}

  submit(submission: EventSubmission): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let the requests already parsed in this turn of the event loop join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain() {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(batch: Pending[]) {
    try {
      const outcomes = await recordSubmissions(
        this.writer(),
        batch.map((p) => p.submission),
      );
      batch.forEach((p, i) => p.resolve(outcomes[i]));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // One bad submission must not fail its neighbours: retry each alone.
      for (const p of batch) await this.commit([p]);
    }
  }
}
