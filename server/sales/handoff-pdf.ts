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
  let out = "";
  for (const ch of text.replace(/\t/g, "    ")) {
    const code = ch.codePointAt(0)!;
    if (code < 32 && ch !== "\n") continue;
    if (code <= 255 || WIN_ANSI_EXTRA.has(code)) out += ch;
    else if (REPLACEMENTS[ch]) out += REPLACEMENTS[ch];
    else {
      const plain = ch.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      out += [...plain].every((c) => c.codePointAt(0)! <= 255) && plain ? plain : "?";
    }
  }
  return out;
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
export function drawBlock(doc: PDFKit.PDFDocument, b: DocBlock, following: DocBlock[] = []): void {
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
      doc.font("Helvetica-Bold").fontSize(size).fillColor(INK).text(pdfSafe(b.text), MARGIN, doc.y, { width });
      if (b.level === 2) {
        const y = doc.y + 2;
        doc.moveTo(MARGIN, y).lineTo(MARGIN + width, y).lineWidth(0.5).strokeColor(LINE).stroke();
        doc.y = y + 4;
      } else doc.moveDown(0.2);
      break;
    }
    case "paragraph":
      doc.font(b.muted ? "Helvetica-Oblique" : "Helvetica").fontSize(10).fillColor(b.muted ? MUTED : INK).text(pdfSafe(b.text), MARGIN, doc.y, { width });
      doc.moveDown(0.4);
      break;
    case "list":
      for (const item of b.items) {
        ensureRoom(28);
        const bullet = item.checked === undefined ? "•" : item.checked ? "[x]" : "[  ]";
        const y = doc.y;
        doc.font("Helvetica").fontSize(10).fillColor(INK).text(bullet, MARGIN + 4, y, { width: 22 });
        doc.text(pdfSafe(item.text), MARGIN + 26, y, { width: width - 26 });
        if (item.sub) doc.font("Helvetica").fontSize(9).fillColor(MUTED).text(pdfSafe(item.sub), MARGIN + 26, doc.y, { width: width - 26 });
        doc.moveDown(0.25);
      }
      doc.moveDown(0.3);
      break;
    case "table":
      drawTable(doc, b.headers, b.rows, width);
      break;
    case "content":
      drawContent(doc, b.markdown, width);
      break;
    case "diff":
      drawDiff(doc, b.blocks, width);
      break;
  }
}

function drawTable(doc: PDFKit.PDFDocument, headers: string[], rows: string[][], width: number) {
  const columns = headers.length;
  // The first column (labels, names) gets a little more room than the others.
  const first = columns === 1 ? width : Math.min(width * 0.4, Math.max(width / columns, 140));
  const rest = columns === 1 ? 0 : (width - first) / (columns - 1);
  const widths = headers.map((_h, i) => (i === 0 ? first : rest));
  const pad = 4;
  const draw = (cells: string[], bold: boolean) => {
    doc.font(bold ? "Helvetica-Bold" : "Helvetica").fontSize(9);
    const texts = cells.map(pdfSafe);
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
  for (const row of rows) draw(row, false);
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
function drawRuns(doc: PDFKit.PDFDocument, runs: Run[], x: number, y: number, width: number, base: { size: number; bold?: boolean; color?: string }) {
  if (runs.length === 0) runs = [{ text: " " }];
  runs.forEach((r, i) => {
    const font = r.code ? "Courier" : r.bold || base.bold ? (r.italic ? "Helvetica-BoldOblique" : "Helvetica-Bold") : r.italic ? "Helvetica-Oblique" : "Helvetica";
    doc.font(font).fontSize(base.size).fillColor(r.link ? LINK : (base.color ?? INK));
    const options = { continued: i < runs.length - 1, link: r.link ?? null, underline: Boolean(r.link), width };
    if (i === 0) doc.text(r.text, x, y, options);
    else doc.text(r.text, options);
  });
  doc.fillColor(INK);
}

const tableCells = (line: string) => line.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/).map((c) => inline(c.trim()));

/** A page's markdown, line by line: headings bold, lists with bullets, tables as tables, quotes indented, code in Courier. */
function drawContent(doc: PDFKit.PDFDocument, markdown: string, width: number) {
  if (!markdown.trim()) {
    doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED).text("This page is empty.", MARGIN, doc.y, { width });
    doc.moveDown(0.4);
    return;
  }
  const lines = markdown.trim().split("\n");
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*(```|~~~)/.test(raw)) {
      fenced = !fenced;
      continue;
    }
    const line = pdfSafe(raw);
    if (fenced) {
      doc.font("Courier").fontSize(8.5).fillColor(INK).text(line || " ", MARGIN + 8, doc.y, { width: width - 8 });
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
      if (rows.length) drawTable(doc, rows[0]!, rows.slice(1), width);
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
      drawRuns(doc, inlineRuns(heading[2]!), MARGIN, doc.y, width, { size: heading[1]!.length <= 2 ? 11 : 10, bold: true });
      continue;
    }
    const quote = /^\s*>\s?(.*)$/.exec(line);
    if (quote) {
      doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED).text(inline(quote[1]!), MARGIN + 12, doc.y, { width: width - 12 });
      continue;
    }
    const depth = Math.min(6, Math.floor((/^\s*/.exec(line)?.[0].length ?? 0) / 2));
    const item = /^\s*(?:[-*+]|(\d+)[.)])\s+(\[[ xX]\]\s+)?(.*)$/.exec(line);
    const indent = depth * 12;
    if (item) {
      const marker = item[2] ? (/x/i.test(item[2]) ? "[x]" : "[  ]") : item[1] ? `${item[1]}.` : "•";
      const y = doc.y;
      doc.font("Helvetica").fontSize(10).fillColor(INK).text(marker, MARGIN + indent + 4, y, { width: 20 });
      drawRuns(doc, inlineRuns(item[3]!), MARGIN + indent + 24, y, width - indent - 24, { size: 10 });
    } else {
      drawRuns(doc, inlineRuns(line.trim()), MARGIN + indent, doc.y, width - indent, { size: 10 });
    }
  }
  doc.moveDown(0.4);
}

function drawDiff(doc: PDFKit.PDFDocument, blocks: DiffBlock[], width: number) {
  const changed = blocks.filter((b) => b.change !== "same");
  if (changed.length === 0) {
    doc.font("Helvetica-Oblique").fontSize(10).fillColor(MUTED).text("Only formatting changed.", MARGIN, doc.y, { width });
    return;
  }
  for (const b of changed) {
    if (doc.y + 20 > doc.page.height - MARGIN) doc.addPage();
    doc.fontSize(9.5);
    if (b.change === "changed") {
      // One line of text, each segment in its own colour (removed words struck through).
      doc.font("Helvetica-Bold").fillColor(INK).text("~ ", MARGIN, doc.y, { continued: true, width });
      b.segments.forEach((s, i) => {
        const last = i === b.segments.length - 1;
        doc
          .font(s.type === "same" ? "Helvetica" : "Helvetica-Bold")
          .fillColor(s.type === "added" ? ADDED : s.type === "removed" ? REMOVED : INK)
          .text(pdfSafe(s.text), { continued: !last, strike: s.type === "removed", underline: s.type === "added" });
      });
    } else {
      const line = diffText([b]).join("\n");
      doc.font("Helvetica").fillColor(b.change === "added" ? ADDED : REMOVED).text(pdfSafe(line), MARGIN, doc.y, { width, strike: b.change === "removed" });
    }
    doc.moveDown(0.2);
  }
  doc.fillColor(INK).moveDown(0.4);
}
