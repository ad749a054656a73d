import { useState } from "react";
import { Form, useNavigation } from "react-router";
import { FormAlert, SelectField, TextField } from "../form.tsx";
import { LockIcon } from "../icons.tsx";
import type { FormError } from "../../lib/form-error.ts";
import { MentionTextarea, type Mentionable } from "./mention-textarea.tsx";

export interface NewThreadProps {
  /** From the policy: may this person start internal threads? */
  canStartInternal: boolean;
  pages: { id: string; title: string; visibility: "internal" | "shared" }[];
  /** Who may be mentioned, per visibility (internal is empty for people who cannot see internal items). */
  people: { shared: Mentionable[]; internal: Mentionable[] };
  defaultPageId?: string;
  error?: FormError | null;
  values?: Record<string, string>;
}

/** Title, who sees it, an optional page it is about, and the first message. */
export function NewThreadForm({ canStartInternal, pages, people, defaultPageId, error, values = {} }: NewThreadProps) {
  const [visibility, setVisibility] = useState<"shared" | "internal">(values.visibility === "internal" && canStartInternal ? "internal" : "shared");
  const busy = useNavigation().state === "submitting";
  return (
    <Form method="post" className="card new-thread" aria-labelledby="new-thread-title">
      <h2 id="new-thread-title">Start a thread</h2>
      <FormAlert error={error} fields={["title", "visibility", "body", "pageId"]} />
      <TextField label="Title" name="title" required maxLength={200} defaultValue={values.title} error={error} autoComplete="off" />
      <fieldset className="field visibility-choice">
        <legend>Who can see it</legend>
        <label>
          <input type="radio" name="visibility" value="shared" checked={visibility === "shared"} onChange={() => setVisibility("shared")} />
          Everyone in the room, including the buyer's team
        </label>
        {canStartInternal ? (
          <label>
            <input type="radio" name="visibility" value="internal" checked={visibility === "internal"} onChange={() => setVisibility("internal")} />
            <LockIcon size={12} /> Internal: only your team
          </label>
        ) : null}
      </fieldset>
      {pages.length > 0 ? (
        <SelectField
          label="About a page (optional)"
          name="pageId"
          error={error}
          defaultValue={values.pageId ?? defaultPageId ?? ""}
          options={[{ value: "", label: "No page" }, ...pages.map((p) => ({ value: p.id, label: p.visibility === "internal" ? `${p.title} (internal)` : p.title }))]}
        />
      ) : null}
      <div className="field">
        <label htmlFor="thread-body">First message</label>
        <MentionTextarea
          id="thread-body"
          name="body"
          rows={5}
          required
          maxLength={10_000}
          defaultValue={values.body}
          people={visibility === "internal" ? people.internal : people.shared}
          placeholder="What do you want to discuss? Type @ to mention someone who can see this thread."
        />
        {error?.fields?.body ? <p className="field-error">Message {error.fields.body}</p> : null}
      </div>
      <input type="hidden" name="intent" value="create" />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Starting…" : "Start thread"}
        </button>
      </div>
    </Form>
  );
}
