import { Link } from "react-router";
import type { FileJson } from "../../../server/files/files.ts";
import type { FolderJson } from "../../../server/files/folders.ts";
import { formatBytes } from "../../../shared/format.ts";
import { formatDate } from "../../lib/format.ts";
import { LockIcon } from "../icons.tsx";
import { FileIcon, FolderIcon } from "./icons.tsx";
import { typeLabel } from "./type-label.ts";

/** Internal items wear a lock: the buyer's team never sees them. */
export function InternalBadge() {
  return (
    <span className="badge badge-internal file-badge" title="Internal: only your team can see this">
      <LockIcon size={11} /> Internal
    </span>
  );
}

/** One folder level: its subfolders, then its files (name, type, size, version, uploader, date). */
export function FileTable({ roomId, folders, files }: { roomId: string; folders: FolderJson[]; files: FileJson[] }) {
  return (
    <div className="card table-card">
      <table className="room-table file-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">Size</th>
            <th scope="col" className="num">Version</th>
            <th scope="col">Uploaded by</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {folders.map((folder) => (
            <tr key={folder.id} className="folder-row">
              <td colSpan={6}>
                <Link className="file-link" to={`/rooms/${roomId}/files?folder=${folder.id}`}>
                  <FolderIcon /> {folder.name}
                </Link>{" "}
                {folder.visibility === "internal" ? <InternalBadge /> : null}
              </td>
            </tr>
          ))}
          {files.map((file) => (
            <tr key={file.id} data-file-id={file.id}>
              <td>
                <Link className="file-link" to={`/rooms/${roomId}/files/${file.id}`}>
                  <FileIcon /> <span className="file-name">{file.name}</span>
                </Link>{" "}
                {file.visibility === "internal" ? <InternalBadge /> : null}
              </td>
              <td className="muted">{typeLabel(file.contentType)}</td>
              <td className="num">{formatBytes(file.size)}</td>
              <td className="num">v{file.version}</td>
              <td>{file.uploadedBy?.name ?? "—"}</td>
              <td className="muted">{formatDate(file.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
