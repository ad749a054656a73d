import { NavLink } from "react-router";
import { LockIcon } from "../icons.tsx";
import { formatDateTime } from "../wiki/time.ts";

export interface ThreadSummary {
  id: string;
  title: string;
  visibility: "internal" | "shared";
  status: "open" | "resolved";
  messageCount: number;
  lastMessageAt: string | null;
  createdAt: string;
  unreadCount: number;
  page: { id: string; title: string } | null;
  /** Set for a comment anchored to text (docs/decisions/028-comments-anchored-to-text.md). */
  anchor?: { quote: string } | null;
}

function ThreadLink({ roomId, thread }: { roomId: string; thread: ThreadSummary }) {
  const unread = thread.unreadCount > 0;
  return (
    <li>
      <NavLink to={`/rooms/${roomId}/threads/${thread.id}`} className={`thread-link${unread ? " is-unread" : ""}`}>
        <span className="thread-link-title">
          {thread.visibility === "internal" ? (
            <span className="thread-lock" title="Internal: only your team sees this thread">
              <LockIcon size={12} />
              <span className="visually-hidden">Internal</span>
            </span>
          ) : null}
          {thread.title}
        </span>
        <span className="thread-link-meta">
          <span>
            {thread.anchor ? "Comment · " : ""}
            {thread.messageCount} {thread.messageCount === 1 ? "message" : "messages"}
            {thread.lastMessageAt ? ` · ${formatDateTime(thread.lastMessageAt)}` : ""}
          </span>
          {unread ? (
            <span className="unread-count" aria-label={`${thread.unreadCount} unread`}>
              {thread.unreadCount}
            </span>
          ) : null}
        </span>
      </NavLink>
    </li>
  );
}

/** Open threads first (newest activity on top); resolved ones folded underneath. */
export function ThreadList({ roomId, threads }: { roomId: string; threads: ThreadSummary[] }) {
  const open = threads.filter((t) => t.status === "open");
  const resolved = threads.filter((t) => t.status === "resolved");
  return (
    <nav aria-label="Threads" className="thread-list">
      {open.length === 0 ? <p className="muted small thread-list-empty">No open threads.</p> : null}
      <ul>
        {open.map((t) => (
          <ThreadLink key={t.id} roomId={roomId} thread={t} />
        ))}
      </ul>
      {resolved.length > 0 ? (
        <details className="thread-list-resolved">
          <summary>Resolved ({resolved.length})</summary>
          <ul>
            {resolved.map((t) => (
              <ThreadLink key={t.id} roomId={roomId} thread={t} />
            ))}
          </ul>
        </details>
      ) : null}
    </nav>
  );
}
