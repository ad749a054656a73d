import type { Sql } from "../db/client.ts";
import { appendBatch, appendUpdates, isMissingPage, type LogRow } from "./storage.ts";

interface Job {
  pageId: string;
  rows: LogRow[];
  quietMs: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit across pages. One writer per process runs transactions back to back; every
 * page's flush that arrives while one is running goes into the next, so a hundred pages being
 * typed into cost one transaction every few milliseconds instead of a hundred (docs/performance.md
 * measured the difference). Each page still has at most one write in flight: its LiveDocument
 * waits for its own before it hands over the next.
 *
 * A batch that fails because one of its pages no longer exists (deleted while open) is written
 * again page by page, so only that page fails; any other failure (the database down) fails the
 * whole batch and every page retries on its own schedule.
 */
export class LogWriter {
  private queue: Job[] = [];
  private running = false;

  constructor(private readonly sql: Sql) {}

  /** Resolves once `rows` are committed to the page's log. */
  append(pageId: string, rows: LogRow[], quietMs: number): Promise<void> {
    if (!rows.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ pageId, rows, quietMs, resolve, reject });
      if (!this.running) {
        this.running = true;
        // One turn of the event loop: flushes due at the same moment share the transaction.
        setImmediate(() => void this.run());
      }
    });
  }

  private async run() {
    while (this.queue.length) {
      const jobs = this.queue;
      this.queue = [];
      try {
        await appendBatch(this.sql, jobs);
        for (const job of jobs) job.resolve();
      } catch (error) {
        if (jobs.length > 1 && isMissingPage(error)) await this.onePageAtATime(jobs);
        else for (const job of jobs) job.reject(error);
      }
    }
    this.running = false;
  }

  private async onePageAtATime(jobs: Job[]) {
    for (const job of jobs) {
      try {
        await appendUpdates(this.sql, job.pageId, job.rows, job.quietMs);
        job.resolve();
      } catch (error) {
        job.reject(error);
      }
    }
  }
}
