/** Something whose derived content can be rendered and written: a LiveDocument. */
export interface Renderable {
  /** Renders now (on the event loop) and resolves once the write is done; never rejects. */
  render(): Promise<void>;
}

/**
 * Renders derived page content (text, HTML) one page per turn of the event loop. Pages typed
 * into together become due together (their commits share a transaction), and rendering a hundred
 * of them in one turn holds every editor's messages and "saved" acknowledgements back by tens of
 * milliseconds (docs/performance.md). Here each render gets a turn of its own, and at most
 * `maxWrites` of their database writes are in flight, so they never take the connection pool
 * from the log writer.
 */
export class RenderQueue {
  private due = new Set<Renderable>();
  private writes = new Set<Promise<void>>();
  private running = false;

  constructor(private readonly maxWrites = 2) {}

  /** Renders `page` soon; a page already waiting keeps its place. */
  add(page: Renderable) {
    this.due.add(page);
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.run());
  }

  private async run() {
    for (const page of this.due) {
      this.due.delete(page);
      const write = page.render();
      this.writes.add(write);
      void write.then(() => this.writes.delete(write));
      if (this.writes.size >= this.maxWrites) await Promise.race(this.writes);
      // Let the sockets and the log writer have the event loop between two renders.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
  }
}
