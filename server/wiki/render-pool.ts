import { createHash } from "node:crypto";
import type { Node as PMNode } from "@tiptap/pm/model";
import { Piscina } from "piscina";
import type { FileCardData } from "../../app/editor/file-card.ts";
import type { Tx } from "../../db/client.ts";
import type { Standing } from "../access/index.ts";
import { AppError } from "../errors.ts";
import { siblingEntry } from "../runtime.ts";
import { loadFileCards } from "../files/file-cards.ts";
import { placeholderNode } from "./bounds.ts";
import type { DiffBlock } from "./diff.ts";
import { nodeToMarkdown } from "./markdown.ts";
import { pageNodeFromState, renderNode, type RenderedContent } from "./render.ts";
import { contentChange } from "./versions.ts";
import renderInline, { viewOf, type RenderTask } from "./render-worker.ts";

/**
 * Renders of page documents bounded in time and, for big pages, off the main thread
 * (docs/decisions/013-document-bounds.md, docs/access.md "Resource bounds"). Measured at the
 * bounds (2 MB of state, tens of thousands of blocks) on the main thread, converting a state to
 * a ProseMirror node took about a second, its HTML and text another, its Markdown half a second,
 * and a diff between two such pages more than ten: each held every other user. A state past
 * INLINE_MAX_BYTES is rendered in one piscina worker thread (the other core stays with the main
 * thread) within MAX_RENDER_MS; past that the worker is replaced and the render answers a
 * placeholder (content, view) or null (diff: the caller answers 422 or a placeholder block).
 * Small pages render inline: a worker round trip would cost them more than the render.
 * The worker starts on the first big render and leaves after IDLE_MS without one
 * (docs/performance.md, "Memory at start"). The last few answers are kept by the content of
 * their task: one big page read on several surfaces in a row (its view, versions, the room's
 * record and archive) is rendered once.
 */
export const INLINE_MAX_BYTES = 16 * 1024;
export const MAX_RENDER_MS = 5000;
/** Renders waiting for the worker; past this the answer is 503 (as the Markdown import's queue). */
const MAX_QUEUED = 64;
const IDLE_MS = 30_000;
/** Worker answers kept (LRU), by a digest of the task. */
const REMEMBERED = 8;

/** A digest of a task's content: its states' bytes and its other fields. */
function taskKey(task: RenderTask): string | null {
  if (task.kind === "warm" || task.kind === "change") return null;
  const hash = createHash("sha256").update(task.kind);
  const add = (bytes: Uint8Array | null) => hash.update(bytes === null ? "-" : `${bytes.byteLength}:`).update(bytes ?? new Uint8Array());
  if (task.kind === "diff") {
    add(task.before);
    add(task.after);
  } else {
    add(task.state);
    if (task.kind === "view") hash.update(JSON.stringify([task.roomId, task.cards]));
  }
  return hash.digest("base64");
}

export interface PageView {
  markdown: string;
  html: string;
}

/** The page renderer of one process (AppContext.renders): built once by createAppContext. */
export interface PageRenderer {
  /** Stored text and HTML of a state (versions, search, the pages row): render.ts renderState. */
  content(state: Uint8Array): Promise<RenderedContent>;
  /** Markdown and reader HTML of a state (file cards and images looked up for `standing`). */
  view(sql: Tx, standing: Standing, state: Uint8Array): Promise<PageView>;
  /** Markdown of a state. */
  markdown(state: Uint8Array): Promise<string>;
  /** The readable diff between two states (null before: an empty page); null when it took too long. */
  diff(before: Uint8Array | null, after: Uint8Array): Promise<DiffBlock[] | null>;
  /**
   * The Yjs updates that turn `current` into the target's content (versions.ts contentChange):
   * a version's state (restore) or a node (Markdown edit). 422 when it takes too long.
   */
  change(current: Uint8Array, target: { state: Uint8Array } | { node: PMNode }): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

const TIMED_OUT = Symbol("timed out");

export function createPageRenderer(options: { inlineMaxBytes?: number; maxRenderMs?: number } = {}): PageRenderer {
  const inlineMax = options.inlineMaxBytes ?? INLINE_MAX_BYTES;
  const maxMs = options.maxRenderMs ?? MAX_RENDER_MS;
  let pool: Piscina | undefined;
  let ready: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  let lane: Promise<unknown> = Promise.resolve();
  const remembered = new Map<string, unknown>();

  const warm = (p: Piscina) => {
    ready = p.run({ kind: "warm" } satisfies RenderTask).catch(() => {});
  };
  const renderPool = (): Piscina => {
    if (!pool) {
      // The worker runs as the server does: compiled (npm start) or from the sources through tsx.
      const worker = siblingEntry(import.meta.url, "./render-worker");
      pool = new Piscina({
        filename: worker.url.href,
        execArgv: worker.execArgv,
        minThreads: 0,
        maxThreads: 1,
        idleTimeout: IDLE_MS,
        resourceLimits: { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 32 },
      });
      warm(pool);
    }
    return pool;
  };

  /** Runs `task` in the worker, one at a time, timed from when its turn comes (not while queued or while a worker starts). */
  const inWorker = async <T>(task: RenderTask): Promise<T | typeof TIMED_OUT> => {
    const key = taskKey(task);
    if (key !== null && remembered.has(key)) {
      const answer = remembered.get(key) as T;
      remembered.delete(key);
      remembered.set(key, answer);
      return answer;
    }
    const answer = await inWorkerUncached<T>(task);
    if (key !== null && answer !== TIMED_OUT) {
      remembered.set(key, answer);
      if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value!);
    }
    return answer;
  };

