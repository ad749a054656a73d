import { useEffect, useRef, useState } from "react";
import { Link, useFetcher } from "react-router";
import type { PageView } from "../../../server/wiki/pages.ts";
import type { FormError } from "../../lib/form-error.ts";
import type { PresentUser } from "../../editor/presence.ts";
import { HistoryIcon } from "../icons.tsx";
import type { TreePage } from "./page-tree.tsx";
import { ParentOptions } from "./parent-options.tsx";
import { PresenceAvatars } from "./presence-avatars.tsx";
import { SaveStatus, type ConnectionStatus } from "./save-status.tsx";
import { formatDateTime } from "./time.ts";
import { VisibilityBadge } from "./visibility-badge.tsx";

type PageInfo = Pick<PageView, "id" | "roomId" | "title" | "visibility" | "parentId" | "archivedAt" | "updatedAt" | "abilities">;
type ActionResult = { ok: boolean; intent: string | null; error: FormError | null } | undefined;

/** A form that posts to the Pages tab's action without leaving the page; its refusal shows next to it. */
function usePageAction() {
  const fetcher = useFetcher<ActionResult>();
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  return { fetcher, error, busy: fetcher.state !== "idle" };
}

/** Title, visibility, who is here, save state, and what the user may do with the page. */
export function PageHeader(props: {
  page: PageInfo;
  pages: TreePage[];
  present: PresentUser[];
  /** null once the page has ended for this reader (no longer shared, signed out): no save state to show. */
  status: ConnectionStatus | null;
  /** My changes the server has not stored yet, and whether the device keeps them (an offline copy). */
  unsaved?: { count: number; kept: boolean };
  editable: boolean;
  historyOpen: boolean;
}) {
  const { page, pages, present, status, unsaved, editable, historyOpen } = props;
  const base = `/rooms/${page.roomId}/pages/${page.id}`;
  const canEdit = page.abilities["item.edit"];
  const archived = page.archivedAt !== null;
  const restore = usePageAction();

  return (
    <header className="wiki-page-header">
      {archived && (
        <div className="wiki-archived-banner" role="note">
          <span>{canEdit ? "This page is archived: it is out of the page tree until you restore it." : "This page is archived."}</span>
          {canEdit && (
            <restore.fetcher.Form method="post" action={`/rooms/${page.roomId}/pages`}>
              <input type="hidden" name="intent" value="unarchive" />
              <input type="hidden" name="pageId" value={page.id} />
              <button type="submit" className="button small secondary" disabled={restore.busy}>Restore page</button>
            </restore.fetcher.Form>
          )}
        </div>
      )}
      <div className="wiki-page-header-top">
        <div className="wiki-page-heading">
          <TitleEditor page={page} canRename={canEdit} />
          <div className="wiki-page-meta">
            <VisibilityBadge visibility={page.visibility} showShared />
            {page.abilities["item.changeVisibility"] && <VisibilityToggle page={page} />}
            <span className="muted small">Updated {formatDateTime(page.updatedAt)}</span>
          </div>
        </div>
        <div className="wiki-page-tools">
          <PresenceAvatars users={present} />
          {status && <SaveStatus status={status} editable={editable} unsaved={unsaved} />}
          {/* A link that opens and closes the history panel: aria-expanded, as links may not be pressed. */}
          <Link
            to={historyOpen ? base : `${base}/history`}
            className={`button small secondary${historyOpen ? " active" : ""}`}
            aria-expanded={historyOpen}
            preventScrollReset
          >
            <HistoryIcon size={14} /> History
          </Link>
          {canEdit && <PageMenu page={page} pages={pages} />}
        </div>
      </div>
    </header>
  );
}

