import PDFDocument from "pdfkit";
import type { DiffBlock } from "../wiki/diff.ts";
import { diffText, type DocBlock } from "./handoff-document.ts";

/**
 * The hand-off record as a PDF (pdfkit, the built-in Helvetica faces: no font files to ship).
 * Renders the same blocks as the Markdown export: headings, paragraphs, lists, simple tables,
 * page content line by line and diffs in colour. The caller pipes the returned document to the
 * response, draws block by block and calls `end()`; pdfkit streams pages out as they fill.
 */

const MARGIN = 50;
const INK = "#1f2430";
const MUTED = "#6b7280";
const LINE = "#d7dbe3";
const ADDED = "#15803d";
const LINK = "#1d4ed8";
const REMOVED = "#b91c1c";
const HEADING_SIZES = { 1: 20, 2: 15, 3: 12.5, 4: 11 } as const;

// The standard PDF fonts speak Windows-1252: these are the characters beyond Latin-1 they have.
const WIN_ANSI_EXTRA = new Set([402, 8211, 8212, 8216, 8217, 8218, 8220, 8221, 8222, 8224, 8225, 8226, 8230, 8364, 8240, 8249, 8250, 710, 8482, 338, 339, 732, 352, 353, 376, 381, 382]);
const REPLACEMENTS: Record<string, string> = { "→": "->", "←": "<-", "✓": "v", "✔": "v", "✕": "x", "≤": "<=", "≥": ">=", "−": "-", "⋯": "...", "\u00a0": " " };

/** Text the standard fonts can draw: other characters become their closest ASCII, or "?". */
export function pdfSafe(text: string): string {
  // One native pass: only characters outside Latin-1 (and controls) are looked at one by one.
  return text.replace(/\t/g, "    ").replace(/[^\n\x20-\xff]/gu, (ch) => {
    const code = ch.codePointAt(0)!;
    if (code < 32) return "";
    if (WIN_ANSI_EXTRA.has(code)) return ch;
    if (REPLACEMENTS[ch]) return REPLACEMENTS[ch];
    const plain = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    return [...plain].every((c) => c.codePointAt(0)! <= 255) && plain ? plain : "?";
  });
}

/**
 * Longest run of characters without a break that pdfkit is handed. Its line wrapper measures
 * the rest of an over-long word again for every line it cuts off, so one word costs its length
 * squared: an 800,000-character word (a page within the bounds) never finished, and held the
 * event loop the whole time (docs/access.md, "Resource bounds").
 */
export const PDF_MAX_WORD = 40;
/** Text drawn by one pdfkit call at most; longer text is drawn in pieces, yielding between them. */
const PDF_CHUNK = 1000;
/** A table cell of the PDF shows this many characters at most (the Markdown export has them all). */
export const PDF_MAX_CELL = 2000;
/** Drawing yields the event loop after this much work. */
const PDF_SLICE_MS = 8;

const LONG_WORD = new RegExp(`\\S{${PDF_MAX_WORD}}(?=\\S)`, "g");

/** `text` with a space after every PDF_MAX_WORD characters that have none: what pdfkit can wrap in linear time. */
export function breakLongWords(text: string): string {
  return text.replace(LONG_WORD, "$& ");
}

/** Pieces of at most about PDF_CHUNK characters, cut after whitespace (text already through breakLongWords). */
function chunks(text: string): string[] {
  if (text.length <= PDF_CHUNK) return [text];
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + PDF_CHUNK);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > at) end = space + 1;
    }
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** Yields the event loop once PDF_SLICE_MS of drawing went by since the last yield: a big page never holds other requests. */
export function pacer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < PDF_SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

type Pace = () => Promise<void>;
type TextOptions = PDFKit.Mixins.TextOptions;

/**
 * Draws `text` like `doc.text(text, x, y, options)` (x and y only for the first piece), long
 * words broken and long text in pieces that continue one another, yielding between pieces.
 */
