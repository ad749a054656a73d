import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";
import type { AnchorPlaces, CommentAnchor } from "../../editor/comment-highlights.client.ts";
import { useRoomEvents } from "../threads/live.ts";
import { formatDateTime } from "./time.ts";

/**
 * Comments anchored to text, beside the page (docs/decisions/028-comments-anchored-to-text.md).
 * Everything here comes from GET /api/v1/pages/:pageId/comments, which answers with the threads
 * this reader may see and nothing else; live thread events (on the thread's own channel) reload it.
 */

interface Person {
  id: string;
  name: string;
}

export interface PageComment {
  id: string;
  roomId: string;
  visibility: "internal" | "shared";
  status: "open" | "resolved";
  createdBy: Person | null;
  createdAt: string;
  anchor: { pageId: string; from: string; to: string; quote: string };
  messages: { id: string; author: Person | null; html: string; createdAt: string; deleted: boolean }[];
}

export interface CommentDraft {
  from: string;
  to: string;
  quote: string;
}

interface Answer {
  items: PageComment[];
  abilities: { comment: boolean; commentInternal: boolean };
}

const LIVE_EVENTS = ["thread.created", "thread.updated", "thread.resolved", "thread.reopened", "message.created", "message.updated", "message.deleted"];

async function send(path: string, body: unknown): Promise<{ ok: boolean; message?: string; body?: any }> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(body),
    });
  } catch {
    // No network (a page opened offline, docs/decisions/029-offline-editing.md): say so, keep the draft.
    return { ok: false, message: "You are offline. The comment was not sent; try again once you are back online." };
  }
  const json = await res.json().catch(() => null);
  return res.ok ? { ok: true, body: json } : { ok: false, message: json?.error?.message ?? "That did not work. Try again in a moment." };
}

/** The page's comments for this reader, kept fresh by live events. */
export function usePageComments(roomId: string, pageId: string, enabled = true) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  // `enabled` while the page's live connection is accepted: a page that ended here (made internal,
  // access gone) answers 404 now, and offline (a page opened from the device's copy,
  // docs/decisions/029-offline-editing.md) a request fails; neither is asked.
  const load = useCallback(async () => {
    if (!enabled) return;
    const res = await fetch(`/api/v1/pages/${pageId}/comments`, { headers: { accept: "application/json" }, credentials: "same-origin" }).catch(() => null);
    if (res?.ok) setAnswer((await res.json()) as Answer);
  }, [pageId, enabled]);
  useEffect(() => setAnswer(null), [pageId]);
  // Loads when enabled, and again each time it is enabled anew (the page's connection is back);
  // while disabled the list stays as it was.
  useEffect(() => void load(), [load]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const reload = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 150);
  }, [load]);
  useRoomEvents(roomId, Object.fromEntries(LIVE_EVENTS.map((name) => [name, reload])));
  return { items: answer?.items ?? [], abilities: answer?.abilities ?? { comment: false, commentInternal: false }, loaded: answer !== null, reload: load };
}

/** The anchors the editor highlights: exactly the threads the reader was given. */
export function anchorsOf(items: readonly PageComment[]): CommentAnchor[] {
  return items.map((c) => ({ id: c.id, from: c.anchor.from, to: c.anchor.to, visibility: c.visibility, resolved: c.status === "resolved" }));
}

export function PageComments(props: {
  roomId: string;
  pageId: string;
  pageVisibility: "internal" | "shared";
  items: PageComment[];
  abilities: Answer["abilities"];
  places: AnchorPlaces;
  active: string | null;
  onActivate: (id: string | null) => void;
  draft: CommentDraft | null;
  onDraftDone: () => void;
  reload: () => Promise<void>;
}) {
  const { roomId, pageId, pageVisibility, items, abilities, places, active, onActivate, draft, onDraftDone, reload } = props;
  const open = useMemo(() => items.filter((c) => c.status === "open"), [items]);
  const resolved = useMemo(() => items.filter((c) => c.status === "resolved"), [items]);
  if (items.length === 0 && !draft) return null;
  return (
    <aside className="page-comments" aria-labelledby="page-comments-title" data-testid="page-comments">
      <h2 id="page-comments-title" className="page-comments-title">
        Comments <span className="muted small">{open.length} open</span>
      </h2>
      {draft && <NewComment pageId={pageId} pageVisibility={pageVisibility} canInternal={abilities.commentInternal} draft={draft} onDone={onDraftDone} reload={reload} onPosted={onActivate} />}
      <ol className="page-comment-list">
        {open.map((c) => (
          <CommentItem key={c.id} comment={c} roomId={roomId} pageVisibility={pageVisibility} removed={places[c.id] === null} active={c.id === active} canComment={abilities.comment} onActivate={onActivate} reload={reload} />
        ))}
      </ol>
      {resolved.length > 0 && (
        <details className="page-comments-resolved">
          <summary>Resolved ({resolved.length})</summary>
          <ol className="page-comment-list">
            {resolved.map((c) => (
              <CommentItem key={c.id} comment={c} roomId={roomId} pageVisibility={pageVisibility} removed={places[c.id] === null} active={false} canComment={abilities.comment} onActivate={onActivate} reload={reload} />
            ))}
          </ol>
        </details>
      )}
    </aside>
  );
}

