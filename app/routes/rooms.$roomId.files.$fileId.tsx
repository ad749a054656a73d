import { data, Form, Link, redirect, useActionData, useNavigation, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.files.$fileId";
import { useEngagement } from "../components/engagement.tsx";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { FilePreview } from "../components/files/file-preview.tsx";
import { InternalBadge } from "../components/files/file-table.tsx";
import { DownloadIcon, FolderIcon } from "../components/files/icons.tsx";
import { typeLabel } from "../components/files/type-label.ts";
import { UploadPanel } from "../components/files/upload-panel.tsx";
import { FormAlert, TextField } from "../components/form.tsx";
import { ArrowLeftIcon } from "../components/icons.tsx";
import { useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";
import { formatBytes } from "../../shared/format.ts";
import filesStyles from "../styles/files.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: filesStyles }];

export const meta: Route.MetaFunction = ({ loaderData }) => [{ title: loaderData ? `${loaderData.file.name} · Dealroom` : "File not found · Dealroom" }];

/** One file: preview, versions, who opened it (internal readers only), and what the reader may change. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const file = await orErrorPage(() => services.files.getFile(ctx, params.fileId));
  if (file.roomId !== params.roomId) throw data({ code: "not_found", message: "That file is not in this room." }, { status: 404 });
  const [log, folders] = await Promise.all([
    // Externals may not see who opened a file: the policy says so first, so nothing is asked and no refusal recorded.
    file.readsAccessLog ? orErrorPage(() => services.files.accessLog(ctx, file.id)) : Promise.resolve(null),
    file.abilities["item.edit"] ? services.folders.listFolders(ctx, file.roomId) : Promise.resolve([]),
  ]);
  return { file, accessLog: log, folders: folders.map((f) => ({ id: f.id, name: f.name, visibility: f.visibility })) };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", ...fields } = await formFields(request);
  return attempt(async () => {
    if (intent === "archive") {
      await services.files.archiveFile(ctx, params.fileId);
      return redirect(`/rooms/${params.roomId}/files`);
    }
    const changes =
      intent === "rename" ? { name: fields.name ?? "" }
      : intent === "visibility" ? { visibility: fields.visibility }
      : intent === "move" ? { folderId: fields.folderId || null }
      : null;
    if (!changes) return data({ ok: false as const, intent, error: { code: "invalid_input", message: "Unknown action." }, values: {} }, { status: 400 });
    await services.files.updateFile(ctx, params.fileId, changes);
    return { ok: true as const, intent, error: null, values: {} };
  }, intent);
}

const LIVE_EVENTS = ["file.version_added", "file.updated", "file.removed"];

export default function FileDetail({ loaderData }: Route.ComponentProps) {
  const { file, accessLog: log, folders } = loaderData;
  useEngagement(file.roomId, "file", file.id);
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  const refresh = useDebouncedRevalidate();
  useRoomEvents(file.roomId, Object.fromEntries(LIVE_EVENTS.map((name) => [name, (p: any) => (p?.file?.id ?? p?.id) === file.id && refresh()])));
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const errorFor = (intent: string) => (actionData && !actionData.ok && actionData.intent === intent ? actionData.error : null);

  const api = `/api/v1/files/${file.id}`;
  const canEdit = file.abilities["item.edit"];
  const canUpload = canEdit && (room?.abilities["file.upload"] ?? false);
  const folderChoices = folders.filter((f) => file.visibility === "internal" || f.visibility === "shared");

  return (
    <div className="file-detail">
      <Link to={`/rooms/${file.roomId}/files${file.folderId ? `?folder=${file.folderId}` : ""}`} className="back-link small">
        <ArrowLeftIcon /> {file.folder ? file.folder.name : "All files"}
      </Link>
      <header className="file-detail-head">
        <div>
          <h2 className="file-title">
            {file.name} {file.visibility === "internal" ? <InternalBadge /> : null}
          </h2>
          <p className="muted small">
            {typeLabel(file.contentType)} · {formatBytes(file.size)} · version {file.version} · updated {formatDate(file.updatedAt)}
            {file.folder ? (
              <>
                {" "}· in <FolderIcon size={12} /> {file.folder.name}
              </>
            ) : null}
          </p>
        </div>
        <a className="button primary" href={`${api}/download`} download>
          <DownloadIcon /> Download
        </a>
      </header>

      <div className="file-detail-grid">
        <section className="card file-preview" aria-label="Preview">
          <FilePreview url={`${api}/preview?version=${file.version}`} kind={file.previewKind} name={file.name} />
        </section>

        <div className="file-detail-side">
          {canUpload ? (
            <section className="card">
              <h3>Upload new version</h3>
              <UploadPanel roomId={file.roomId} fileId={file.id} onUploaded={refresh} />
            </section>
          ) : null}

          <section className="card" aria-labelledby="versions-title">
            <h3 id="versions-title">Versions</h3>
            <ol className="version-list">
              {file.versions.map((v) => (
                <li key={v.number} className="version-item" data-version={v.number}>
                  <div>
                    <strong>Version {v.number}</strong>
                    {v.number === file.version ? <span className="badge badge-stage">Current</span> : null}
                    <p className="small muted">
                      {v.uploadedBy?.name ?? "Someone"} · {formatDate(v.createdAt)} · {formatBytes(v.size)}
                      {v.originalName !== file.name ? ` · ${v.originalName}` : ""}
                    </p>
                  </div>
                  <a className="button ghost small" href={`${api}/download?version=${v.number}`} download aria-label={`Download version ${v.number}`}>
                    <DownloadIcon />
                  </a>
                </li>
              ))}
            </ol>
          </section>

          {log ? (
            <section className="card" aria-labelledby="access-title">
              <h3 id="access-title">
                Opened and downloaded <span className="badge badge-internal file-badge">Team only</span>
              </h3>
              {log.length === 0 ? (
                <p className="small muted">Nobody has opened this file yet.</p>
              ) : (
                <ul className="access-list">
                  {log.slice(0, 50).map((entry) => (
                    <li key={entry.id}>
                      <span>{entry.user?.name ?? "Someone"}</span>
                      <span className="small muted">
                        {entry.action} v{entry.version} · {formatDate(entry.at)}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
          ) : null}

          {canEdit ? (
            <section className="card file-settings" aria-labelledby="settings-title">
              <h3 id="settings-title">File settings</h3>
              <Form method="post" className="stack">
                <FormAlert error={errorFor("rename")} fields={["name"]} />
                <input type="hidden" name="intent" value="rename" />
                <TextField label="Name" name="name" defaultValue={file.name} key={file.name} maxLength={255} required error={errorFor("rename")} />
                <button type="submit" className="button secondary small" disabled={busy}>Rename</button>
              </Form>
              {folderChoices.length > 0 || file.folderId ? (
                <Form method="post" className="stack">
                  <FormAlert error={errorFor("move")} fields={[]} />
                  <input type="hidden" name="intent" value="move" />
                  <label className="field">
                    <span>Folder</span>
                    <select name="folderId" defaultValue={file.folderId ?? ""} key={file.folderId ?? "top"}>
                      <option value="">Top level</option>
                      {folderChoices.map((f) => (
                        <option key={f.id} value={f.id}>
                          {f.name}
                          {f.visibility === "internal" ? " (internal)" : ""}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="submit" className="button secondary small" disabled={busy}>Move</button>
                </Form>
              ) : null}
              {file.abilities["item.changeVisibility"] ? (
                <Form method="post">
                  <FormAlert error={errorFor("visibility")} fields={[]} />
                  <input type="hidden" name="intent" value="visibility" />
                  <input type="hidden" name="visibility" value={file.visibility === "internal" ? "shared" : "internal"} />
                  <button type="submit" className="button secondary small" disabled={busy}>
                    {file.visibility === "internal" ? "Share with the buyer" : "Make internal"}
                  </button>
                </Form>
              ) : null}
              <Form method="post" onSubmit={(e) => !confirm(`Archive ${file.name}? It leaves the file list.`) && e.preventDefault()}>
                <input type="hidden" name="intent" value="archive" />
                <button type="submit" className="button danger-ghost small" disabled={busy}>Archive file</button>
              </Form>
            </section>
          ) : null}
        </div>
      </div>
    </div>
  );
}