async function put(doc: PDFKit.PDFDocument, pace: Pace, text: string, at: { x: number; y: number } | null, options: TextOptions) {
  const pieces = chunks(breakLongWords(text));
  for (const [i, piece] of pieces.entries()) {
    const last = i === pieces.length - 1;
    const o = { ...options, continued: last ? options.continued : true };
    if (i === 0 && at) doc.text(piece, at.x, at.y, o);
    else doc.text(piece, o);
    if (!last) await pace();
  }
}

/** An empty A4 document with the record's title; draw blocks into it with `drawBlock`. */
export function createRecordPdf(options: { title: string; compress: boolean }): PDFKit.PDFDocument {
  return new PDFDocument({ size: "A4", margin: MARGIN, compress: options.compress, info: { Title: pdfSafe(options.title), Creator: "Dealroom" } });
}

const contentWidth = (doc: PDFKit.PDFDocument) => doc.page.width - MARGIN * 2;

/**
 * Draws one block. `following` are the blocks after it: a heading keeps room for the headings
 * straight after it and a few lines of what they introduce, so none is left alone at a page bottom.
 */
export async function drawBlock(doc: PDFKit.PDFDocument, b: DocBlock, following: DocBlock[] = [], pace: Pace = pacer()): Promise<void> {
  const width = contentWidth(doc);
  const ensureRoom = (height: number) => {
    if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
  };
  switch (b.type) {
    case "heading": {
      const size = HEADING_SIZES[b.level];
      doc.moveDown(b.level <= 2 ? 0.8 : 0.4);
      // A heading never stays alone at a page bottom: it needs room for itself and a few lines after it.
      let chained = 0;
      for (const next of following) {
        if (next.type !== "heading") break;
        chained += HEADING_SIZES[next.level] * 2 + 8;
      }
      ensureRoom(size * 2 + chained + 48);
      doc.font("Helvetica-Bold").fontSize(size).fillColor(INK);
      await put(doc, pace, pdfSafe(b.text), { x: MARGIN, y: doc.y }, { width });
      if (b.level === 2) {
        const y = doc.y + 2;
        doc.moveTo(MARGIN, y).lineTo(MARGIN + width, y).lineWidth(0.5).strokeColor(LINE).stroke();
        doc.y = y + 4;
      } else doc.moveDown(0.2);
      break;
    }
    case "paragraph":
      doc.font(b.muted ? "Helvetica-Oblique" : "Helvetica").fontSize(10).fillColor(b.muted ? MUTED : INK);
      await put(doc, pace, pdfSafe(b.text), { x: MARGIN, y: doc.y }, { width });
      doc.moveDown(0.4);
      break;
    case "list":
      for (const item of b.items) {
        ensureRoom(28);
        const bullet = item.checked === undefined ? "•" : item.checked ? "[x]" : "[  ]";
        const y = doc.y;
        doc.font("Helvetica").fontSize(10).fillColor(INK).text(bullet, MARGIN + 4, y, { width: 22 });
        await put(doc, pace, pdfSafe(item.text), { x: MARGIN + 26, y }, { width: width - 26 });
        if (item.sub) {
          doc.font("Helvetica").fontSize(9).fillColor(MUTED);
          await put(doc, pace, pdfSafe(item.sub), { x: MARGIN + 26, y: doc.y }, { width: width - 26 });
        }
        doc.moveDown(0.25);
        await pace();
      }
      doc.moveDown(0.3);
      break;
    case "table":
      await drawTable(doc, pace, b.headers, b.rows, width);
      break;
    case "content":
      await drawContent(doc, pace, b.markdown, width);
      break;
    case "diff":
      await drawDiff(doc, pace, b.blocks, width);
      break;
  }
}

