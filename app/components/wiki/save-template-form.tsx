import { useEffect, useRef } from "react";
import { Link, useFetcher } from "react-router";
import type { FormError } from "../../lib/form-error.ts";

type Answer = { ok: boolean; intent: string; error: FormError | null; saved?: { id: string; name: string } | null };

/**
 * "Save as template": this room's pages (their tree, visibility and current text) become a room
 * template of the organization, which new rooms may start from (decision 020). Shown only to
 * those the server says may (`canSaveAsTemplate`: organization admins reading the room as
 * internal readers).
 */
export function SaveTemplateForm({ roomId, organizationId, roomName }: { roomId: string; organizationId: string; roomName: string }) {
  const fetcher = useFetcher<Answer>();
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data?.intent === "save-template" ? fetcher.data : null;
  const error = answer && !answer.ok ? answer.error : null;
  const saved = answer?.ok ? answer.saved : null;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (saved) form.current?.reset();
  }, [saved]);
  const nameError = error?.fields?.name;
  return (
    <details className="wiki-save-template" open={error || saved ? true : undefined}>
      <summary>Save as template</summary>
      <fetcher.Form ref={form} method="post" action={`/rooms/${roomId}/pages`} className="wiki-save-template-form" aria-label="Save as template">
        <input type="hidden" name="intent" value="save-template" />
        <p className="muted small">
          New rooms of your organization can then start with these pages, internal ones staying internal. Their text is copied as it is now, for every
          member who creates a room to read.
        </p>
        <label className="field">
          <span>Template name</span>
          <input name="name" required maxLength={100} defaultValue="" placeholder={`e.g. Like ${roomName}`} aria-invalid={nameError ? true : undefined} />
          {nameError ? <small className="field-error">Template name {nameError}</small> : null}
        </label>
        {error && !nameError ? (
          <p className="alert alert-error" role="alert">
            {error.message}
          </p>
        ) : null}
        <button type="submit" className="button secondary small" disabled={busy}>
          {busy ? "Saving…" : "Save as template"}
        </button>
        <p role="status" className="small">
          {saved ? (
            <>
              Saved as “{saved.name}”. <Link to={`/settings/templates?org=${organizationId}`}>Room templates</Link>
            </>
          ) : null}
        </p>
      </fetcher.Form>
    </details>
  );
}
