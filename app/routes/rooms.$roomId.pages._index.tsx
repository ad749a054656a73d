import { redirect, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.pages._index";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { DocIcon } from "../components/icons.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";

/** The Pages tab opens on the first page of the tree; an empty wiki says how to start. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const [first] = await orErrorPage(() => services.pages.listPages(ctx, params.roomId));
  const q = new URL(request.url).searchParams.get("q");
  // Searching from the tab's start keeps the reader here, with results in the sidebar.
  if (first && !q) throw redirect(`/rooms/${params.roomId}/pages/${first.id}`);
  return { hasPages: Boolean(first) };
}

export default function RoomPagesIndex({ loaderData }: Route.ComponentProps) {
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  return (
    <section className="wiki-page wiki-empty-state">
      <DocIcon size={28} />
      {loaderData.hasPages ? (
        <>
          <h2>Pick a page</h2>
          <p className="muted">Choose a page on the left, or open one of the search results.</p>
        </>
      ) : (
        <>
          <h2>No pages yet</h2>
          <p className="muted">
            Pages are where both teams write things down together: requirements, the mutual plan, meeting notes.
            {room?.abilities["page.create"] ? " Use “New page” on the left to write the first one." : " The team will add the first one soon."}
          </p>
        </>
      )}
    </section>
  );
}