async function drawTable(doc: PDFKit.PDFDocument, pace: Pace, headers: string[], rows: string[][], width: number) {
  const columns = headers.length;
  // The first column (labels, names) gets a little more room than the others.
  const first = columns === 1 ? width : Math.min(width * 0.4, Math.max(width / columns, 140));
  const rest = columns === 1 ? 0 : (width - first) / (columns - 1);
  const widths = headers.map((_h, i) => (i === 0 ? first : rest));
  const pad = 4;
  const draw = (cells: string[], bold: boolean) => {
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(9);
    const texts = cells.map((c) => breakLongWords(pdfSafe(clip(c, PDF_MAX_CELL))));
    const height = Math.max(...texts.map((t, i) => doc.heightOfString(t || " ", { width: widths[i]! - pad * 2 }))) + pad * 2;
    if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
    const top = doc.y;
    let x = MARGIN;
    texts.forEach((t, i) => {
      doc.fillColor(INK).text(t, x + pad, top + pad, { width: widths[i]! - pad * 2 });
      x += widths[i]!;
    });
    doc.moveTo(MARGIN, top + height).lineTo(MARGIN + width, top + height).lineWidth(0.5).strokeColor(LINE).stroke();
    doc.x = MARGIN;
    doc.y = top + height;
  };
  if (headers.some((h) => h !== "")) draw(headers, true);
  for (const row of rows) {
    draw(row, false);
    await pace();
  }
  doc.moveDown(0.6);
}

const inline = (s: string) =>
  s
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/__([^_]+)__/g, "$1")
    .replace(/\*([^*\s][^*]*)\*/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\\([\\`*_{}\[\]()#+\-.!|>])/g, "$1");

interface Run { text: string; bold?: boolean; italic?: boolean; code?: boolean; link?: string }
const INLINE = /(\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|`[^`]*`|\[[^\]]*\]\([^)\s]*\))/g;
const SAFE_LINK = /^(https?:\/\/|mailto:)/i;

/** A markdown line as runs of plain, bold, italic, code and linked text (links only to http(s) and mailto). */
export function inlineRuns(s: string): Run[] {
  const runs: Run[] = [];
  let at = 0;
  for (const m of s.matchAll(INLINE)) {
    if (m.index! > at) runs.push({ text: inline(s.slice(at, m.index)) });
    const t = m[0];
    if (t.startsWith("**") || t.startsWith("__")) runs.push({ text: inline(t.slice(2, -2)), bold: true });
    else if (t.startsWith("`")) runs.push({ text: t.slice(1, -1), code: true });
    else if (t.startsWith("[")) {
      const link = /^\[([^\]]*)\]\(([^)\s]*)\)$/.exec(t)!;
      runs.push(SAFE_LINK.test(link[2]!) ? { text: inline(link[1]!) || link[2]!, link: link[2]! } : { text: inline(link[1]!) });
    } else runs.push({ text: inline(t.slice(1, -1)), italic: true });
    at = m.index! + t.length;
  }
  if (at < s.length) runs.push({ text: inline(s.slice(at)) });
  return runs.filter((r) => r.text !== "");
}

/** Draws runs as one flowing paragraph: bold in Helvetica-Bold, links underlined, blue and clickable. */
async function drawRuns(doc: PDFKit.PDFDocument, pace: Pace, runs: Run[], x: number, y: number, width: number, base: { size: number; bold?: boolean; color?: string }) {
  if (runs.length === 0) runs = [{ text: " " }];
  for (const [i, r] of runs.entries()) {
    const font = r.code ? "Courier" : r.bold || base.bold ? (r.italic ? "Helvetica-BoldOblique" : "Helvetica-Bold") : r.italic ? "Helvetica-Oblique" : "Helvetica";
    doc.font(font).fontSize(base.size).fillColor(r.link ? LINK : (base.color ?? INK));
    const options = { continued: i < runs.length - 1, link: r.link ?? null, underline: Boolean(r.link), width };
    await put(doc, pace, r.text, i === 0 ? { x, y } : null, options);
    await pace();
  }
  doc.fillColor(INK);
}

const tableCells = (line: string) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => inline(c.trim()));

