import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// What `npm run build` wrote (tests/run-all.sh builds first): the browser gets no server code,
// and the server bundle holds no second copy of the domain (docs/decisions/015-one-domain.md).
// The build itself fails on the same thing (vite.boundaries.ts); this reads the files it wrote.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD = path.join(ROOT, "build");

/** Text only server code contains, each with where it comes from. */
const SERVER_MARKERS: { what: string; pattern: RegExp; source: string }[] = [
  { what: "AsyncLocalStorage", pattern: /AsyncLocalStorage/, source: "server/access/refusals.ts" },
  { what: "a Node built-in import", pattern: /["'`]node:[a-z_/]+["'`]/, source: "server/access/refusals.ts" },
  { what: "postgres.js", pattern: /CONNECTION_DESTROYED|SASL_SIGNATURE_MISMATCH/, source: "node_modules/postgres/src/connection.js" },
  { what: "pino", pattern: /pino\.(setLevel|getLevel|levelVal)/, source: "node_modules/pino/lib/symbols.js" },
  { what: "nodemailer", pattern: /EENVELOPE|nodemailer\.com/, source: "node_modules/nodemailer/lib/smtp-connection/index.js" },
  { what: "db/client.ts", pattern: /application_name/, source: "db/client.ts" },
  { what: "the domain's SQL", pattern: /(from|into|update|join) (room_participants|organization_members|mail_outbox|activity|sessions)\b/, source: "server/mail/outbox.ts" },
  { what: "the refusal log", pattern: /could not record a refused attempt/, source: "server/access/refusals.ts" },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)])));
  return nested.flat();
}

const markersIn = (text: string) => SERVER_MARKERS.filter((m) => m.pattern.test(text)).map((m) => m.what);

describe("the markers", () => {
  it.each(SERVER_MARKERS)("$what is found in $source (so its absence means something)", async ({ pattern, source }) => {
    expect(await readFile(path.join(ROOT, source), "utf8")).toMatch(pattern);
  });
});

describe("build/client", () => {
  it("contains no server code", async () => {
    const scripts = (await filesUnder(path.join(BUILD, "client"))).filter((f) => /\.(m?js|css|html)$/.test(f));
    expect(scripts.filter((f) => f.endsWith(".js")).length).toBeGreaterThan(10);
    const found: Record<string, string[]> = {};
    for (const file of scripts) {
      const hits = markersIn(await readFile(file, "utf8"));
      if (hits.length) found[path.relative(BUILD, file)] = hits;
    }
    expect(found).toEqual({});
  });
});

describe("build/server/index.js", () => {
  // Packages the server-rendered pages need; the domain's (postgres, pino, nodemailer,
  // argon2, rate limits, markdown and diff rendering) stay in the copy server/main.ts loads.
  // (yjs is the live editor's lazy import, app/editor/use-live-page.ts: it runs in the browser only.)
  const RENDERING = ["react", "react/jsx-runtime", "react-dom/server", "react-router", "@react-router/node", "isbot", "node:stream", "yjs"];

  it("imports only what rendering needs", async () => {
    const bundle = await readFile(path.join(BUILD, "server/index.js"), "utf8");
    const imports = new Set([...bundle.matchAll(/(?:^|\n)import\s[^;]*?from\s*"([^"]+)"|(?:^|\n)import\s*"([^"]+)"|\bimport\("([^"./][^"]*)"\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!));
    expect(imports.size).toBeGreaterThan(0);
    // Our own chunks ("./assets/…") are checked below with every other file of the server build.
    expect([...imports].filter((name) => !name.startsWith("./") && !RENDERING.includes(name))).toEqual([]);
  });

  it("holds no domain code", async () => {
    const files = (await filesUnder(path.join(BUILD, "server"))).filter((f) => f.endsWith(".js"));
    expect(files.length).toBeGreaterThan(0);
    const found: Record<string, string[]> = {};
    for (const file of files) {
      // node:stream is React Router's own streaming renderer; everything else counts.
      const hits = markersIn((await readFile(file, "utf8")).replaceAll('"node:stream"', ""));
      if (hits.length) found[path.relative(BUILD, file)] = hits;
    }
    expect(found).toEqual({});
    // For the record (docs/architecture.md): 641 kB with the domain inside, 428 kB without.
    expect((await stat(path.join(BUILD, "server/index.js"))).size).toBeLessThan(600_000);
  });
});
