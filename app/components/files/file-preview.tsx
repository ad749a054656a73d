import { useEffect, useState } from "react";
import type { PreviewKind } from "../../../server/files/content-type.ts";

/** How much of a text file the preview shows. */
const TEXT_PREVIEW_BYTES = 256 * 1024;

/**
 * Shows a version the way the server says it may be shown (`previewKind`): images inline,
 * PDF in a frame of the preview URL (served sandboxed), text as plain text — never as HTML.
 */
export function FilePreview({ url, kind, name }: { url: string; kind: PreviewKind; name: string }) {
  if (kind === "image") return <img className="file-preview-image" src={url} alt={`Preview of ${name}`} />;
  if (kind === "pdf") return <iframe className="file-preview-pdf" src={url} title={`Preview of ${name}`} />;
  if (kind === "text") return <TextPreview url={url} />;
  return <p className="muted file-preview-none">There is no preview for this type of file. Download it to open it.</p>;
}

function TextPreview({ url }: { url: string }) {
  const [state, setState] = useState<{ text: string; partial: boolean } | { error: string } | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    setState(null);
    // Only the first part of a long file: a Range request keeps a huge log from reaching the browser.
    fetch(url, { headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` }, credentials: "same-origin", signal: abort.signal })
      .then(async (res) => {
        if (!res.ok) throw new Error(`The preview could not be loaded (${res.status}).`);
        const total = Number(res.headers.get("content-range")?.split("/")[1] ?? NaN);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
        setState({ text, partial: Number.isFinite(total) && total > bytes.length });
      })
      .catch((error: Error) => {
        if (!abort.signal.aborted) setState({ error: error.message });
      });
    return () => abort.abort();
  }, [url]);
  if (state === null) return <p className="muted">Loading the preview…</p>;
  if ("error" in state) return <p className="field-error">{state.error}</p>;
  return (
    <>
      <pre className="file-preview-text" data-testid="text-preview">{state.text}</pre>
      {state.partial ? <p className="small muted">Showing the first {TEXT_PREVIEW_BYTES / 1024} KB. Download the file to see all of it.</p> : null}
    </>
  );
}
