// Reading what the exports send (tests/integration/handoff-record.test.ts, history-visibility.test.ts):
// the entries of a zip and the text drawn in an uncompressed PDF.
import { inflateRawSync } from "node:zlib";

/** Every entry of a zip, by name: a minimal reader of the central directory (stored and deflated entries). */
export function unzip(zip: Buffer): Map<string, string> {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error("not a zip: no end of central directory");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    files.set(name, (method === 8 ? inflateRawSync(data) : data).toString("utf8"));
    at += 46 + nameLength + extra + comment;
  }
  return files;
}

/**
 * The text drawn in an uncompressed PDF (the server makes them so under test): pdfkit writes
 * text with the standard fonts as hex strings in TJ arrays, in Windows-1252.
 */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString("latin1");
  const out: string[] = [];
  for (const m of source.matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
    out.push([...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, "hex").toString("latin1")).join(""));
  }
  return out.join(" ");
}
export const squash = (text: string) => text.replace(/\s+/g, "");
