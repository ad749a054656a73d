import type { NodeViewRendererProps } from "@tiptap/core";
import { DOMSerializer, type Node as PMNode } from "@tiptap/pm/model";
import { cardFileId, FILE_CARD, FileCard, fileCardSpec, type FileCardData } from "./file-card.ts";
import { imageFileId, imageSrcOf, PAGE_IMAGE, PageImage, unavailableImageSpec } from "./page-image.ts";

/**
 * The editor's file cards (browser only). The document holds only the file's id; what the card
 * shows comes from `GET /api/v1/rooms/:roomId/file-cards?ids=…`, which the server answers for
 * the signed-in reader through the access policy. Requests of one moment are batched (at most
 * 50 ids each, the endpoint's bound) and answers are kept for a short while.
 */

const BATCH = 50;
const KEEP_MS = 30_000;

interface Entry {
  at: number;
  promise: Promise<FileCardData | undefined>;
}
const cache = new Map<string, Entry>();
let pending = new Map<string, Map<string, (card: FileCardData | undefined) => void>>();
let scheduled = false;

async function fetchBatch(roomId: string, waiting: Map<string, (card: FileCardData | undefined) => void>) {
  const ids = [...waiting.keys()];
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    let cards: FileCardData[] | undefined;
    try {
      const res = await fetch(`/api/v1/rooms/${roomId}/file-cards?ids=${chunk.join(",")}`, { credentials: "same-origin" });
      if (res.ok) cards = ((await res.json()) as { items: FileCardData[] }).items;
    } catch {
      cards = undefined;
    }
    for (const id of chunk) {
      const card = cards?.find((c) => c.id === id);
      // No answer (offline, server error): forget it, so the next render asks again.
      if (!card) cache.delete(`${roomId}:${id}`);
      waiting.get(id)!(card);
    }
  }
}

function flush() {
  scheduled = false;
  const batches = pending;
  pending = new Map();
  for (const [roomId, waiting] of batches) void fetchBatch(roomId, waiting);
}

/** What the current reader may see of a card's file; undefined when the server could not be asked. */
export function loadFileCard(roomId: string, fileId: string): Promise<FileCardData | undefined> {
  const key = `${roomId}:${fileId}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < KEEP_MS) return cached.promise;
  const promise = new Promise<FileCardData | undefined>((resolve) => {
    const waiting = pending.get(roomId) ?? new Map();
    pending.set(roomId, waiting);
    waiting.set(fileId, resolve);
  });
  cache.set(key, { at: Date.now(), promise });
  if (!scheduled) {
    scheduled = true;
    setTimeout(flush, 0);
  }
  return promise;
}

/** Forgets what is known about a file (it was renamed, got a version, changed visibility…). */
export function forgetFileCard(roomId: string, fileId: string) {
  cache.delete(`${roomId}:${fileId}`);
}

class FileCardView {
  readonly dom: HTMLElement;
  private fileId: string | null = null;
  private destroyed = false;

  constructor(
    node: PMNode,
    private readonly roomId: string,
    private readonly navigate: (to: string) => void,
  ) {
    this.dom = document.createElement("div");
    this.dom.className = "file-card-view";
    this.dom.contentEditable = "false";
    this.dom.addEventListener("click", this.onClick);
    this.render(node);
  }

  private show(card: FileCardData | undefined) {
    const { dom } = DOMSerializer.renderSpec(document, fileCardSpec(this.fileId, card, this.roomId));
    this.dom.replaceChildren(dom);
  }

  private render(node: PMNode) {
    const fileId = cardFileId(node.attrs.fileId);
    this.fileId = fileId;
    if (!fileId) return this.show({ id: "", available: false });
    this.show(undefined);
    void loadFileCard(this.roomId, fileId).then((card) => {
      if (!this.destroyed && this.fileId === fileId && card) this.show(card);
    });
  }

  /** The card's link opens the preview inside the app (a modified click keeps the browser's own behaviour). */
  private onClick = (event: MouseEvent) => {
    const href = this.linkOf(event.target);
    if (!href || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.navigate(href);
  };

  /** The preview address when `target` is the card's name link or its "Open" cue. */
  private linkOf(target: EventTarget | null): string | null {
    const element = target instanceof Element ? target : null;
    if (!element?.closest("a[href], .file-card-open")) return null;
    return this.dom.querySelector("a.file-card-name")?.getAttribute("href") ?? null;
  }

  update(node: PMNode) {
    if (node.type.name !== FILE_CARD) return false;
    if (cardFileId(node.attrs.fileId) !== this.fileId) this.render(node);
    return true;
  }

  /** Clicks on the link are the link's, not the editor's (which would select the card instead). */
  stopEvent(event: Event) {
    return (event.type === "mousedown" || event.type === "click") && this.linkOf(event.target) !== null;
  }

  ignoreMutation() {
    return true;
  }

  destroy() {
    this.destroyed = true;
    this.dom.removeEventListener("click", this.onClick);
  }
}

/** The shared FileCard node with the browser's view: cards of `roomId`, opened with `navigate`. */
export function browserFileCard(options: { roomId: string; navigate: (to: string) => void }) {
  return FileCard.extend({
    addNodeView() {
      return ({ node }: NodeViewRendererProps) => new FileCardView(node as PMNode, options.roomId, options.navigate);
    },
  });
}

/**
 * The shared image node with the browser's view: the image loads only once the card endpoint
 * says the reader may see its file (an internal image on a shared page shows "Image not
 * available" to the buyer's side, and its bytes are never asked for).
 */
export function browserImage(options: { roomId: string }) {
  return PageImage.extend({
    addNodeView() {
      return ({ node }: NodeViewRendererProps) => {
        const dom = document.createElement("div");
        dom.className = "page-image-view";
        let current = node as PMNode;
        const show = (n: PMNode) => {
          current = n;
          const fileId = imageFileId(n.attrs.src);
          const img = document.createElement("img");
          img.className = "page-image";
          img.alt = typeof n.attrs.alt === "string" ? n.attrs.alt : "";
          if (typeof n.attrs.width === "number") img.width = n.attrs.width;
          const unavailable = () => dom.replaceChildren(DOMSerializer.renderSpec(document, unavailableImageSpec).dom);
          if (!fileId) return unavailable();
          void loadFileCard(options.roomId, fileId).then((card) => {
            if (current !== n) return;
            if (card?.available && card.contentType.startsWith("image/")) {
              img.src = imageSrcOf(fileId);
              dom.replaceChildren(img);
            } else if (card) unavailable();
          });
        };
        show(current);
        return {
          dom,
          update: (n: PMNode) => {
            if (n.type.name !== PAGE_IMAGE) return false;
            if (n.attrs.src !== current.attrs.src) show(n);
            else {
              current = n;
              const img = dom.querySelector("img");
              if (img) {
                img.alt = typeof n.attrs.alt === "string" ? n.attrs.alt : "";
                if (typeof n.attrs.width === "number") img.width = n.attrs.width;
                else img.removeAttribute("width");
              }
            }
            return true;
          },
          ignoreMutation: () => true,
        };
      };
    },
  });
}
