import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Code comments and docs cite documents inside the repository (docs/...), never design files
// that live elsewhere. Every `docs/<name>.md` cited must exist.

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED = ["app", "server", "collab", "db", "tests", "bench", "docs"];
const SKIP = new Set(["node_modules", "build", ".react-router"]);

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (/\.(ts|tsx|md|sql|css)$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe("document citations", () => {
  it("cite no document outside the repository, and every cited docs/ file exists", async () => {
    const files = [path.join(ROOT, "README.md"), ...(await Promise.all(SCANNED.map((d) => sourceFiles(path.join(ROOT, d))))).flat()];
    expect(files.length).toBeGreaterThan(100);
    const outside: string[] = [];
    const cited = new Map<string, string>();
    for (const file of files) {
      if (file.endsWith("doc-citations.test.ts")) continue;
      const text = await readFile(file, "utf8");
      const rel = path.relative(ROOT, file);
      for (const m of text.matchAll(/(?<![\w/.-])(DESIGN|STACK|STYLE|API)\.md|\.\.\/shared\//g)) outside.push(`${rel}: ${m[0]}`);
      for (const m of text.matchAll(/(?<![\w.-])docs\/([\w./-]+\.md)/g)) cited.set(m[1]!, rel);
    }
    expect(outside).toEqual([]);
    expect(cited.size).toBeGreaterThan(3);
    const missing: string[] = [];
    for (const [doc, from] of cited) {
      const exists = await stat(path.join(ROOT, "docs", doc)).then(() => true, () => false);
      if (!exists) missing.push(`docs/${doc} (cited in ${from})`);
    }
    expect(missing).toEqual([]);
  });
});