function TitleEditor({ page, canRename }: { page: PageInfo; canRename: boolean }) {
  const [editing, setEditing] = useState(false);
  const { fetcher, error, busy } = usePageAction();
  const input = useRef<HTMLInputElement>(null);

  // Close the form once the rename went through; keep it open (with the message) when refused.
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data?.ok && fetcher.data.intent === "rename") setEditing(false);
  }, [fetcher.state, fetcher.data]);
  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  if (!editing) {
    return (
      <h1 id="page-title" className="wiki-page-title">
        {page.title}
        {canRename && (
          <button type="button" className="wiki-icon-button" aria-label="Rename page" title="Rename" onClick={() => setEditing(true)}>
            <svg viewBox="0 0 16 16" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
              <path d="M11 2.5l2.5 2.5L6 12.5H3.5V10z" />
            </svg>
          </button>
        )}
      </h1>
    );
  }
  return (
    <fetcher.Form method="post" action={`/rooms/${page.roomId}/pages`} className="wiki-rename-form">
      <input type="hidden" name="intent" value="rename" />
      <input type="hidden" name="pageId" value={page.id} />
      <label className="visually-hidden" htmlFor="rename-title">Page title</label>
      <input
        ref={input}
        id="rename-title"
        name="title"
        defaultValue={page.title}
        required
        maxLength={200}
        aria-invalid={error ? true : undefined}
        onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
      />
      <button type="submit" className="button small primary" disabled={busy}>Save</button>
      <button type="button" className="button small ghost" onClick={() => setEditing(false)}>Cancel</button>
      {error && <p className="field-error" role="alert">{error.fields?.title ? `Title ${error.fields.title}` : error.message}</p>}
    </fetcher.Form>
  );
}

function VisibilityToggle({ page }: { page: PageInfo }) {
  const { fetcher, error, busy } = usePageAction();
  const makeInternal = page.visibility === "shared";
  return (
    <fetcher.Form
      method="post"
      action={`/rooms/${page.roomId}/pages`}
      className="wiki-inline-form"
      onSubmit={(event) => {
        // Taking a page away from the buyer's team closes their open editors at once: ask first.
        if (makeInternal && !window.confirm(`Make "${page.title}" internal? The buyer's team loses access to it immediately.`)) {
          event.preventDefault();
        }
      }}
    >
      <input type="hidden" name="intent" value="visibility" />
      <input type="hidden" name="pageId" value={page.id} />
      <input type="hidden" name="visibility" value={makeInternal ? "internal" : "shared"} />
      <button type="submit" className="button small ghost" disabled={busy}>
        {makeInternal ? "Make internal" : "Share with buyer"}
      </button>
      {error && <span className="field-error" role="alert">{error.message}</span>}
    </fetcher.Form>
  );
}

/** Move and archive, behind a "⋯" menu (a <details>, so it works before the JavaScript loads). */
function PageMenu({ page, pages }: { page: PageInfo; pages: TreePage[] }) {
  const move = usePageAction();
  const archive = usePageAction();
  const menu = useRef<HTMLDetailsElement>(null);

  useEffect(() => {
    if (move.fetcher.state === "idle" && move.fetcher.data?.ok && menu.current) menu.current.open = false;
  }, [move.fetcher.state, move.fetcher.data]);

  return (
    <details className="wiki-menu" ref={menu} suppressHydrationWarning>
      <summary className="button small ghost" aria-label="More page actions">⋯</summary>
      <div className="wiki-menu-panel" role="group" aria-label="Page actions">
        <move.fetcher.Form method="post" action={`/rooms/${page.roomId}/pages`} className="wiki-menu-section">
          <input type="hidden" name="intent" value="move" />
          <input type="hidden" name="pageId" value={page.id} />
          <label className="field">
            <span>Move inside</span>
            <select name="parentId" defaultValue={page.parentId ?? ""}>
              <option value="">Top level</option>
              <ParentOptions pages={pages} exclude={page.id} />
            </select>
          </label>
          <button type="submit" className="button small secondary" disabled={move.busy}>Move page</button>
          {move.error && <p className="field-error" role="alert">{move.error.fields?.parentId ? `Parent ${move.error.fields.parentId}` : move.error.message}</p>}
        </move.fetcher.Form>
        {page.archivedAt === null && (
          <archive.fetcher.Form
            method="post"
            action={`/rooms/${page.roomId}/pages`}
            className="wiki-menu-section"
            onSubmit={(event) => {
              if (!window.confirm(`Archive "${page.title}"? It leaves the page tree; you can restore it from "Archived".`)) event.preventDefault();
            }}
          >
            <input type="hidden" name="intent" value="archive" />
            <input type="hidden" name="pageId" value={page.id} />
            <button type="submit" className="button small danger-ghost" disabled={archive.busy}>Archive page</button>
            {archive.error && <p className="field-error" role="alert">{archive.error.message}</p>}
          </archive.fetcher.Form>
        )}
      </div>
    </details>
  );
}
