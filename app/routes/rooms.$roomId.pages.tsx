import { Outlet, redirect, useParams, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.pages";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { NewPageForm } from "../components/wiki/new-page-form.tsx";
import { PageTree, type TreePage } from "../components/wiki/page-tree.tsx";
import { SaveTemplateForm } from "../components/wiki/save-template-form.tsx";
import { SearchBox } from "../components/wiki/search-box.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import wikiStyles from "../styles/wiki.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: wikiStyles }];

/** The Pages tab: the page tree (archived pages too, folded at the bottom) and, with ?q=, the room's search results (pages, messages, files). */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const q = new URL(request.url).searchParams.get("q")?.trim() ?? "";
  const [pages, results, canSaveTemplate] = await orErrorPage(() =>
    Promise.all([
      services.pages.listPages(ctx, params.roomId, { includeArchived: true }),
      q ? services.search.searchRoom(ctx, params.roomId, q) : null,
      services.roomTemplates.canSaveAsTemplate(ctx, params.roomId),
    ]),
  );
  const tree: TreePage[] = pages.map((p) => ({
    id: p.id,
    title: p.title,
    visibility: p.visibility,
    parentId: p.parentId,
    archived: p.archivedAt !== null,
  }));
  const hits = results?.map(({ rank: _rank, ...hit }) => hit) ?? null;
  return { pages: tree, q, results: hits, canSaveTemplate };
}

/**
 * Changes to the tree: create, rename, move, archive, restore, visibility. The services decide
 * who may do what; a refusal comes back as `{ error }` for the form that sent it.
 */
export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", pageId, ...fields } = await formFields(request);
  return attempt(async () => {
    switch (intent) {
      case "create": {
        const page = await services.pages.createPage(ctx, params.roomId, {
          title: fields.title ?? "",
          visibility: fields.visibility,
          parentId: fields.parentId || null,
        });
        return redirect(`/rooms/${page.roomId}/pages/${page.id}`);
      }
      case "rename":
        await services.pages.updatePage(ctx, pageId, { title: fields.title ?? "" });
        break;
      case "move":
        await services.pages.updatePage(ctx, pageId, { parentId: fields.parentId || null });
        break;
      case "visibility":
        await services.pages.updatePage(ctx, pageId, { visibility: fields.visibility });
        break;
      case "archive":
        await services.pages.setPageArchived(ctx, pageId, true);
        break;
      case "unarchive":
        await services.pages.setPageArchived(ctx, pageId, false);
        break;
      case "save-template": {
        // The room's organization: the template is one of its own (the service checks the room belongs to it).
        const room = await services.rooms.getRoom(ctx, params.roomId);
        const saved = await services.roomTemplates.saveRoomAsTemplate(ctx, room.organizationId, { name: fields.name ?? "", roomId: room.id });
        return { ok: true as const, intent, error: null, saved: { id: saved.id, name: saved.name } };
      }
      default:
        return { ok: false as const, intent, error: { code: "invalid", message: "Unknown action." } };
    }
    return { ok: true as const, intent, error: null };
  }, intent);
}

export default function RoomPages({ loaderData, actionData }: Route.ComponentProps) {
  const { roomId, pageId } = useParams();
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  // The tree follows what others do: new pages, renames, moves, pages made internal (for the buyer's side).
  const refresh = useDebouncedRevalidate();
  useRoomEvents(roomId, { "page.created": refresh, "page.updated": refresh, "page.removed": refresh });
  const createErrors = actionData && !actionData.ok && actionData.intent === "create" ? actionData.error : null;

  return (
    <div className="wiki-layout">
      <aside className="wiki-sidebar" aria-label="Pages">
        <SearchBox roomId={roomId!} q={loaderData.q} results={loaderData.results} />
        {room?.abilities["page.create"] && (
          <NewPageForm
            roomId={roomId!}
            pages={loaderData.pages}
            canChooseVisibility={room.abilities["item.setVisibility"]}
            error={createErrors}
          />
        )}
        <PageTree roomId={roomId!} pages={loaderData.pages} currentPageId={pageId} />
        {loaderData.canSaveTemplate && room && loaderData.pages.some((p) => !p.archived) ? (
          <SaveTemplateForm roomId={roomId!} organizationId={room.organizationId} roomName={room.account} />
        ) : null}
      </aside>
      <div className="wiki-main">
        <Outlet />
      </div>
    </div>
  );
}
