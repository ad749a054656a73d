import { useEffect, useMemo, useState } from "react";
import { fileCardMeta } from "./file-card.ts";

interface PickableFile {
  id: string;
  name: string;
  visibility: "internal" | "shared";
  contentType: string;
  size: number;
  version: number;
}

/** The picker shows this many matches at most; typing narrows them down. */
const SHOWN = 100;

/**
 * "Insert file": the room's files the user may see (the files API filters them by the access
 * policy), and of those only the ones that fit the page — on a shared page only shared files,
 * since the buyer's side could not open an internal one.
 */
export function FilePicker(props: {
  roomId: string;
  pageVisibility: "internal" | "shared";
  onPick: (fileId: string) => void;
  onDone: () => void;
}) {
  const { roomId, pageVisibility, onPick, onDone } = props;
  const [files, setFiles] = useState<PickableFile[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [query, setQuery] = useState("");

  useEffect(() => {
    let cancelled = false;
    fetch(`/api/v1/rooms/${roomId}/files`, { credentials: "same-origin" })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        const body = (await res.json()) as { items: PickableFile[] };
        if (!cancelled) setFiles(body.items);
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, [roomId]);

  const fitting = useMemo(() => (files ?? []).filter((f) => pageVisibility === "internal" || f.visibility === "shared"), [files, pageVisibility]);
  const left = (files?.length ?? 0) - fitting.length;
  const needle = query.trim().toLowerCase();
  const matches = needle ? fitting.filter((f) => f.name.toLowerCase().includes(needle)) : fitting;

  return (
    <div className="wiki-filepicker" role="dialog" aria-label="Insert a file" onKeyDown={(e) => e.key === "Escape" && onDone()}>
      <div className="wiki-filepicker-head">
        <label className="visually-hidden" htmlFor="wiki-file-search">Find a file</label>
        <input
          id="wiki-file-search"
          autoFocus
          type="search"
          placeholder="Find a file by name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <button type="button" className="button small ghost" onClick={onDone}>Cancel</button>
      </div>
      {pageVisibility === "shared" && (
        <p className="wiki-filepicker-note">
          This page is shared with the buyer's side, so only shared files are offered: they could not open an internal one.
          {left > 0 ? ` ${left} internal ${left === 1 ? "file is" : "files are"} not listed.` : ""}
        </p>
      )}
      {failed ? (
        <p className="wiki-filepicker-empty" role="alert">The files could not be loaded. Try again in a moment.</p>
      ) : files === null ? (
        <p className="wiki-filepicker-empty">Loading files…</p>
      ) : matches.length === 0 ? (
        <p className="wiki-filepicker-empty">
          {fitting.length === 0
            ? pageVisibility === "shared" ? "No shared files yet. Upload one in the Files tab and share it." : "No files yet. Upload one in the Files tab."
            : "No file matches that name."}
        </p>
      ) : (
        <ul className="wiki-filepicker-list" aria-label="Files">
          {matches.slice(0, SHOWN).map((file) => (
            <li key={file.id}>
              <button type="button" className="wiki-filepicker-item" onClick={() => onPick(file.id)}>
                <span className="file-card-icon" aria-hidden="true" />
                <span className="wiki-filepicker-text">
                  <span className="wiki-filepicker-name">{file.name}</span>
                  <span className="wiki-filepicker-meta">{fileCardMeta(file)}</span>
                </span>
                {file.visibility === "internal" ? <span className="badge badge-internal">Internal</span> : null}
              </button>
            </li>
          ))}
          {matches.length > SHOWN && <li className="wiki-filepicker-more">{matches.length - SHOWN} more: type to narrow down.</li>}
        </ul>
      )}
    </div>
  );
}
