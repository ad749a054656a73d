import { describe, expect, it } from "vitest";
import { RenderQueue, type Renderable } from "../../collab/render-queue.ts";
import { TaskQueue } from "../../collab/task-queue.ts";

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("TaskQueue", () => {
  it("runs one task at a time, in the order they came, and a failure does not stop the next", async () => {
    const queue = new TaskQueue(1);
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string, fail = false) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await turn();
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run(task("a")), queue.run(task("b", true)), queue.run(task("c"))]);
    expect(most).toBe(1);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});

describe("RenderQueue", () => {
  /** A page whose render takes the event loop for a moment and writes for a while. */
  function page(name: string, log: string[], writes: { open: number; most: number }) {
    return {
      render(): Promise<void> {
        log.push(name);
        writes.open++;
        writes.most = Math.max(writes.most, writes.open);
        return new Promise((resolve) =>
          setTimeout(() => {
            writes.open--;
            resolve();
          }, 5),
        );
      },
    } satisfies Renderable;
  }

  it("renders every due page once, one per turn of the event loop, with at most two writes in flight", async () => {
    const queue = new RenderQueue(2);
    const log: string[] = [];
    const writes = { open: 0, most: 0 };
    const pages = ["a", "b", "c", "d", "e"].map((n) => page(n, log, writes));
    for (const p of pages) queue.add(p);
    queue.add(pages[0]!); // due twice before its turn: rendered once
    // Other work gets the event loop between two renders.
    let turnsSeen = 0;
    const ticker = setInterval(() => turnsSeen++, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    clearInterval(ticker);
    expect(log).toEqual(["a", "b", "c", "d", "e"]);
    expect(writes.most).toBe(2);
    expect(turnsSeen).toBeGreaterThan(2);
  });

  it("a page due again after its render is rendered again", async () => {
    const queue = new RenderQueue(2);
    const log: string[] = [];
    const writes = { open: 0, most: 0 };
    const a = page("a", log, writes);
    queue.add(a);
    await new Promise((resolve) => setTimeout(resolve, 20));
    queue.add(a);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(["a", "a"]);
  });
});
