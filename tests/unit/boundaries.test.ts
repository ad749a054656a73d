import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The source side of docs/decisions/015-one-domain.md: the React Router app (app/) reaches the
// domain through `context.app.services` and imports only types from server/ and db/; shared/
// is code both sides run, so it imports nothing of either side and no Node built-in. And the
// collaboration server is a library (docs/decisions/023-collab-as-library.md): collab/ imports
// nothing from server/ or app/, not even a type; what it needs comes in as hooks.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [path.join(dir, e.name)] : [])),
  );
  return nested.flat();
}

/** Every import and re-export of a file (multi-line ones too), and whether it is type-only. */
async function importsOf(file: string): Promise<{ from: string; typeOnly: boolean; text: string }[]> {
  const text = await readFile(path.join(ROOT, file), "utf8");
  const statements = text.matchAll(/^(import|export)\s+(type\s+)?([^;]*?)\s*from\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm);
  return [...statements].map((m) => ({
    from: (m[4] ?? m[5] ?? m[6])!,
    // `import { type A, type B }` is erased too, but only when every name is a type.
    typeOnly: Boolean(m[2]) || (m[3] !== undefined && /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(m[3])),
    text: m[0].split("\n")[0]!,
  }));
}

const resolved = (file: string, from: string) => (from.startsWith(".") ? path.normalize(path.join(path.dirname(file), from)) : from);

describe("what the app imports", () => {
  it("nothing from server/ or db/ at run time, only types", async () => {
    const files = await sources("app");
    expect(files.length).toBeGreaterThan(50);
    const offending: string[] = [];
    let typeImports = 0;
    for (const file of files) {
      for (const imp of await importsOf(file)) {
        if (!/^(server|db)\//.test(resolved(file, imp.from))) continue;
        if (imp.typeOnly) typeImports++;
        else offending.push(`${file}: ${imp.text}`);
      }
    }
    expect(offending).toEqual([]);
    // The app does use the domain's types: the rule above is checked over real imports.
    expect(typeImports).toBeGreaterThan(20);
  });

  it("shared/ imports nothing of either side and no Node built-in", async () => {
    const files = await sources("shared");
    expect(files.length).toBeGreaterThan(0);
    const offending: string[] = [];
    for (const file of files) {
      for (const imp of await importsOf(file)) {
        const target = resolved(file, imp.from);
        if (!imp.typeOnly && (/^(server|db|app|collab)\//.test(target) || target.startsWith("node:"))) offending.push(`${file}: ${imp.text}`);
      }
    }
    expect(offending).toEqual([]);
  });
});

describe("what the collaboration library imports", () => {
  it("nothing from server/ or app/, not even types: authorization, rendering, logging and the rest are hooks", async () => {
    const files = await sources("collab");
    expect(files.length).toBeGreaterThan(10);
    const offending: string[] = [];
    let imports = 0;
    for (const file of files) {
      for (const imp of await importsOf(file)) {
        imports++;
        if (/^(server|app)\//.test(resolved(file, imp.from))) offending.push(`${file}: ${imp.text}`);
      }
    }
    expect(offending).toEqual([]);
    // The rule is checked over real imports (yjs, ws, its own modules, db/).
    expect(imports).toBeGreaterThan(30);
  });

  it("the composition root is where collab meets the server: server/collab-hooks.ts builds the endpoint", async () => {
    const users: string[] = [];
    for (const file of await sources("server")) {
      for (const imp of await importsOf(file)) {
        const target = resolved(file, imp.from);
        if (!imp.typeOnly && (target === "collab/server.ts" || target === "collab/registry.ts")) users.push(file);
      }
    }
    expect([...new Set(users)]).toEqual(["server/collab-hooks.ts"]);
  });
});
