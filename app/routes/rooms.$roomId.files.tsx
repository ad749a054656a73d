import { data, Form, Link, useActionData, useNavigation, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.files";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { FileTable, InternalBadge } from "../components/files/file-table.tsx";
import { FolderIcon } from "../components/files/icons.tsx";
import { UploadPanel } from "../components/files/upload-panel.tsx";
import { FormAlert, TextField } from "../components/form.tsx";
import { LockIcon } from "../components/icons.tsx";
import { useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import type { FolderJson } from "../../server/files/folders.ts";
import filesStyles from "../styles/files.css?url";
import threadStyles from "../styles/threads.css?url";

// threads.css styles the shared live-status indicator.
export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: threadStyles },
  { rel: "stylesheet", href: filesStyles },
];

/** The Files tab: one folder level (`?folder=`), its subfolders and files, and the upload zone. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const folderId = new URL(request.url).searchParams.get("folder") || null;
  const [files, folders] = await orErrorPage(() => Promise.all([services.files.listFiles(ctx, params.roomId), services.folders.listFolders(ctx, params.roomId)]));
  // A folder the reader may not see looks like one that does not exist.
  if (folderId && !folders.some((f) => f.id === folderId)) throw data({ code: "not_found", message: "That folder does not exist." }, { status: 404 });
  return { roomId: params.roomId, folderId, files, folders };
}

/** Folder changes; the services decide who may do what and refusals come back to the form. */
export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", ...fields } = await formFields(request);
  return attempt(async () => {
    if (intent === "create-folder") {
      await services.folders.createFolder(ctx, params.roomId, { name: fields.name ?? "", visibility: fields.visibility, parentId: fields.parentId || null });
    } else if (intent === "delete-folder") {
      await services.folders.deleteFolder(ctx, fields.folderId);
    } else {
      return data({ ok: false as const, intent, error: { code: "invalid_input", message: "Unknown action." }, values: {} }, { status: 400 });
    }
    return { ok: true as const, intent, error: null, values: {} };
  }, intent);
}

const LIVE_EVENTS = ["file.uploaded", "file.version_added", "file.updated", "file.removed", "folder.created", "folder.updated", "folder.removed"];

/** From the top level down to `folderId`. */
function pathTo(folders: FolderJson[], folderId: string | null): FolderJson[] {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const path: FolderJson[] = [];
  for (let current = folderId ? byId.get(folderId) : undefined; current; current = current.parentId ? byId.get(current.parentId) : undefined) {
    path.unshift(current);
  }
  return path;
}

export default function RoomFiles({ loaderData }: Route.ComponentProps) {
  const { roomId, folderId, files, folders } = loaderData;
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  const refresh = useDebouncedRevalidate();
  const live = useRoomEvents(roomId, { ...Object.fromEntries(LIVE_EVENTS.map((name) => [name, refresh])), "room:refused": refresh });
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";

  const canUpload = room?.abilities["file.upload"] ?? false;
  const canChooseInternal = room?.abilities["item.setVisibility"] ?? false;
  const path = pathTo(folders, folderId);
  const current = path[path.length - 1] ?? null;
  const subfolders = folders.filter((f) => f.parentId === folderId);
  const here = files.filter((f) => f.folderId === folderId);
  const folderError = actionData && !actionData.ok && actionData.intent === "create-folder" ? actionData.error : null;
  const deleteError = actionData && !actionData.ok && actionData.intent === "delete-folder" ? actionData.error : null;

  return (
    <div className="files-layout">
      <div className="files-main">
        <div className="files-head">
          <nav className="files-path" aria-label="Folder">
            <Link to={`/rooms/${roomId}/files`} aria-current={current ? undefined : "page"}>
              All files
            </Link>
            {path.map((folder) => (
              <span key={folder.id}>
                <span aria-hidden="true"> / </span>
                <Link to={`/rooms/${roomId}/files?folder=${folder.id}`} aria-current={folder === current ? "page" : undefined}>
                  {folder.name}
                </Link>
              </span>
            ))}
            {current?.visibility === "internal" ? <InternalBadge /> : null}
          </nav>
          <LiveStatus live={live} />
        </div>
        {subfolders.length === 0 && here.length === 0 ? (
          <div className="card empty-state">
            <FolderIcon size={28} />
            <h2>{current ? "This folder is empty" : "No files yet"}</h2>
            <p className="muted">
              {canUpload ? "Drop files onto the upload area to share them with everyone in the room." : "Files shared in this room will appear here."}
            </p>
          </div>
        ) : (
          <FileTable roomId={roomId} folders={subfolders} files={here} />
        )}
        {current && current.abilities["item.edit"] && subfolders.length === 0 && here.length === 0 ? (
          <Form method="post" className="inline-form">
            <input type="hidden" name="intent" value="delete-folder" />
            <input type="hidden" name="folderId" value={current.id} />
            <button type="submit" className="button danger-ghost small">
              Delete this empty folder
            </button>
          </Form>
        ) : null}
        <FormAlert error={deleteError} />
      </div>

      {canUpload ? (
        <aside className="files-side">
          <div className="card">
            <h2>Upload</h2>
            <UploadPanel
              roomId={roomId}
              folderId={folderId}
              folderVisibility={current?.visibility ?? "shared"}
              canChooseInternal={canChooseInternal}
              onUploaded={refresh}
            />
          </div>
          <Form method="post" className="card new-folder" key={actionData?.ok ? `created-${folders.length}` : "new-folder"}>
            <h2>New folder{current ? ` in ${current.name}` : ""}</h2>
            <FormAlert error={folderError} fields={["name", "visibility"]} />
            <input type="hidden" name="intent" value="create-folder" />
            <input type="hidden" name="parentId" value={folderId ?? ""} />
            <TextField label="Name" name="name" required maxLength={255} error={folderError} autoComplete="off" />
            {/* The checkbox comes after the default: the last value of a repeated field wins. */}
            <input type="hidden" name="visibility" value={current?.visibility === "internal" ? "internal" : "shared"} />
            {canChooseInternal && current?.visibility !== "internal" ? (
              <label className="checkbox-line">
                <input type="checkbox" name="visibility" value="internal" /> <LockIcon size={12} /> Internal: only your team
              </label>
            ) : null}
            <button type="submit" className="button secondary small" disabled={busy}>
              Create folder
            </button>
          </Form>
        </aside>
      ) : null}
    </div>
  );
}