function NewComment(props: {
  pageId: string;
  pageVisibility: "internal" | "shared";
  canInternal: boolean;
  draft: CommentDraft;
  onDone: () => void;
  onPosted: (id: string) => void;
  reload: () => Promise<void>;
}) {
  const { pageId, pageVisibility, canInternal, draft, onDone, onPosted, reload } = props;
  const [body, setBody] = useState("");
  const [visibility, setVisibility] = useState(pageVisibility);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const res = await send(`/api/v1/pages/${pageId}/comments`, { body, visibility, quote: draft.quote, anchor: { from: draft.from, to: draft.to } });
    setBusy(false);
    if (!res.ok) return setError(res.message ?? null);
    await reload();
    onPosted(res.body.id);
    onDone();
  };
  return (
    <form className="page-comment-new card" onSubmit={submit} data-testid="new-comment">
      <blockquote className="page-comment-quote">{draft.quote}</blockquote>
      <label htmlFor="new-comment-body" className="small">Your comment</label>
      <textarea id="new-comment-body" rows={3} required maxLength={10_000} autoFocus value={body} onChange={(e) => setBody(e.target.value)} />
      {canInternal && (
        <fieldset className="page-comment-visibility">
          <legend className="small">Who sees it</legend>
          <label className="small">
            <input type="radio" name="comment-visibility" value="shared" checked={visibility === "shared"} onChange={() => setVisibility("shared")} /> Everyone on this page
          </label>
          <label className="small">
            <input type="radio" name="comment-visibility" value="internal" checked={visibility === "internal"} onChange={() => setVisibility("internal")} /> Internal only (your side)
          </label>
        </fieldset>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
      <div className="form-actions">
        <button type="submit" className="button primary small" disabled={busy || body.trim() === ""}>Comment</button>
        <button type="button" className="button ghost small" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function CommentItem(props: {
  comment: PageComment;
  roomId: string;
  /** An internal comment is marked as such where the page itself is shared (on an internal page everything is). */
  pageVisibility: "internal" | "shared";
  removed: boolean;
  active: boolean;
  canComment: boolean;
  onActivate: (id: string | null) => void;
  reload: () => Promise<void>;
}) {
  const { comment, roomId, pageVisibility, removed, active, canComment, onActivate, reload } = props;
  const [reply, setReply] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (path: string, body: unknown) => {
    setBusy(true);
    const res = await send(path, body);
    setBusy(false);
    if (!res.ok) return setError(res.message ?? null), false;
    setError(null);
    await reload();
    return true;
  };
  const item = useRef<HTMLLIElement>(null);
  // A highlight clicked in the page brings its thread into view.
  useEffect(() => {
    if (active) item.current?.scrollIntoView({ block: "nearest" });
  }, [active]);
  const isOpen = comment.status === "open";
  const heading = `Comment by ${comment.createdBy?.name ?? "a former participant"}`;
  return (
    <li
      ref={item}
      className={`page-comment${active ? " is-active" : ""}${isOpen ? "" : " is-resolved"}`}
      data-testid="page-comment"
      data-thread-id={comment.id}
      aria-label={heading}
    >
      <div className="page-comment-head">
        <button type="button" className="page-comment-quote-button" onClick={() => onActivate(active ? null : comment.id)} aria-pressed={active}>
          <span className="visually-hidden">Show in the page: </span>
          <q className="page-comment-quote">{comment.anchor.quote}</q>
        </button>
        <span className="page-comment-badges">
          {comment.visibility === "internal" && pageVisibility === "shared" && <span className="badge badge-internal">Internal</span>}
          {removed && <span className="badge" data-testid="text-removed">Text removed</span>}
          {!isOpen && <span className="badge badge-open">Resolved</span>}
        </span>
      </div>
      <ol className="page-comment-messages">
        {comment.messages.map((m) => (
          <li key={m.id} className="page-comment-message">
            <span className="page-comment-author">{m.author?.name ?? "Former participant"}</span>{" "}
            <time className="muted small" dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
            {m.deleted ? (
              <p className="message-deleted">message deleted</p>
            ) : (
              // Rendered on the server by markdown-it with raw HTML off (server/threads/markdown.ts).
              <div className="message-body" dangerouslySetInnerHTML={{ __html: m.html }} />
            )}
          </li>
        ))}
      </ol>
      {canComment && isOpen && (
        <form
          className="page-comment-reply"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await act(`/api/v1/threads/${comment.id}/messages`, { body: reply })) setReply("");
          }}
        >
          <label className="visually-hidden" htmlFor={`reply-${comment.id}`}>Reply to this comment</label>
          <textarea id={`reply-${comment.id}`} rows={1} placeholder="Reply…" maxLength={10_000} value={reply} onChange={(e) => setReply(e.target.value)} />
          <button type="submit" className="button small" disabled={busy || reply.trim() === ""}>Reply</button>
        </form>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
      <div className="page-comment-actions">
        {canComment && (
          <button type="button" className="button ghost small" disabled={busy} onClick={() => void act(`/api/v1/threads/${comment.id}/${isOpen ? "resolve" : "reopen"}`, {})}>
            {isOpen ? "Resolve" : "Reopen"}
          </button>
        )}
        <Link className="text-link small" to={`/rooms/${roomId}/threads/${comment.id}`}>Open in Threads</Link>
      </div>
    </li>
  );
}
