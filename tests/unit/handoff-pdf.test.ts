import { describe, expect, it } from "vitest";
import { breakLongWords, createRecordPdf, drawBlock, PDF_MAX_WORD, pdfSafe } from "../../server/sales/handoff-pdf.ts";
import { pdfText, squash } from "../support/exports.ts";

describe("hand-off PDF text", () => {
  it("breaks runs without a break opportunity, and leaves ordinary text alone", () => {
    expect(breakLongWords("short words stay as they are")).toBe("short words stay as they are");
    const broken = breakLongWords("x".repeat(PDF_MAX_WORD * 3 + 5));
    expect(broken.split(" ").map((w) => w.length)).toEqual([PDF_MAX_WORD, PDF_MAX_WORD, PDF_MAX_WORD, 5]);
  });

  it("keeps what the standard fonts draw and replaces the rest", () => {
    expect(pdfSafe("Café – “quoted” → done\tnext\u0007")).toBe("Café – “quoted” -> done    next");
    expect(pdfSafe("ŝ 漢")).toBe("s ?");
  });

  it("draws a 300,000-character word in bounded time, whole (pdfkit alone takes minutes)", async () => {
    const doc = createRecordPdf({ title: "t", compress: false });
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => doc.on("end", resolve));
    const started = performance.now();
    await drawBlock(doc, { type: "content", markdown: "y".repeat(300_000) });
    doc.end();
    await ended;
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(squash(pdfText(Buffer.concat(chunks)))).toContain("y".repeat(300_000));
  });
});
