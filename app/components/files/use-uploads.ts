import { useCallback, useEffect, useRef, useState } from "react";

// Uploads from the browser with XMLHttpRequest (fetch cannot report upload progress), one
// request per file, so each has its own progress bar and Cancel (xhr.abort()).

export interface UploadItem {
  key: string;
  name: string;
  /** Bytes of the request sent so far, and in all (the multipart body, a little more than the file). */
  loaded: number;
  total: number;
  state: "uploading" | "processing" | "done" | "failed" | "cancelled";
  error?: string;
  fileId?: string;
}

/** The text parts go first: the server decides access from them before it reads the file's bytes. */
export interface UploadFields {
  visibility?: "internal" | "shared";
  folderId?: string | null;
  fileId?: string;
}

let counter = 0;

export function useUploads(roomId: string, onUploaded: (fileId: string) => void) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const requests = useRef(new Map<string, XMLHttpRequest>());
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  const update = (key: string, change: Partial<UploadItem>) =>
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const start = useCallback(
    (file: File, fields: UploadFields) => {
      const key = `upload-${++counter}`;
      setItems((list) => [...list, { key, name: file.name, loaded: 0, total: file.size, state: "uploading" }]);
      const form = new FormData();
      if (fields.visibility) form.append("visibility", fields.visibility);
      if (fields.folderId) form.append("folderId", fields.folderId);
      if (fields.fileId) form.append("fileId", fields.fileId);
      form.append("file", file, file.name);

      const xhr = new XMLHttpRequest();
      requests.current.set(key, xhr);
      xhr.open("POST", `/api/v1/rooms/${roomId}/files`);
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) update(key, { loaded: event.loaded, total: event.total });
      };
      // All bytes sent: the server is committing and sniffing.
      xhr.upload.onload = () => update(key, { state: "processing" });
      xhr.onload = () => {
        requests.current.delete(key);
        const body = xhr.response as { id?: string; error?: { message?: string } } | null;
        if (xhr.status === 201 && body?.id) {
          update(key, { state: "done", fileId: body.id });
          uploaded.current(body.id);
        } else {
          update(key, { state: "failed", error: body?.error?.message ?? `The upload failed (${xhr.status}).` });
        }
      };
      xhr.onerror = () => {
        requests.current.delete(key);
        update(key, { state: "failed", error: "The connection was lost. Nothing was saved; try again." });
      };
      xhr.onabort = () => {
        requests.current.delete(key);
        update(key, { state: "cancelled" });
      };
      xhr.send(form);
    },
    [roomId],
  );

  const cancel = useCallback((key: string) => requests.current.get(key)?.abort(), []);
  const dismiss = useCallback((key: string) => setItems((list) => list.filter((item) => item.key !== key)), []);

  // Leaving the page stops what is still running (the server discards the partial bytes).
  useEffect(() => {
    const running = requests.current;
    return () => running.forEach((xhr) => xhr.abort());
  }, []);

  return { items, start, cancel, dismiss };
}
