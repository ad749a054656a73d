import { useEffect, useRef } from "react";
import { Form, useLocation, useNavigation } from "react-router";
import type { FormError } from "../../lib/form-error.ts";
import type { TreePage } from "./page-tree.tsx";
import { ParentOptions } from "./parent-options.tsx";

/**
 * "New page": title, who sees it, where it goes. The visibility choice is shown only when the
 * server says this user may set visibility; everyone else creates shared pages.
 */
export function NewPageForm(props: {
  roomId: string;
  pages: TreePage[];
  canChooseVisibility: boolean;
  error: FormError | null;
}) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "create";
  const details = useRef<HTMLDetailsElement>(null);
  const error = props.error;
  const titleError = error?.fields?.title;

  const { pathname } = useLocation();

  useEffect(() => {
    if (error && details.current) details.current.open = true;
  }, [error]);
  // A created page opens at its own address: fold the form away behind it (not on the first
  // render: the form may have been opened before the page finished loading).
  const shownAt = useRef(pathname);
  useEffect(() => {
    if (shownAt.current === pathname) return;
    shownAt.current = pathname;
    if (details.current) details.current.open = false;
  }, [pathname]);

  return (
    // suppressHydrationWarning: someone may open it before the page has hydrated.
    <details className="wiki-new-page" ref={details} suppressHydrationWarning>
      <summary className="button primary small">+ New page</summary>
      <Form key={pathname} method="post" action={`/rooms/${props.roomId}/pages`} className="wiki-new-page-form" aria-label="New page">
        <input type="hidden" name="intent" value="create" />
        <label className="field">
          <span>Title</span>
          <input name="title" required maxLength={200} placeholder="e.g. Security questionnaire" aria-invalid={titleError ? true : undefined} />
          {titleError && <small className="field-error">Title {titleError}</small>}
        </label>
        {props.canChooseVisibility ? (
          <fieldset className="field wiki-visibility-choice">
            <legend>Who can see it</legend>
            <label>
              <input type="radio" name="visibility" value="shared" defaultChecked /> Shared with the buyer's team
            </label>
            <label>
              <input type="radio" name="visibility" value="internal" /> Internal — only our team
            </label>
          </fieldset>
        ) : (
          <input type="hidden" name="visibility" value="shared" />
        )}
        <label className="field">
          <span>Inside</span>
          <select name="parentId" defaultValue="">
            <option value="">Top level</option>
            <ParentOptions pages={props.pages} />
          </select>
        </label>
        {error && !titleError && <p className="alert alert-error" role="alert">{error.message}</p>}
        <button type="submit" className="button primary" disabled={busy}>{busy ? "Creating…" : "Create page"}</button>
      </Form>
    </details>
  );
}