  const inWorkerUncached = <T>(task: RenderTask): Promise<T | typeof TIMED_OUT> => {
    if (waiting >= MAX_QUEUED) return Promise.reject(new AppError(503, "unavailable", "The server is busy rendering pages; try again shortly."));
    waiting++;
    const run = lane.then(async () => {
      waiting--;
      const p = renderPool();
      // A worker that is starting (first use, after an idle exit, after a cut-off) is waited for before the clock starts.
      if (p.threads.length === 0) warm(p);
      await ready;
      try {
        return (await p.run(task, { signal: AbortSignal.timeout(maxMs) })) as T;
      } catch (error) {
        const name = (error as { name?: string }).name;
        const code = (error as { code?: string }).code;
        if (name === "AbortError" || name === "TimeoutError" || code === "ERR_WORKER_OUT_OF_MEMORY") {
          if (pool === p) warm(p);
          return TIMED_OUT;
        }
        throw error;
      }
    });
    lane = run.catch(() => {});
    return run;
  };

  const placeholder = () => renderNode(placeholderNode());
  const big = (...states: (Uint8Array | null)[]) => states.reduce((n, s) => n + (s?.byteLength ?? 0), 0) > inlineMax;

  const viewFor = async (cards: Map<string, FileCardData> | null, roomId: string, state: Uint8Array) => {
    if (!big(state)) return viewOf(state, roomId, cards);
    const answer = await inWorker<ReturnType<typeof viewOf>>({ kind: "view", state, roomId, cards: cards === null ? null : [...cards] });
    return answer === TIMED_OUT ? null : answer;
  };

  return {
    async content(state) {
      if (!big(state)) return renderInline({ kind: "content", state }) as RenderedContent;
      const answer = await inWorker<RenderedContent>({ kind: "content", state });
      return answer === TIMED_OUT ? placeholder() : answer;
    },
    async view(sql, standing, state) {
      const failed = () => ({ markdown: nodeToMarkdown(placeholderNode()), html: placeholder().html });
      // First with no cards: a page without cards or images is done in one render.
      const first = await viewFor(new Map(), standing.roomId, state);
      if (first === null || first.html === null) return failed();
      if (first.fileIds.length === 0) return { markdown: first.markdown, html: first.html };
      const second = await viewFor(await loadFileCards(sql, standing, first.fileIds), standing.roomId, state);
      if (second === null || second.html === null) return failed();
      return { markdown: second.markdown, html: second.html };
    },
    async markdown(state) {
      if (!big(state)) return viewOf(state, "", null).markdown;
      const answer = await inWorker<ReturnType<typeof viewOf>>({ kind: "view", state, roomId: "", cards: null });
      return answer === TIMED_OUT ? nodeToMarkdown(placeholderNode()) : answer.markdown;
    },
    async diff(before, after) {
      if (!big(before, after)) return renderInline({ kind: "diff", before, after }) as DiffBlock[];
      const answer = await inWorker<DiffBlock[]>({ kind: "diff", before, after });
      return answer === TIMED_OUT ? null : answer;
    },
    async change(current, target) {
      if (!big(current, "state" in target ? target.state : null) && ("state" in target || target.node.nodeSize < inlineMax / 4)) {
        return contentChange(current, "state" in target ? pageNodeFromState(target.state) : target.node);
      }
      const answer = await inWorker<Uint8Array[]>({ kind: "change", current, target: "state" in target ? target : { json: target.node.toJSON() } });
      if (answer === TIMED_OUT) throw new AppError(422, "document_too_complex", "The page is too large to change this way.");
      return answer;
    },
    async close() {
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}
