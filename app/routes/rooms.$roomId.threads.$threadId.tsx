import { useEffect, useRef, useState } from "react";
import { Link, useFetcher } from "react-router";
import type { Route } from "./+types/rooms.$roomId.threads.$threadId";
import { useEngagement } from "../components/engagement.tsx";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { MentionTextarea } from "../components/threads/mention-textarea.tsx";
import { MessageItem, type MessageData } from "../components/threads/message-item.tsx";
import { markThreadRead, useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { VisibilityBadge } from "../components/wiki/visibility-badge.tsx";
import { formatDateTime } from "../components/wiki/time.ts";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: loaderData ? `${loaderData.thread.title} · Threads · Dealroom` : "Thread not found · Dealroom" }];

/** One thread: its messages, who may be mentioned in it, and what the reader may do (from the policy). */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const thread = await services.threads.getThread(ctx, params.threadId);
    if (thread.roomId !== params.roomId) throw services.errors.notFound("Thread");
    const standing = await services.access.loadStanding(ctx.sql, ctx.actor, thread.roomId);
    const [messages, people] = await Promise.all([services.messages.listMessages(ctx, thread.id), services.threadAccess.mentionableUsers(ctx, thread.roomId, thread.visibility)]);
    const own = (authorId: string | null | undefined) => services.access.can(standing, "item.editOwn", { visibility: thread.visibility, createdBy: authorId });
    return {
      thread,
      messages: messages.map((m): MessageData => ({ ...m, editable: own(m.author?.id) })),
      people,
      canComment: services.access.abilities(standing, { visibility: thread.visibility })["item.comment"],
    };
  });
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", messageId, body = "" } = await formFields(request);
  return attempt(async () => {
    switch (intent) {
      case "post":
        await services.messages.postMessage(ctx, params.threadId, { body });
        break;
      case "edit":
        await services.messages.editMessage(ctx, messageId, { body });
        break;
      case "delete":
        await services.messages.deleteMessage(ctx, messageId);
        break;
      case "resolve":
      case "reopen":
        await services.threads.setResolved(ctx, params.threadId, intent === "resolve");
        break;
      default:
        return { ok: false as const, intent, error: { code: "invalid", message: "Unknown action." } };
    }
    return { ok: true as const, intent, error: null };
  }, { intent, values: intent === "post" ? { body } : {} });
}

/** Applies a live message event to the list: new ones at the end, changed ones in place. */
function merge(list: MessageData[], incoming: MessageData): MessageData[] {
  const at = list.findIndex((m) => m.id === incoming.id);
  if (at === -1) return [...list, incoming];
  const next = [...list];
  next[at] = { ...incoming, editable: list[at]!.editable };
  return next;
}

export default function ThreadView({ loaderData }: Route.ComponentProps) {
  const { thread, people, canComment } = loaderData;
  useEngagement(thread.roomId, "thread", thread.id);
  const [messages, setMessages] = useState(loaderData.messages);
  useEffect(() => setMessages(loaderData.messages), [loaderData.messages]);
  const refresh = useDebouncedRevalidate();

  // Reading the thread: now, and whenever someone's message arrives while it is open.
  useEffect(() => void markThreadRead(thread.id), [thread.id]);
  const onMessage = (payload: MessageData) => {
    if (payload.threadId !== thread.id) return;
    setMessages((list) => merge(list, payload));
    if (document.visibilityState === "visible") void markThreadRead(thread.id);
    refresh();
  };
  const onThread = (payload: { id: string }) => payload.id === thread.id && refresh();
  const live = useRoomEvents(thread.roomId, {
    "message.created": onMessage,
    "message.updated": onMessage,
    "message.deleted": onMessage,
    "thread.updated": onThread,
    "thread.resolved": onThread,
    "thread.reopened": onThread,
    "room:refused": refresh,
  });

  const resolve = useFetcher();
  const resolved = thread.status === "resolved";
  return (
    <article className="thread-view card" aria-labelledby="thread-title">
      <header className="thread-head">
        <div>
          <h2 id="thread-title">{thread.title}</h2>
          <div className="thread-meta">
            <VisibilityBadge visibility={thread.visibility} showShared />
            {resolved ? <span className="badge badge-open">Resolved</span> : null}
            <LiveStatus live={live} />
            <span className="muted small">
              Started by {thread.createdBy?.name ?? "a former participant"} · {formatDateTime(thread.createdAt)}
            </span>
            {thread.page ? (
              <Link className="text-link small" to={`/rooms/${thread.roomId}/pages/${thread.page.id}`}>
                About: {thread.page.title}
              </Link>
            ) : null}
          </div>
          {thread.anchor ? (
            // A comment anchored to text (decision 028): the words it was made on, as they read then.
            <p className="thread-anchor small" data-testid="thread-anchor">
              Comment on <q>{thread.anchor.quote}</q>
            </p>
          ) : null}
        </div>
        {canComment ? (
          <resolve.Form method="post">
            <input type="hidden" name="intent" value={resolved ? "reopen" : "resolve"} />
            <button type="submit" className="button secondary small" disabled={resolve.state !== "idle"}>
              {resolved ? "Reopen" : "Resolve"}
            </button>
          </resolve.Form>
        ) : null}
      </header>

      <ol className="message-list" aria-label="Messages" aria-live="polite">
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} people={people} />
        ))}
      </ol>

      {canComment ? <Composer threadId={thread.id} people={people} /> : <p className="muted small">You services.access.can read this thread; your role does not allow replies.</p>}
    </article>
  );
}

interface PostResult {
  ok: boolean;
  intent?: string | null;
  error?: { message: string; fields?: Record<string, string> } | null;
}

function Composer({ threadId, people }: { threadId: string; people: { id: string; name: string }[] }) {
  const fetcher = useFetcher<PostResult>();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data?.ok) form.current?.reset();
  }, [fetcher.state, fetcher.data]);
  const error = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  return (
    <fetcher.Form method="post" ref={form} className="composer" key={threadId}>
      <input type="hidden" name="intent" value="post" />
      <label htmlFor="reply-body">Reply</label>
      <MentionTextarea
        id="reply-body"
        name="body"
        people={people}
        rows={3}
        required
        maxLength={10_000}
        placeholder="Write a reply. **bold**, _italics_, lists, links and `code` work; type @ to mention someone."
        aria-describedby={error ? "reply-error" : undefined}
      />
      {error ? (
        <p className="field-error" id="reply-error" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="form-actions">
        <span className="muted small">Ctrl+Enter to send</span>
        <button type="submit" className="button primary" disabled={fetcher.state !== "idle"}>
          Send
        </button>
      </div>
    </fetcher.Form>
  );
}
