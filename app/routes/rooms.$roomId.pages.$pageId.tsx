import { useEffect, useMemo, useState } from "react";
import { Outlet, data, isRouteErrorResponse, useMatches, useRouteLoaderData, type ShouldRevalidateFunctionArgs } from "react-router";
import type { Route } from "./+types/rooms.$roomId.pages.$pageId";
import { useEngagement } from "../components/engagement.tsx";
import type { loader as pagesLoader } from "./rooms.$roomId.pages.tsx";
import { PageBody } from "../components/wiki/page-body.tsx";
import { anchorsOf, PageComments, usePageComments, type CommentDraft } from "../components/wiki/page-comments.tsx";
import type { EditorComments } from "../editor/collab-editor.client.tsx";
import type { AnchorPlaces } from "../editor/comment-highlights.client.ts";
import { useRoomEvents } from "../components/threads/live.ts";
import { PageHeader } from "../components/wiki/page-header.tsx";
import { usePresence } from "../editor/presence.ts";
import { useLivePage } from "../editor/use-live-page.ts";
import { orErrorPage } from "../lib/actions.server.ts";
import { avatarColour } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: loaderData ? `${loaderData.page.title} · Dealroom` : "Page not found · Dealroom" }];

/**
 * One page: its metadata and abilities, and its last saved content as HTML so it reads at
 * once (and still reads when the live connection cannot be made).
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const page = await orErrorPage(() => services.pages.getPage(ctx, params.pageId));
  // A page id under another room's URL is not a page of this room.
  if (page.roomId !== params.roomId) throw data({ code: "not_found", message: "Page does not exist or is not visible to you." }, { status: 404 });
  // Rendered for this reader: file cards show only what the reader may see of their file.
  const html = await services.fileCards.pageHtmlForActor(ctx, page.roomId, services.render.pageNodeFromState(await ctx.documents.encodeState(page.id)));
  const me = { id: ctx.actor.userId, name: ctx.actor.name, color: avatarColour(ctx.actor.userId) };
  // Who an @mention may name: participants who can read this page (never a guest on an internal page).
  const mentionable = page.abilities["item.edit"] ? await services.threadAccess.mentionableUsers(ctx, page.roomId, page.visibility) : [];
  return { page, html, me, mentionable };
}

/** Typing a search or opening a version in the history panel does not reload the page itself. */
export function shouldRevalidate({ currentParams, nextParams, formMethod, defaultShouldRevalidate }: ShouldRevalidateFunctionArgs) {
  if (formMethod && formMethod !== "GET") return defaultShouldRevalidate;
  return currentParams.pageId !== nextParams.pageId ? defaultShouldRevalidate : false;
}

