/**
 * Runs tasks at most `concurrency` at a time, in the order they came. The live documents'
 * compactions go through one: pages typed into together pass their log bound together, and a
 * hundred compactions at once would take the connection pool and the event loop from the log
 * writer (docs/performance.md).
 */
export class TaskQueue {
  private waiting: (() => void)[] = [];
  private running = 0;

  constructor(private readonly concurrency = 1) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
