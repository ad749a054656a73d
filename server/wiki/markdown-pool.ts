import type { JSONContent } from "@tiptap/core";
import type { Node as PMNode } from "@tiptap/pm/model";
import { Piscina } from "piscina";
import { AppError } from "../errors.ts";
import { siblingEntry } from "../runtime.ts";
import { pageSchema } from "./schema.ts";

/**
 * Markdown import off the main thread (docs/decisions/013-document-bounds.md): the parse runs in
 * one worker thread with a time bound, so no body, however crafted, holds other users' requests.
 * A parse that takes longer than MAX_PARSE_MS is cut off (its worker is replaced) and answers 422
 * `document_too_complex`; with MAX_QUEUED imports already waiting the answer is 503. Imports take
 * turns (one worker: the other core serves everyone else), each timed from when its turn comes.
 * The worker starts on the first import and leaves after IDLE_MS without one: a server nobody
 * imports into does not keep its memory (docs/performance.md, "Memory at start").
 */
export const MAX_PARSE_MS = 3000;
const IDLE_MS = 30_000;
const MAX_QUEUED = 16;

type WorkerAnswer =
  | { ok: true; json: JSONContent }
  | { ok: false; status: number; code: string; message: string; fields?: Record<string, string> };

/** The import worker of one process (AppContext.markdown): built once by createAppContext. */
export interface MarkdownImporter {
  /** markdownToNode (markdown-import.ts) in the worker: the same node, the same errors, within MAX_PARSE_MS. */
  importMarkdown(markdown: string): Promise<PMNode>;
  /** Stops the worker (server shutdown, tests). */
  close(): Promise<void>;
}

/** One worker, started on first use and gone after IDLE_MS without one, with its queue of waiting imports. */
export function createMarkdownImporter(): MarkdownImporter {
  let pool: Piscina | undefined;
  /** Settles once the worker has started (loading the schema takes a second or two): the time bound is for parsing only. */
  let ready: Promise<unknown> = Promise.resolve();
  /** Imports waiting for the worker; each one's clock starts when it is handed to the worker. */
  let waiting = 0;
  let lane: Promise<unknown> = Promise.resolve();

  /**
   * A worker that is starting (the first import, after an idle exit, or after a cut-off parse took
   * its worker with it) is waited for before the clock starts: the time bound is for parsing only.
   */
  const warm = (p: Piscina) => {
    ready = p.run("").catch(() => {});
  };

  const markdownPool = (): Piscina => {
    if (!pool) {
      // The worker runs as the server does: compiled (npm start) or from the sources through tsx.
      const worker = siblingEntry(import.meta.url, "./markdown-worker");
      pool = new Piscina({
        filename: worker.url.href,
        execArgv: worker.execArgv,
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: IDLE_MS,
        // A parse is bounded in memory as well as in time: past this heap the worker ends, the import answers 422.
        resourceLimits: { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 16 },
      });
      warm(pool);
    }
    return pool;
  };

  const inLane = <T>(task: () => Promise<T>): Promise<T> => {
    if (waiting >= MAX_QUEUED) {
      return Promise.reject(new AppError(503, "unavailable", "Too many pages are being imported right now; try again shortly."));
    }
    waiting++;
    const run = lane.then(() => {
      waiting--;
      return task();
    });
    lane = run.catch(() => {});
    return run;
  };

  return {
    async importMarkdown(markdown) {
      let answer: WorkerAnswer;
      const p = markdownPool();
      try {
        answer = await inLane(async () => {
          if (p.threads.length === 0) warm(p);
          await ready;
          return p.run(markdown, { signal: AbortSignal.timeout(MAX_PARSE_MS) }) as Promise<WorkerAnswer>;
        });
      } catch (error) {
        if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError" || (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
          if (pool === p) warm(p);
          throw new AppError(422, "document_too_complex", `The markdown took longer than ${MAX_PARSE_MS / 1000} s to read; split it into smaller pages.`);
        }
        throw error;
      }
      if (!answer.ok) throw new AppError(answer.status, answer.code, answer.message, answer.fields);
      const node = pageSchema().schema.nodeFromJSON(answer.json);
      node.check();
      return node;
    },
    async close() {
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}
