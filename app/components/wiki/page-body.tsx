import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import type { CaretUser, EditorComments, Mentionable } from "../../editor/collab-editor.client.tsx";
import type { LiveSession } from "../../editor/use-live-page.ts";

// The editor bundle (TipTap, ProseMirror, Yjs bindings) loads in the browser only, after the
// page is readable: a client-only module behind React.lazy.
const CollabEditor = lazy(() => import("../../editor/collab-editor.client.tsx"));

/**
 * The page's content. First the last saved HTML from the server, so the page reads at once
 * and still reads when the websocket cannot connect; once the live document has synced and
 * the editor has rendered it, the editor takes its place. A copy kept on this device from an
 * earlier visit counts as synced enough: offline, the editor shows it and what was typed there.
 */
export function PageBody(props: {
  html: string;
  session: LiveSession | null;
  synced: boolean;
  /** The device's copy of the document was synced with the server before: shown (and editable) without a connection. */
  local?: boolean;
  user: CaretUser;
  editable: boolean;
  roomId: string;
  pageVisibility: "internal" | "shared";
  mentionable: readonly Mentionable[];
  comments?: EditorComments;
}) {
  const { html, session, synced, local = false, user, editable, roomId, pageVisibility, mentionable, comments } = props;
  const [readyFor, setReadyFor] = useState<LiveSession | null>(null);
  const onReady = useCallback(() => setReadyFor(session), [session]);
  const live = session !== null && (synced || local) && readyFor === session;

  // Once the editor shows the page, keep the page (and what it loaded) for opening offline.
  useEffect(() => {
    if (live && import.meta.env.PROD) void import("../../offline/register.ts").then(({ keepPageForOffline }) => keepPageForOffline());
  }, [live]);

  return (
    <div className="wiki-page-body">
      {!live &&
        (html.trim() ? (
          // content_html is rendered on the server from the page's own schema (server/wiki/render.ts),
          // which escapes text and keeps only allowed links; it is not user-supplied markup.
          <div className="wiki-prose wiki-static" data-testid="page-static" suppressHydrationWarning dangerouslySetInnerHTML={{ __html: html }} />
        ) : (
          <div className="wiki-prose wiki-static wiki-empty" data-testid="page-static">
            <p className="muted">{editable ? "This page is empty. Start writing once the editor is ready." : "This page is empty."}</p>
          </div>
        ))}
      {session && (
        <div className="wiki-live" hidden={!live}>
          <Suspense fallback={null}>
            <CollabEditor
              doc={session.doc}
              provider={session.provider}
              user={user}
              editable={editable}
              roomId={roomId}
              pageVisibility={pageVisibility}
              mentionable={mentionable}
              onReady={onReady}
              comments={comments}
            />
          </Suspense>
        </div>
      )}
    </div>
  );
}
