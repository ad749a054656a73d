import { Collaboration } from "@tiptap/extension-collaboration";
import { CollaborationCaret } from "@tiptap/extension-collaboration-caret";
import { Placeholder } from "@tiptap/extensions";
import { EditorContent, useEditor } from "@tiptap/react";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { WebsocketProvider } from "y-websocket";
import type * as Y from "yjs";
import { avatarColour } from "../lib/format.ts";
import { editorExtensions } from "./extensions.ts";
import { FILE_CARD } from "./file-card.ts";
import { browserFileCard, browserImage } from "./file-card-view.client.ts";
import { BubbleToolbar } from "./bubble-toolbar.tsx";
import { CommentHighlights, selectionAnchor, setCommentAnchors, type AnchorPlaces, type CommentAnchor } from "./comment-highlights.client.ts";
import { imageUpload, insertImages } from "./image-upload.client.ts";
import { PAGE_IMAGE } from "./page-image.ts";
import { mentionLabel, PAGE_MENTION, PageMention } from "./page-mention.ts";
import { slashMenu } from "./slash-menu.client.ts";
import { suggestionList, type ListItem } from "./suggestion-list.client.ts";
import { Toolbar } from "./toolbar.tsx";

/** A participant the page may mention (the loader lists those who can read the page). */
export interface Mentionable {
  id: string;
  name: string;
}

interface MentionItem extends ListItem {
  id: string;
  label: string;
}

/** TipTap's Mention with the page's participants as suggestions (`@` then a name). */
function browserMention(people: readonly Mentionable[]) {
  return PageMention.configure({
    suggestion: {
      char: "@",
      items: ({ query }: { query: string }): MentionItem[] => {
        const q = query.toLowerCase();
        return people
          .filter((p) => p.name.toLowerCase().includes(q))
          .slice(0, 8)
          .map((p) => ({ id: p.id, label: mentionLabel(p.name), title: p.name, icon: "@" }));
      },
      command: ({ editor, range, props }) => {
        const item = props as MentionItem;
        editor.chain().focus().insertContentAt(range, [{ type: PAGE_MENTION, attrs: { id: item.id, label: item.label } }, { type: "text", text: " " }]).run();
      },
      render: suggestionList<MentionItem>({ label: "Mention a participant", empty: "No participant of this page matches", testId: "mention-menu" }),
    },
  });
}

/**
 * A person's colour, from their id: the same as their avatar everywhere in Dealroom. The collab
 * server stamps id and name on every awareness state, so a client cannot pick someone else's.
 */
function caretColour(other: Record<string, unknown>): string {
  return typeof other.id === "string" ? avatarColour(other.id) : "#6e7685";
}

function renderCaret(other: Record<string, unknown>): HTMLElement {
  const colour = caretColour(other);
  const caret = document.createElement("span");
  caret.classList.add("collaboration-carets__caret");
  caret.style.borderColor = colour;
  const label = document.createElement("div");
  label.classList.add("collaboration-carets__label");
  label.style.backgroundColor = colour;
  label.textContent = typeof other.name === "string" ? other.name : "Someone";
  caret.append(label);
  return caret;
}

/** What the page hands the editor about comments anchored to text. */
export interface EditorComments {
  anchors: CommentAnchor[];
  active: string | null;
  canComment: boolean;
  onComment: (anchor: { from: string; to: string; quote: string }) => void;
  onPlaces: (places: AnchorPlaces) => void;
  onActivate: (id: string) => void;
}

export interface CaretUser {
  id: string;
  name: string;
  color: string;
}

/**
 * The live TipTap editor of one page. Browser only (`.client.tsx`): it needs a live Y.Doc and
 * provider, which the page creates in an effect. Content comes only from the Y.Doc — never
 * from `content` — so nothing is duplicated when the document syncs.
 */
