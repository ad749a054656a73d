import { useId, useRef, useState } from "react";
import { formatBytes } from "../../../shared/format.ts";
import { LockIcon } from "../icons.tsx";
import { UploadIcon } from "./icons.tsx";
import { useUploads, type UploadFields, type UploadItem } from "./use-uploads.ts";

interface UploadPanelProps {
  roomId: string;
  /** New files go into this folder; ignored for a new version. */
  folderId?: string | null;
  /** Upload a new version of this file instead of new files (one file at a time). */
  fileId?: string;
  /** From the policy (`item.setVisibility`): may this person make a file internal? */
  canChooseInternal?: boolean;
  /** The visibility of the folder the files go into: an internal folder only takes internal files. */
  folderVisibility?: "internal" | "shared";
  onUploaded: (fileId: string) => void;
}

/** A drop zone and file picker with a visibility choice, and a progress bar with Cancel per file. */
export function UploadPanel({ roomId, folderId = null, fileId, canChooseInternal = false, folderVisibility = "shared", onUploaded }: UploadPanelProps) {
  const { items, start, cancel, dismiss } = useUploads(roomId, onUploaded);
  const forcedInternal = folderVisibility === "internal";
  const [visibility, setVisibility] = useState<"internal" | "shared">(forcedInternal ? "internal" : "shared");
  const [dragging, setDragging] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ids = useId();
  const chosenVisibility = forcedInternal ? "internal" : visibility;

  const send = (files: FileList | File[]) => {
    const list = Array.from(files);
    const fields: UploadFields = fileId ? { fileId } : { visibility: chosenVisibility, folderId };
    for (const file of fileId ? list.slice(0, 1) : list) start(file, fields);
  };

  return (
    <section className="upload-panel" aria-label={fileId ? "Upload a new version" : "Upload files"}>
      {!fileId && canChooseInternal && !forcedInternal ? (
        <fieldset className="upload-visibility">
          <legend className="visually-hidden">Who can see the uploaded files</legend>
          <div className="segmented">
            <label>
              <input type="radio" name={`${ids}-visibility`} value="shared" checked={visibility === "shared"} onChange={() => setVisibility("shared")} />
              <span>Shared with the buyer</span>
            </label>
            <label>
              <input type="radio" name={`${ids}-visibility`} value="internal" checked={visibility === "internal"} onChange={() => setVisibility("internal")} />
              <span>
                <LockIcon size={12} /> Internal: only your team
              </span>
            </label>
          </div>
        </fieldset>
      ) : null}
      {!fileId && forcedInternal ? (
        <p className="small muted">
          <LockIcon size={12} /> This folder is internal: files uploaded here are internal too.
        </p>
      ) : null}
      <div
        className={`drop-zone${dragging ? " is-dragging" : ""}`}
        data-testid="drop-zone"
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          if (e.dataTransfer.files.length) send(e.dataTransfer.files);
        }}
      >
        <UploadIcon size={22} />
        <p>
          {fileId ? "Drop the new version here, or " : "Drop files here, or "}
          <button type="button" className="text-button" onClick={() => input.current?.click()}>
            choose {fileId ? "a file" : "files"}
          </button>
        </p>
        <input
          ref={input}
          type="file"
          multiple={!fileId}
          className="visually-hidden"
          aria-label={fileId ? "Choose the new version" : "Choose files to upload"}
          onChange={(e) => {
            if (e.target.files?.length) send(e.target.files);
            e.target.value = "";
          }}
        />
      </div>
      {items.length > 0 ? (
        <ul className="upload-list" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} onCancel={() => cancel(item.key)} onDismiss={() => dismiss(item.key)} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function UploadRow({ item, onCancel, onDismiss }: { item: UploadItem; onCancel: () => void; onDismiss: () => void }) {
  const percent = item.total > 0 ? Math.min(100, Math.round((item.loaded / item.total) * 100)) : 0;
  const active = item.state === "uploading" || item.state === "processing";
  const status =
    item.state === "uploading" ? `${percent}% of ${formatBytes(item.total)}`
    : item.state === "processing" ? "Saving…"
    : item.state === "done" ? "Uploaded"
    : item.state === "cancelled" ? "Cancelled"
    : item.error;
  return (
    <li className={`upload-item is-${item.state}`} data-state={item.state}>
      <div className="upload-item-head">
        <span className="upload-name">{item.name}</span>
        <span className={item.state === "failed" ? "upload-status field-error" : "upload-status small muted"} role={item.state === "failed" ? "alert" : undefined}>
          {status}
        </span>
        {active ? (
          <button type="button" className="button ghost small" onClick={onCancel}>
            Cancel
          </button>
        ) : (
          <button type="button" className="button ghost small" onClick={onDismiss} aria-label={`Dismiss ${item.name}`}>
            Dismiss
          </button>
        )}
      </div>
      <progress className="upload-progress" max={100} value={item.state === "done" || item.state === "processing" ? 100 : percent} aria-label={`Upload of ${item.name}`} />
    </li>
  );
}
