import { useEffect, useState } from "react";
import { useFetcher } from "react-router";
import { Avatar } from "../people.tsx";
import { formatDateTime } from "../wiki/time.ts";
import { MentionTextarea, type Mentionable } from "./mention-textarea.tsx";

export interface MessageData {
  id: string;
  threadId: string;
  author: { id: string; name: string } | null;
  body: string;
  html: string;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  /** From the server's policy: the reader wrote it and may still change it. */
  editable?: boolean;
}

interface ActionResult {
  ok: boolean;
  intent?: string | null;
  error?: { message: string } | null;
}

/** One message: who, when, the server-rendered safe HTML; the author can edit or delete it. */
export function MessageItem({ message, people }: { message: MessageData; people: Mentionable[] }) {
  const [editing, setEditing] = useState(false);
  const edit = useFetcher<ActionResult>();
  const remove = useFetcher<ActionResult>();
  useEffect(() => {
    if (edit.state === "idle" && edit.data?.ok) setEditing(false);
  }, [edit.state, edit.data]);
  const author = message.author ?? { id: "unknown", name: "Former participant" };

  return (
    <li className={`message${message.deleted ? " is-deleted" : ""}`} id={`message-${message.id}`} data-message-id={message.id}>
      <Avatar person={{ userId: author.id, name: author.name }} size="sm" />
      <div className="message-main">
        <div className="message-head">
          <span className="message-author">{author.name}</span>
          <time dateTime={message.createdAt} className="muted small">
            {formatDateTime(message.createdAt)}
          </time>
          {message.editedAt && !message.deleted ? <span className="muted small">(edited)</span> : null}
        </div>
        {message.deleted ? (
          <p className="message-deleted">message deleted</p>
        ) : editing ? (
          <edit.Form method="post" className="message-edit">
            <input type="hidden" name="intent" value="edit" />
            <input type="hidden" name="messageId" value={message.id} />
            <label className="visually-hidden" htmlFor={`edit-${message.id}`}>
              Edit message
            </label>
            <MentionTextarea id={`edit-${message.id}`} name="body" defaultValue={message.body} people={people} rows={3} required maxLength={10_000} autoFocus />
            {edit.data && !edit.data.ok && edit.data.error ? <p className="field-error">{edit.data.error.message}</p> : null}
            <div className="form-actions">
              <button type="submit" className="button primary small" disabled={edit.state !== "idle"}>
                Save
              </button>
              <button type="button" className="button ghost small" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </edit.Form>
        ) : (
          // Rendered on the server by markdown-it with raw HTML off and only http(s)/mailto links.
          <div className="message-body" dangerouslySetInnerHTML={{ __html: message.html }} />
        )}
        {message.editable && !message.deleted && !editing ? (
          <div className="message-actions">
            <button type="button" className="button ghost small" onClick={() => setEditing(true)}>
              Edit
            </button>
            <remove.Form
              method="post"
              onSubmit={(event) => {
                if (!window.confirm("Delete this message? Everyone will see “message deleted” instead.")) event.preventDefault();
              }}
            >
              <input type="hidden" name="intent" value="delete" />
              <input type="hidden" name="messageId" value={message.id} />
              <button type="submit" className="button danger-ghost small">
                Delete
              </button>
            </remove.Form>
          </div>
        ) : null}
      </div>
    </li>
  );
}