export default function CollabEditor(props: {
  doc: Y.Doc;
  provider: WebsocketProvider;
  user: CaretUser;
  editable: boolean;
  /** The page's room (file cards resolve and open there) and visibility (which files the picker offers). */
  roomId: string;
  pageVisibility: "internal" | "shared";
  /** Who an @mention may name: participants who can read the page. */
  mentionable: readonly Mentionable[];
  /** Called once the editor shows the synced document, so the page can drop its static copy. */
  onReady?: () => void;
  /** Comments anchored to text: the reader's anchors, and the way to start one (commenters and up). */
  comments?: EditorComments | undefined;
}) {
  const { doc, provider, user, editable, roomId, pageVisibility, mentionable, onReady, comments } = props;
  // The editor is made once per document; the comment callbacks it calls are read through a ref.
  const commentsRef = useRef(comments);
  commentsRef.current = comments;
  const navigate = useNavigate();
  const [fileOpen, setFileOpen] = useState(false);
  const [uploadMessage, setUploadMessage] = useState<string | null>(null);
  const imageInput = useRef<HTMLInputElement>(null);
  const uploadOptions = { roomId, visibility: pageVisibility, onMessage: setUploadMessage };
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable,
      extensions: [
        // The shared list, with the browser's file card view (its data is fetched per reader).
        ...editorExtensions().map((extension) =>
          extension.name === FILE_CARD ? browserFileCard({ roomId, navigate }) : extension.name === PAGE_MENTION
              ? browserMention(mentionable)
              : extension.name === PAGE_IMAGE
                ? browserImage({ roomId })
                : extension,
        ),
        slashMenu({ chooseImage: () => imageInput.current?.click(), chooseFileCard: () => setFileOpen(true) }),
        imageUpload(uploadOptions),
        Collaboration.configure({ document: doc, field: "default" }),
        CollaborationCaret.configure({
          provider,
          user: { id: user.id, name: user.name, color: user.color },
          render: renderCaret,
          selectionRender: (other) => ({ style: `background-color: ${caretColour(other)}33`, class: "ProseMirror-yjs-selection" }),
        }),
        // Decorations only (docs/decisions/028-comments-anchored-to-text.md): nothing enters the document.
        CommentHighlights.configure({
          onPlaces: (places) => commentsRef.current?.onPlaces(places),
          onActivate: (id) => commentsRef.current?.onActivate(id),
        }),
        // Display only (a decoration), so it does not change the shared schema.
        Placeholder.configure({ placeholder: editable ? "Start writing… (type / for blocks, @ to mention; # heading, - list, [] task, > quote)" : "" }),
      ],
      editorProps: {
        attributes: {
          class: "wiki-prose wiki-editor-surface",
          "aria-label": editable ? "Page content" : "Page content (read-only)",
          "data-testid": "page-editor",
        },
      },
    },
    [doc, provider, user.id, user.name, user.color, roomId, pageVisibility, mentionable],
  );

  // Abilities can change while the page is open (the loader revalidates); follow them.
  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable);
  }, [editor, editable]);

  useEffect(() => {
    if (editor) onReady?.();
  }, [editor, onReady]);

  const anchors = comments?.anchors;
  const active = comments?.active ?? null;
  useEffect(() => {
    if (!editor || !anchors) return;
    commentsRef.current?.onPlaces(setCommentAnchors(editor, anchors, active));
  }, [editor, anchors, active]);

  if (!editor) return null;
  return (
    <div className={`wiki-editor${editable ? "" : " read-only"}`}>
      {editable && (
        <Toolbar
          editor={editor}
          roomId={roomId}
          pageVisibility={pageVisibility}
          fileOpen={fileOpen}
          setFileOpen={setFileOpen}
          onImage={() => imageInput.current?.click()}
        />
      )}
      {editable && (
        <input
          ref={imageInput}
          type="file"
          accept="image/png,image/jpeg,image/gif,image/webp"
          hidden
          aria-hidden="true"
          tabIndex={-1}
          data-testid="image-input"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = "";
            if (files.length) void insertImages(editor, files, uploadOptions);
          }}
        />
      )}
      <p className="wiki-upload-status" role="status" aria-live="polite" data-testid="image-upload-status">{uploadMessage ?? ""}</p>
      {(editable || comments?.canComment) && (
        <BubbleToolbar
          editor={editor}
          editable={editable}
          onComment={
            comments?.canComment
              ? () => {
                  const anchor = selectionAnchor(editor);
                  if (!anchor) return;
                  // The selection has done its job: collapse it, so the toolbar goes while one writes.
                  editor.commands.setTextSelection(editor.state.selection.to);
                  commentsRef.current?.onComment(anchor);
                }
              : undefined
          }
        />
      )}
      <EditorContent editor={editor} />
    </div>
  );
}
