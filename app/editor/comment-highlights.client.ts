import { Extension, type Editor } from "@tiptap/core";
import { Plugin, PluginKey, type EditorState } from "@tiptap/pm/state";
import { Decoration, DecorationSet } from "@tiptap/pm/view";
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from "@tiptap/y-tiptap";
import * as Y from "yjs";

/**
 * Comments anchored to text, in the editor (docs/decisions/028-comments-anchored-to-text.md). The
 * anchors come from the server's answer for this reader (GET /api/v1/pages/:pageId/comments), so a
 * reader only ever holds the anchors they may see; they are drawn as decorations, never written
 * into the shared document. Each anchor is two Yjs relative positions, resolved against the live
 * Y.Doc, so the highlight follows the text through everybody's edits.
 */

export interface CommentAnchor {
  /** The thread's id. */
  id: string;
  /** base64 Y.encodeRelativePosition bytes. */
  from: string;
  to: string;
  visibility: "internal" | "shared";
  resolved: boolean;
}

/** Where each anchor is now; `null` once its text was deleted ("text removed"). */
export type AnchorPlaces = Record<string, { from: number; to: number } | null>;

interface HighlightState {
  anchors: CommentAnchor[];
  active: string | null;
  places: AnchorPlaces;
  decorations: DecorationSet;
}

type Meta = { anchors?: CommentAnchor[]; active?: string | null; places?: AnchorPlaces };

export const commentHighlightsKey = new PluginKey<HighlightState>("commentHighlights");

const toBytes = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

function ySync(state: EditorState) {
  const y = ySyncPluginKey.getState(state) as { doc: Y.Doc; type: Y.XmlFragment; binding: { mapping: Map<unknown, unknown> } | null } | undefined;
  return y?.binding ? y : null;
}

/** Resolves every anchor against the Y.Doc as it is now. */
function resolvePlaces(state: EditorState, anchors: readonly CommentAnchor[]): AnchorPlaces | null {
  const y = ySync(state);
  if (!y?.binding) return null;
  const places: AnchorPlaces = {};
  const size = state.doc.content.size;
  for (const anchor of anchors) {
    try {
      const from = relativePositionToAbsolutePosition(y.doc, y.type, Y.decodeRelativePosition(toBytes(anchor.from)), y.binding.mapping as never);
      const to = relativePositionToAbsolutePosition(y.doc, y.type, Y.decodeRelativePosition(toBytes(anchor.to)), y.binding.mapping as never);
      places[anchor.id] = from !== null && to !== null && from < to && to <= size && state.doc.textBetween(from, to).trim() !== "" ? { from, to } : null;
    } catch {
      places[anchor.id] = null;
    }
  }
  return places;
}

function decorate(state: EditorState, anchors: readonly CommentAnchor[], places: AnchorPlaces, active: string | null): DecorationSet {
  const decorations: Decoration[] = [];
  for (const anchor of anchors) {
    const place = places[anchor.id];
    if (!place || anchor.resolved) continue;
    const classes = ["comment-highlight", anchor.visibility === "internal" ? "is-internal" : "", anchor.id === active ? "is-active" : ""];
    decorations.push(Decoration.inline(place.from, place.to, { class: classes.filter(Boolean).join(" "), "data-comment-id": anchor.id }));
  }
  return DecorationSet.create(state.doc, decorations);
}

const samePlaces = (a: AnchorPlaces, b: AnchorPlaces) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => (a[k] === null ? b[k] === null : !!b[k] && a[k]!.from === b[k]!.from && a[k]!.to === b[k]!.to));
};

export interface CommentHighlightsOptions {
  /** Told where the anchors are whenever that changes (the panel shows "text removed"). */
  onPlaces: (places: AnchorPlaces) => void;
  /** A highlight was clicked. */
  onActivate: (id: string) => void;
}

export const CommentHighlights = Extension.create<CommentHighlightsOptions>({
  name: "commentHighlights",
  addOptions() {
    return { onPlaces: () => {}, onActivate: () => {} };
  },
  addProseMirrorPlugins() {
    const options = this.options;
    return [
      new Plugin<HighlightState>({
        key: commentHighlightsKey,
        state: {
          init: () => ({ anchors: [], active: null, places: {}, decorations: DecorationSet.empty }),
          apply(tr, value, _old, state) {
            const meta = tr.getMeta(commentHighlightsKey) as Meta | undefined;
            if (meta) {
              const next = { ...value, ...meta };
              return { ...next, decorations: decorate(state, next.anchors, next.places, next.active) };
            }
            if (!tr.docChanged) return value;
            // A change that came from the Y.Doc (someone else's edit): the Y.Doc and its mapping are
            // already up to date, so the anchors resolve right here (the editor may have replaced
            // the whole content, which no mapping of the old decorations would survive).
            if ((tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin) {
              const places = resolvePlaces(state, value.anchors) ?? value.places;
              return { ...value, places, decorations: decorate(state, value.anchors, places, value.active) };
            }
            // One's own edit reaches the Y.Doc only after this: follow it now, resolve again after (view.update).
            return { ...value, decorations: value.decorations.map(tr.mapping, tr.doc) };
          },
        },
        props: {
          decorations: (state) => commentHighlightsKey.getState(state)?.decorations ?? DecorationSet.empty,
          handleClick(view, pos) {
            const current = commentHighlightsKey.getState(view.state);
            const hit = current?.anchors.find((a) => {
              const place = current.places[a.id];
              return !a.resolved && place && pos >= place.from && pos <= place.to;
            });
            if (hit) options.onActivate(hit.id);
            return false;
          },
        },
        // After every update the Y.Doc and the editor agree (the sync plugin runs first): resolve again.
        view: () => {
          let timer: ReturnType<typeof setTimeout> | null = null;
          let reported: AnchorPlaces = {};
          return {
            update(view) {
              if (timer) return;
              timer = setTimeout(() => {
                timer = null;
                if (view.isDestroyed) return;
                const current = commentHighlightsKey.getState(view.state);
                if (!current) return;
                const places = resolvePlaces(view.state, current.anchors);
                if (!places) return;
                if (!samePlaces(places, current.places)) {
                  view.dispatch(view.state.tr.setMeta(commentHighlightsKey, { places } satisfies Meta).setMeta("addToHistory", false));
                }
                if (!samePlaces(places, reported)) {
                  reported = places;
                  options.onPlaces(places);
                }
              }, 0);
            },
            destroy() {
              if (timer) clearTimeout(timer);
            },
          };
        },
      }),
    ];
  },
});

/** Hands the reader's anchors (and the thread in focus) to the editor. */
export function setCommentAnchors(editor: Editor, anchors: CommentAnchor[], active: string | null) {
  const places = resolvePlaces(editor.state, anchors) ?? {};
  editor.view.dispatch(editor.state.tr.setMeta(commentHighlightsKey, { anchors, active, places } satisfies Meta).setMeta("addToHistory", false));
  return places;
}

/** The current text selection as an anchor to send with a new comment, or null when there is none. */
export function selectionAnchor(editor: Editor): { from: string; to: string; quote: string } | null {
  const { state } = editor;
  const { from, to } = state.selection;
  const y = ySync(state);
  if (from === to || !y?.binding) return null;
  const quote = state.doc.textBetween(from, to, " ").replace(/\s+/g, " ").trim().slice(0, 500);
  if (!quote) return null;
  const rel = (pos: number) => toBase64(Y.encodeRelativePosition(absolutePositionToRelativePosition(pos, y.type, y.binding!.mapping as never)));
  return { from: rel(from), to: rel(to), quote };
}
