import { getText } from "@tiptap/core";
import { DOMSerializer, type Node as PMNode } from "@tiptap/pm/model";
import { yXmlFragmentToProseMirrorRootNode } from "@tiptap/y-tiptap";
import { Window } from "happy-dom";
import * as Y from "yjs";
import { cardFileId, FILE_CARD, fileCardSpec, type FileCardData } from "../../app/editor/file-card.ts";
import { imageFileId, PAGE_IMAGE, unavailableImageSpec } from "../../app/editor/page-image.ts";
import { assertMeasureInBounds, fitNode, measureFragment, placeholderNode } from "./bounds.ts";
import { PAGE_FRAGMENT, pageSchema } from "./schema.ts";

export interface RenderedContent {
  /** Plain text, blocks separated by blank lines: the search index and the diff read this. */
  text: string;
  /** HTML serialized from the page schema: only the schema's elements and attributes, text escaped. */
  html: string;
}

/**
 * The page document as a ProseMirror node. Reads from a copy: the conversion deletes Y
 * elements that do not fit the schema, and a live document must not change because it
 * was rendered.
 */
export function pageNodeOf(doc: Y.Doc): PMNode {
  return pageNodeFromState(Y.encodeStateAsUpdate(doc));
}

/**
 * The ProseMirror node of an encoded Yjs state (a page version, or `documents.encodeState`).
 * Never throws and never returns a node outside the bounds (server/wiki/bounds.ts): a document
 * nested too deep, with too many blocks, or that cannot be read at all becomes a placeholder, so
 * one bad page cannot break another page, the room's record or its archive; attributes are fitted
 * into their allowlists and ranges and unsafe links dropped before any renderer sees them.
 */
export function pageNodeFromState(state: Uint8Array): PMNode {
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, state);
    const fragment = copy.getXmlFragment(PAGE_FRAGMENT);
    assertMeasureInBounds(measureFragment(fragment));
    return fitNode(yXmlFragmentToProseMirrorRootNode(fragment, pageSchema().schema));
  } catch {
    return placeholderNode();
  } finally {
    copy.destroy();
  }
}

// One DOM for every render: @tiptap/html/server's generateHTML builds a new happy-dom
// window per call (about 15 ms); serializing into a reused document costs a fraction.
let dom: { document: Document; serializer: DOMSerializer } | undefined;

function serializerDom() {
  if (!dom) {
    const window = new Window({
      settings: {
        disableJavaScriptEvaluation: true,
        disableJavaScriptFileLoading: true,
        disableCSSFileLoading: true,
        disableIframePageLoading: true,
        disableComputedStyleRendering: true,
      },
    });
    dom = { document: window.document as unknown as Document, serializer: DOMSerializer.fromSchema(pageSchema().schema) };
  }
  return dom;
}

/** The page's text: each non-empty text block (paragraph, heading, list item line, cell) apart. */
function plainText(node: PMNode): string {
  const { textSerializers } = pageSchema();
  const blocks: string[] = [];
  node.descendants((child) => {
    if (!child.isTextblock) return true;
    const text = getText(child, { textSerializers });
    if (text.trim()) blocks.push(text);
    return false;
  });
  return blocks.join("\n\n");
}

/** Text and HTML of a page node. */
export function renderNode(node: PMNode): RenderedContent {
  const { document, serializer } = serializerDom();
  const wrap = document.createElement("div");
  serializer.serializeFragment(node.content, { document }, wrap);
  return { text: plainText(node), html: wrap.innerHTML };
}

/** File cards as one reader may see them (server/wiki/file-cards.ts looks them up). */
export interface ReaderFileCards {
  roomId: string;
  cards: ReadonlyMap<string, FileCardData>;
}

/**
 * HTML of a page node for one reader: file cards and images show what `fileCards` says about
 * their file (one not in the map reads "File not available" / "Image not available"). Everything else as `renderNode`.
 */
export function renderNodeHtmlFor(node: PMNode, fileCards: ReaderFileCards): string {
  const { document, serializer } = serializerDom();
  const forReader = new DOMSerializer(
    {
      ...serializer.nodes,
      [FILE_CARD]: (card) => {
        const fileId = cardFileId(card.attrs.fileId);
        const data = fileId ? fileCards.cards.get(fileId) : undefined;
        return fileCardSpec(fileId, data ?? { id: "", available: false }, fileCards.roomId);
      },
      // An image shows only to a reader who may see its file (an internal image on a shared
      // page reads "Image not available" for the buyer's side, without its address).
      [PAGE_IMAGE]: (image) => {
        const fileId = imageFileId(image.attrs.src);
        const data = fileId ? fileCards.cards.get(fileId) : undefined;
        return data?.available && data.contentType.startsWith("image/") ? serializer.nodes[PAGE_IMAGE]!(image) : unavailableImageSpec;
      },
    },
    serializer.marks,
  );
  const wrap = document.createElement("div");
  forReader.serializeFragment(node.content, { document }, wrap);
  return wrap.innerHTML;
}

/** What the collab server stores next to a flushed state: the page's plain text and HTML. */
export function renderPageContent(doc: Y.Doc): RenderedContent {
  return renderNode(pageNodeOf(doc));
}

/** Text and HTML of an encoded Yjs state. */
export function renderState(state: Uint8Array): RenderedContent {
  return renderNode(pageNodeFromState(state));
}