export default function PageView({ loaderData }: Route.ComponentProps) {
  const { page, html, me, mentionable } = loaderData;
  useEngagement(page.roomId, "page", page.id);
  const pages = useRouteLoaderData<typeof pagesLoader>("routes/rooms.$roomId.pages")?.pages ?? [];
  const panelOpen = useMatches().some((m) => m.id === "routes/rooms.$roomId.pages.$pageId.history");
  // Decided from the server's abilities before the editor mounts: readers never get an editable editor.
  const editable = page.abilities["item.edit"];
  const live = useLivePage(page.id, me);
  const present = usePresence(live.session?.provider.awareness ?? null);
  // Live changes to this page by others, kept per page id so a move to another page starts clean:
  // a rename or visibility change shows in the header at once; "page.removed" (sent to the buyer's
  // side when a page is made internal) ends the page here before the connection's own 4404 does.
  const [change, setChange] = useState<{ pageId: string; title?: string; visibility?: typeof page.visibility; removed?: boolean } | null>(null);
  useRoomEvents(page.roomId, {
    "page.updated": (p) => p?.pageId === page.id && setChange((c) => ({ ...(c?.pageId === page.id ? c : {}), pageId: page.id, title: p.title, visibility: p.visibility })),
    "page.removed": (p) => p?.pageId === page.id && setChange((c) => ({ ...(c?.pageId === page.id ? c : {}), pageId: page.id, removed: true })),
  });
  // Comments anchored to text (docs/decisions/028-comments-anchored-to-text.md): the reader's own
  // list from the server; the editor highlights those anchors and reports where they are now.
  const connected = live.status === "saving" || live.status === "saved";
  const comments = usePageComments(page.roomId, page.id, connected && !live.ended && !(change?.pageId === page.id && change.removed));
  const [draft, setDraft] = useState<CommentDraft | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const [places, setPlaces] = useState<AnchorPlaces>({});
  useEffect(() => {
    setDraft(null);
    setActive(null);
    setPlaces({});
  }, [page.id]);
  const anchors = useMemo(() => anchorsOf(comments.items), [comments.items]);
  const editorComments = useMemo<EditorComments>(
    () => ({ anchors, active, canComment: comments.abilities.comment, onComment: setDraft, onPlaces: setPlaces, onActivate: setActive }),
    [anchors, active, comments.abilities.comment],
  );
  const mine = change?.pageId === page.id ? change : null;
  const shown = { ...page, title: mine?.title ?? page.title, visibility: mine?.visibility ?? page.visibility };
  const ended = mine?.removed ? "unshared" : live.ended;

  return (
    <div className={`wiki-page-grid${panelOpen ? " with-panel" : ""}${!panelOpen && !ended && (draft || comments.items.length > 0) ? " with-comments" : ""}`}>
      <article className="wiki-page" aria-labelledby="page-title" data-page-id={page.id}>
        <PageHeader
          page={shown}
          pages={pages}
          present={ended ? [] : present}
          status={ended ? null : live.status}
          unsaved={{ count: live.unsaved, kept: live.kept }}
          editable={editable && !ended}
          historyOpen={panelOpen}
        />
        {ended ? (
          <div className="alert alert-error" role="alert" data-testid="page-ended">
            {live.discarded ? DISCARDED_MESSAGES[live.ended ?? "not-visible"] : ENDED_MESSAGES[ended]}
          </div>
        ) : (
          <PageBody
            key={page.id}
            html={html}
            session={live.session}
            synced={live.synced}
            local={live.local}
            user={me}
            editable={editable}
            roomId={page.roomId}
            pageVisibility={page.visibility}
            mentionable={mentionable}
            comments={editorComments}
          />
        )}
      </article>
      {!panelOpen && !ended && (
        <PageComments
          roomId={page.roomId}
          pageId={page.id}
          pageVisibility={shown.visibility}
          items={comments.items}
          abilities={comments.abilities}
          places={places}
          active={active}
          onActivate={setActive}
          draft={draft}
          onDraftDone={() => setDraft(null)}
          reload={comments.reload}
        />
      )}
      <Outlet />
    </div>
  );
}

const ENDED_MESSAGES = {
  unshared: "This page is no longer shared with you.",
  "not-visible": "This page is no longer available to you. Its visibility or your access may have changed.",
  "signed-out": "Your session has ended. Sign in again to keep working on this page.",
} as const;

/** The server refused the page while this device held changes made offline: they were deleted, not sent. */
const DISCARDED_MESSAGES = {
  "not-visible": "You no longer have access to this page; the changes you made offline were not sent.",
  "signed-out": "Your session has ended; the changes you made offline were not sent. Sign in again to keep working on this page.",
} as const;

/** A page that does not exist (or may not be seen) reads like one: the tab and its tree stay around it. */
export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <section className="wiki-page wiki-empty-state" data-status={isRouteErrorResponse(error) ? error.status : 500}>
      <h1>{notFound ? "Not found" : "This page could not be opened"}</h1>
      <p className="muted">
        {notFound
          ? "This page does not exist, or you do not have access to it."
          : "Something went wrong on our side. Nothing you saved was lost; try again in a moment."}
      </p>
    </section>
  );
}
