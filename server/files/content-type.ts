import { fileTypeFromBuffer } from "file-type";

/** How many leading bytes of an upload are kept for sniffing. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * The only types a browser is allowed to render from our origin. Everything else — HTML,
 * SVG (it runs script), XML, unknown — is served as an attachment.
 */
const INLINE_SAFE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"]);

export const isInlineSafe = (contentType: string) => INLINE_SAFE.has(contentType);

/** What the file page can show for a type; the UI takes this from the server and never guesses. */
export type PreviewKind = "image" | "pdf" | "text" | null;

export function previewKind(contentType: string): PreviewKind {
  if (contentType === "application/pdf") return "pdf";
  if (isInlineSafe(contentType) && contentType.startsWith("image/")) return "image";
  if (contentType === "text/plain" || contentType === "text/markdown" || contentType === "text/csv") return "text";
  return null;
}

/** The Content-Type header for a stored type: text is always declared UTF-8 (the sniffer only accepts UTF-8 text). */
export const contentTypeHeader = (contentType: string) => (contentType.startsWith("text/") ? `${contentType}; charset=utf-8` : contentType);

/**
 * The content type of an upload, from its first bytes (never from what the client claims).
 * `name` only separates kinds of plain text (Markdown, CSV) that bytes cannot tell apart.
 * `complete` says whether `head` is the whole file (so a cut multi-byte character is not expected).
 */
export async function sniffContentType(head: Uint8Array, name: string, complete: boolean): Promise<string> {
  if (head.length === 0) return "application/octet-stream";
  const detected = await fileTypeFromBuffer(head);
  // file-type calls any XML "application/xml"; SVG and HTML must be recognised as what they are.
  if (detected && detected.mime !== "application/xml") return detected.mime;
  const text = decodeUtf8Text(head, complete);
  if (text === null) return detected?.mime ?? "application/octet-stream";
  return classifyText(text, name);
}

const CONTROL = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]/;

/** The head as text when it is UTF-8 without binary control bytes; otherwise null. */
function decodeUtf8Text(head: Uint8Array, complete: boolean): string | null {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // A head cut mid-file may end inside a multi-byte character: drop up to three trailing bytes.
  for (let cut = 0; cut <= (complete ? 0 : 3); cut++) {
    try {
      const text = decoder.decode(head.subarray(0, head.length - cut));
      return CONTROL.test(text) ? null : text;
    } catch {}
  }
  return null;
}

// The WHATWG MIME sniffing standard's HTML signatures (a tag name followed by space or '>').
const HTML_START = /^(<!doctype\s+html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<body|<br|<p|<!--)[\s>]/i;

function classifyText(text: string, name: string): string {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (HTML_START.test(start)) return "text/html";
  if (start.startsWith("<")) {
    if (/<svg[\s>]/i.test(start)) return "image/svg+xml";
    if (start.startsWith("<?xml")) return "application/xml";
    if (/<(html|script|body|iframe)[\s>]/i.test(start)) return "text/html";
  }
  const extension = name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (extension === "md" || extension === "markdown") return "text/markdown";
  if (extension === "csv" || looksLikeCsv(start)) return "text/csv";
  if (extension === "json") return "application/json";
  return "text/plain";
}

/** At least two lines with the same number (one or more) of commas. */
function looksLikeCsv(text: string): boolean {
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0).slice(0, 10);
  if (lines.length < 2) return false;
  const commas = (line: string) => line.split(",").length - 1;
  const first = commas(lines[0]!);
  return first > 0 && lines.every((line) => commas(line) === first);
}