/** A page's markdown, line by line: headings bold, lists with bullets, tables as tables, quotes indented, code in Courier. */
async function drawContent(doc: PDFKit.PDFDocument, pace: Pace, markdown: string, width: number) {
  if (!markdown.trim()) {
    doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED).text("This page is empty.", MARGIN, doc.y, { width });
    doc.moveDown(0.4);
    return;
  }
  const lines = markdown.trim().split("\n");
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    await pace();
    const raw = lines[i]!;
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      continue;
    }
    const line = pdfSafe(raw);
    if (fenced) {
      doc.font("Courier").fontSize(8.5).fillColor(INK);
      await put(doc, pace, line || " ", { x: MARGIN + 8, y: doc.y }, { width: width - 8 });
      continue;
    }
    if (!line.trim()) {
      doc.moveDown(0.35);
      continue;
    }
    if (line.trim().startsWith("|")) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.trim().startsWith("|"); i++) {
        if (!/^\s*\|?[\s:|-]+\|?\s*$/.test(lines[i]!)) rows.push(tableCells(pdfSafe(lines[i]!)));
      }
      i--;
      if (rows.length) await drawTable(doc, pace, rows[0]!, rows.slice(1), width);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      const y = doc.y + 4;
      doc.moveTo(MARGIN, y).lineTo(MARGIN + width, y).lineWidth(0.5).strokeColor(LINE).stroke();
      doc.y = y + 6;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      doc.moveDown(0.2);
      // Keep a heading with what follows it: never the last thing at a page bottom.
      if (doc.y + 11 * 4 > doc.page.height - MARGIN) doc.addPage();
      await drawRuns(doc, pace, inlineRuns(heading[2]!), MARGIN, doc.y, width, { size: heading[1]!.length <= 2 ? 11 : 10, bold: true });
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED);
      await put(doc, pace, inline(quote[1]!), { x: MARGIN + 12, y: doc.y }, { width: width - 12 });
      continue;
    }
    const depth = Math.min(6, Math.floor((/^\s*/.exec(line)?.[0].length ?? 0) / 2));
    const item = /^\s*(?:[-*+]|(\d+)[.)])\s+(\[[ xX]\]\s+)?(.*)$/.exec(line);
    const indent = depth * 12;
    if (item) {
      const marker = item[2] ? (/x/i.test(item[2]) ? "[x]" : "[  ]") : item[1] ? `${item[1]}.` : "•";
      const y = doc.y;
      doc.font("Helvetica").fontSize(10).fillColor(INK).text(marker, MARGIN + indent + 4, y, { width: 20 });
      await drawRuns(doc, pace, inlineRuns(item[3]!), MARGIN + indent + 24, y, width - indent - 24, { size: 10 });
    } else {
      await drawRuns(doc, pace, inlineRuns(line.trim()), MARGIN + indent, doc.y, width - indent, { size: 10 });
    }
  }
  doc.moveDown(0.4);
}

async function drawDiff(doc: PDFKit.PDFDocument, pace: Pace, blocks: DiffBlock[], width: number) {
  const changed = blocks.filter((b) => b.change !== "same");
  if (changed.length === 0) {
    doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED).text("Only formatting changed.", MARGIN, doc.y, { width });
    return;
  }
  for (const b of changed) {
    await pace();
    if (doc.y + 20 > doc.page.height - MARGIN) doc.addPage();
    doc.fontSize(9.5);
    if (b.change === "changed") {
      // One line of text, each segment in its own colour (removed words struck through).
      doc.font("Helvetica-Bold").fillColor(INK).text("~ ", MARGIN, doc.y, { continued: true, width });
      for (const [i, s] of b.segments.entries()) {
        const last = i === b.segments.length - 1;
        doc.font(s.type === "same" ? "Helvetica" : "Helvetica-Bold").fillColor(s.type === "added" ? ADDED : s.type === "removed" ? REMOVED : INK);
        await put(doc, pace, pdfSafe(s.text), null, { continued: !last, strike: s.type === "removed", underline: s.type === "added" });
        await pace();
      }
    } else {
      const line = diffText([b]).join("\n");
      doc.font("Helvetica").fillColor(b.change === "added" ? ADDED : REMOVED);
      await put(doc, pace, pdfSafe(line), { x: MARGIN, y: doc.y }, { width, strike: b.change === "removed" });
    }
    doc.moveDown(0.2);
  }
  doc.fillColor(INK).moveDown(0.4);
}
