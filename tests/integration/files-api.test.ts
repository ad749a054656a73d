import { randomBytes } from "node:crypto";
import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStanding } from "../../server/access/index.ts";
import { searchFiles } from "../../server/files/files.ts";
import { addParticipant, roomWithCast, type TestUser } from "../support/factories.ts";
import type { TestServer } from "../support/server.ts";
import { fetchBytes, filesUnder, postRaw, rawMultipart, sha256, startFilesServer, upload } from "./files-support.ts";

// docs/api.md "Files" plus the library's own endpoints, against the real server and real multipart uploads.

let server: TestServer & { dataDir: string };
let cast: Awaited<ReturnType<typeof roomWithCast>>;
let commenter: TestUser;
beforeAll(async () => {
  server = await startFilesServer();
  cast = await roomWithCast(server);
  commenter = await addParticipant(server, cast.owner, cast.room.id, "external", "commenter");
});
afterAll(async () => {
  await server.close();
});

const get = (path: string, who: TestUser) => server.api(path, { token: who.token });
// A tiny but complete PNG (1×1, transparent).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

describe("upload → list → download", () => {
  it("round-trips a small text file exactly, with the contract's fields", async () => {
    const text = "Mutual action plan\n1. Security review by 14 March\n2. Pilot in the EU region\n";
    const res = await upload(server, cast.owner.token, cast.room.id, text, { visibility: "shared", name: "plan.txt" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.any(String),
      name: "plan.txt",
      visibility: "shared",
      version: 1,
      size: Buffer.byteLength(text),
      contentType: "text/plain",
      sha256: sha256(text),
    });

    const list = await get(`/api/v1/rooms/${cast.room.id}/files`, cast.externalViewer);
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ id: res.body.id, name: "plan.txt", version: 1, sha256: sha256(text) }));

    const download = await fetchBytes(server, cast.externalViewer.token, `/api/v1/files/${res.body.id}/download`);
    expect(download.status).toBe(200);
    expect(sha256(download.bytes)).toBe(sha256(text));
    expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(download.headers.get("content-disposition")).toMatch(/^inline; /);
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(download.headers.get("content-security-policy")).toContain("default-src 'none'; style-src 'unsafe-inline'; sandbox");
    expect(download.headers.get("accept-ranges")).toBe("bytes");
  });

  it("round-trips binary bytes exactly; unknown binary is an attachment, a PNG is an inline image", async () => {
    const binary = randomBytes(256 * 1024);
    const up = await upload(server, cast.internalEditor.token, cast.room.id, binary, { visibility: "internal", name: "dump.bin" });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ size: binary.length, sha256: sha256(binary), contentType: "application/octet-stream", visibility: "internal" });
    const down = await fetchBytes(server, cast.internalViewer.token, `/api/v1/files/${up.body.id}/download`);
    expect(down.status).toBe(200);
    expect(down.bytes.equals(binary)).toBe(true);
    expect(down.headers.get("content-disposition")).toMatch(/^attachment; /);

    const png = await upload(server, cast.owner.token, cast.room.id, PNG, { visibility: "shared", name: "logo.dat" });
    expect(png.body.contentType).toBe("image/png"); // sniffed from the bytes, not the name
    const shown = await fetchBytes(server, cast.owner.token, `/api/v1/files/${png.body.id}/preview`);
    expect(shown.headers.get("content-type")).toBe("image/png");
    expect(shown.headers.get("content-disposition")).toMatch(/^inline; /);
    expect(shown.bytes.equals(PNG)).toBe(true);
  });

  it("stores identical content once", async () => {
    const same = `same bytes ${Date.now()}`;
    const a = await upload(server, cast.owner.token, cast.room.id, same, { visibility: "shared", name: "a.txt" });
    const b = await upload(server, cast.owner.token, cast.room.id, same, { visibility: "shared", name: "b.txt" });
    expect(a.body.id).not.toBe(b.body.id);
    const stored = (await filesUnder(server.dataDir, "blobs")).filter((f) => f.endsWith(sha256(same)));
    expect(stored).toHaveLength(1);
    const [row] = await server.sql`select count(*)::int as n from blobs where sha256 = ${sha256(same)}`;
    expect(row!.n).toBe(1);
  });

  it("records file.uploaded and file.version_added activity with the file's visibility", async () => {
    const first = await upload(server, cast.internalEditor.token, cast.room.id, "v1", { visibility: "internal", name: "pricing.txt" });
    await upload(server, cast.internalEditor.token, cast.room.id, "v2", { fileId: first.body.id });
    const rows = await server.sql<{ type: string; visibility: string }[]>`
      select type, visibility from activities where object_id = ${first.body.id} order by id`;
    expect(rows).toEqual([
      { type: "file.uploaded", visibility: "internal" },
      { type: "file.version_added", visibility: "internal" },
    ]);
  });
});

describe("versions", () => {
  it("a second version becomes the default and keeps the first downloadable", async () => {
    const v1 = "Proposal, first draft";
    const v2 = "Proposal, after the pricing call";
    const first = await upload(server, cast.owner.token, cast.room.id, v1, { visibility: "shared", name: "proposal.txt" });
    const second = await upload(server, cast.externalEditor.token, cast.room.id, v2, { fileId: first.body.id, name: "proposal-v2.txt" });
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ id: first.body.id, name: "proposal.txt", version: 2, sha256: sha256(v2) });

    expect(sha256((await fetchBytes(server, cast.owner.token, `/api/v1/files/${first.body.id}/download`)).bytes)).toBe(sha256(v2));
    const old = await fetchBytes(server, cast.externalViewer.token, `/api/v1/files/${first.body.id}/download?version=1`);
    expect(old.status).toBe(200);
    expect(old.bytes.toString()).toBe(v1);
    expect(old.headers.get("content-disposition")).toContain('filename="proposal.txt"');

    const versions = await get(`/api/v1/files/${first.body.id}/versions`, cast.externalViewer);
    expect(versions.body.items.map((v: any) => [v.number, v.originalName, v.uploadedBy.id, v.size])).toEqual([
      [2, "proposal-v2.txt", cast.externalEditor.id, v2.length],
      [1, "proposal.txt", cast.owner.id, v1.length],
    ]);
    const meta = await get(`/api/v1/files/${first.body.id}`, cast.owner);
    expect(meta.body).toMatchObject({ id: first.body.id, version: 2, versions: [{ number: 2 }, { number: 1 }] });

    const list = await get(`/api/v1/rooms/${cast.room.id}/files`, cast.owner);
    expect(list.body.items.filter((f: any) => f.id === first.body.id)).toEqual([expect.objectContaining({ version: 2, sha256: sha256(v2) })]);
  });

  it("answers 404 for a version that does not exist and 400 for one that is not a number", async () => {
    const file = await upload(server, cast.owner.token, cast.room.id, "x", { visibility: "shared", name: "x.txt" });
    expect((await fetchBytes(server, cast.owner.token, `/api/v1/files/${file.body.id}/download?version=2`)).status).toBe(404);
    const bad = await get(`/api/v1/files/${file.body.id}/download?version=abc`, cast.owner);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toHaveProperty("version");
  });

  it("a new version keeps the file's visibility (changing it is a PATCH)", async () => {
    const file = await upload(server, cast.owner.token, cast.room.id, "x", { visibility: "shared", name: "keep.txt" });
    const res = await upload(server, cast.owner.token, cast.room.id, "y", { fileId: file.body.id, visibility: "internal" });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty("visibility");
  });
});

describe("permission scope", () => {
  let internalFile: { id: string };
  beforeAll(async () => {
    const res = await upload(server, cast.owner.token, cast.room.id, "Walk-away price: 140k", { visibility: "internal", name: "Negotiation floor.txt" });
    internalFile = res.body;
    await fetchBytes(server, cast.internalViewer.token, `/api/v1/files/${internalFile.id}/download`);
  });

  it("an external participant gets 404 for an internal file's metadata, download, preview, versions and access log", async () => {
    for (const who of [cast.externalEditor, cast.externalViewer]) {
      for (const path of ["", "/download", "/download?version=1", "/preview", "/versions", "/access-log"]) {
        const res = await get(`/api/v1/files/${internalFile.id}${path}`, who);
        expect(res.status, `${path} as ${who.name}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
      const patch = await server.api(`/api/v1/files/${internalFile.id}`, { method: "PATCH", token: who.token, body: { name: "x" } });
      expect(patch.status).toBe(404);
    }
    // An external editor may upload, but not a version of a file that does not exist for them.
    const version = await upload(server, cast.externalEditor.token, cast.room.id, "overwrite", { fileId: internalFile.id });
    expect(version.status).toBe(404);
    // Same answer as an id that does not exist.
    const unknown = await get(`/api/v1/files/00000000-0000-4000-8000-000000000000`, cast.externalViewer);
    expect(unknown.status).toBe(404);
    expect((await get(`/api/v1/files/not-an-id/download`, cast.externalViewer)).status).toBe(404);
  });

  it("lists and search leave internal files out for externals and keep them for internals", async () => {
    const external = await get(`/api/v1/rooms/${cast.room.id}/files`, cast.externalViewer);
    expect(external.body.items.map((f: any) => f.id)).not.toContain(internalFile.id);
    expect(external.body.items.every((f: any) => f.visibility === "shared")).toBe(true);
    const internal = await get(`/api/v1/rooms/${cast.room.id}/files`, cast.internalViewer);
    expect(internal.body.items.map((f: any) => f.id)).toContain(internalFile.id);

    const search = async (who: TestUser, q: string) =>
      searchFiles({ sql: server.sql }, await loadStanding(server.sql, { userId: who.id, name: who.name, email: who.email }, cast.room.id), q);
    expect(await search(cast.internalViewer, "negotiation")).toEqual([
      { type: "file", id: internalFile.id, title: "Negotiation floor.txt", visibility: "internal", snippet: expect.stringContaining("text/plain") },
    ]);
    expect(await search(cast.internalViewer, "floor.t")).toHaveLength(1); // substring match too
    expect(await search(cast.externalEditor, "negotiation")).toEqual([]);
    expect(await search(cast.externalEditor, "floor")).toEqual([]);
    const shared = await upload(server, cast.owner.token, cast.room.id, "agenda", { visibility: "shared", name: "Negotiation agenda.txt" });
    expect((await search(cast.externalEditor, "negotiation")).map((r) => r.id)).toEqual([shared.body.id]);
    expect(await search(cast.externalEditor, "100%_")).toEqual([]); // wildcards are literal
  });

  it("people outside the room get 404 even for shared files", async () => {
    const shared = await upload(server, cast.owner.token, cast.room.id, "hello", { visibility: "shared", name: "hello.txt" });
    for (const who of [cast.outsider, cast.orgMember]) {
      expect((await get(`/api/v1/files/${shared.body.id}`, who)).status).toBe(404);
      expect((await fetchBytes(server, who.token, `/api/v1/files/${shared.body.id}/download`)).status).toBe(404);
      expect((await get(`/api/v1/rooms/${cast.room.id}/files`, who)).status).toBe(404);
    }
    expect((await fetchBytes(server, "", `/api/v1/files/${shared.body.id}/download`)).status).toBe(401);
  });

  it("viewers and commenters cannot upload (403); externals upload shared files only", async () => {
    for (const who of [cast.internalViewer, cast.externalViewer, commenter]) {
      const res = await upload(server, who.token, cast.room.id, "nope", { visibility: "shared", name: "nope.txt" });
      expect(res.status, who.name).toBe(403);
    }
    const internal = await upload(server, cast.externalEditor.token, cast.room.id, "x", { visibility: "internal", name: "nope-internal.txt" });
    expect(internal.status).toBe(403);
    const shared = await upload(server, cast.externalEditor.token, cast.room.id, "requirements", { visibility: "shared", name: "reqs.txt" });
    expect(shared.status).toBe(201);
    const [rows] = await server.sql`select count(*)::int as n from files where name in ('nope.txt', 'nope-internal.txt') and room_id = ${cast.room.id}`;
    expect(rows!.n).toBe(0);
  });

  it("only internal editors change visibility; a file made internal disappears for externals", async () => {
    const file = await upload(server, cast.externalEditor.token, cast.room.id, "shared notes", { visibility: "shared", name: "notes.txt" });
    const byExternal = await server.api(`/api/v1/files/${file.body.id}`, { method: "PATCH", token: cast.externalEditor.token, body: { visibility: "internal" } });
    expect(byExternal.status).toBe(403);
    const rename = await server.api(`/api/v1/files/${file.body.id}`, { method: "PATCH", token: cast.externalEditor.token, body: { name: "Our notes.txt" } });
    expect(rename.status).toBe(200);
    expect(rename.body.name).toBe("Our notes.txt");
    const byViewer = await server.api(`/api/v1/files/${file.body.id}`, { method: "PATCH", token: cast.internalViewer.token, body: { name: "v" } });
    expect(byViewer.status).toBe(403);

    const hide = await server.api(`/api/v1/files/${file.body.id}`, { method: "PATCH", token: cast.internalEditor.token, body: { visibility: "internal" } });
    expect(hide.status).toBe(200);
    expect(hide.body.visibility).toBe("internal");
    expect((await fetchBytes(server, cast.externalEditor.token, `/api/v1/files/${file.body.id}/download`)).status).toBe(404);
    const bad = await server.api(`/api/v1/files/${file.body.id}`, { method: "PATCH", token: cast.owner.token, body: { visibility: "public" } });
    expect(bad.status).toBe(400);
  });

  it("the access log shows who opened and downloaded what, to internal participants only", async () => {
    const file = await upload(server, cast.owner.token, cast.room.id, "terms", { visibility: "shared", name: "terms.txt" });
    await fetchBytes(server, cast.externalViewer.token, `/api/v1/files/${file.body.id}/download`);
    await fetchBytes(server, cast.internalEditor.token, `/api/v1/files/${file.body.id}/preview`);
    const log = await get(`/api/v1/files/${file.body.id}/access-log`, cast.internalViewer);
    expect(log.status).toBe(200);
    expect(log.body.items.map((e: any) => [e.user.id, e.action, e.version])).toEqual([
      [cast.internalEditor.id, "opened", 1],
      [cast.externalViewer.id, "downloaded", 1],
    ]);
    expect(log.body.items[0].ip).toBeTruthy();
    // A shared file: the external sees it exists, but not who looked at it.
    expect((await get(`/api/v1/files/${file.body.id}/access-log`, cast.externalEditor)).status).toBe(403);
    const [activity] = await server.sql<{ type: string; visibility: string; actorId: string }[]>`
      select type, visibility, actor_id as "actorId" from activities where object_id = ${file.body.id} and type = 'file.downloaded'`;
    // Recorded internal: who read what is the access log's (docs/access.md).
    expect(activity).toEqual({ type: "file.downloaded", visibility: "internal", actorId: cast.externalViewer.id });
  });
});

describe("names and dangerous types", () => {
  const filePart = (dispositionTail: string, content = "content") => ({ name: "file", dispositionTail, content });
  const uploadNamed = (dispositionTail: string, content?: string) =>
    postRaw(server, cast.owner.token, cast.room.id, rawMultipart([{ name: "visibility", value: "shared" }, filePart(dispositionTail, content)]));

  it("keeps only the last path segment: ../../etc/passwd is stored as passwd, never as a path", async () => {
    const res = await uploadNamed('filename="../../etc/passwd"', "root:x:0:0");
    expect(res.status).toBe(201);
    expect(res.body.name).toBe("passwd");
    const windows = await uploadNamed('filename="C:\\\\Users\\\\ann\\\\budget.xlsx"');
    expect(windows.body.name).toBe("budget.xlsx");
    // The store holds content hashes only.
    const blobs = await filesUnder(server.dataDir, "blobs");
    expect(blobs.length).toBeGreaterThan(0);
    for (const stored of blobs) expect(stored).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}$/);
  });

  it("strips control and bidi characters, keeps quotes, and encodes Content-Disposition per RFC 5987", async () => {
    const res = await uploadNamed(`filename*=UTF-8''${encodeURIComponent("Angebot\u0007 \"final\"\u202Etxt.exe – Übersicht.txt")}`);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Angebot "final"txt.exe – Übersicht.txt');
    const down = await fetchBytes(server, cast.owner.token, `/api/v1/files/${res.body.id}/download`);
    const disposition = down.headers.get("content-disposition")!;
    expect(disposition).toBe(
      `inline; filename="Angebot _final_txt.exe _ _bersicht.txt"; filename*=UTF-8''${encodeURIComponent(res.body.name).replace(/'/g, "%27")}`,
    );
    expect(disposition).not.toMatch(/[\x00-\x1f\x7f]/);

    const tabs = await uploadNamed("filename*=UTF-8''%20%20quarterly%09plan%0D%0Anotes%00.txt%20%20");
    expect(tabs.body.name).toBe("quarterly plan notes.txt");
    const dots = await uploadNamed('filename=".."');
    expect(dots.body.name).toBe("untitled");
  });

  it("bounds very long names to 255 characters and keeps the extension", async () => {
    const long = `${"ü".repeat(400)}.pdf`;
    const res = await uploadNamed(`filename*=UTF-8''${encodeURIComponent(long)}`);
    expect(res.status).toBe(201);
    expect(Array.from(res.body.name as string)).toHaveLength(255);
    expect(res.body.name.endsWith("ü.pdf")).toBe(true);
  });

  it("serves HTML and SVG as attachments with nosniff, whatever their name, on download and preview", async () => {
    const cases = [
      { name: "notes.txt", content: "<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>", type: "text/html" },
      { name: "page.html", content: "<html><head><title>x</title></head></html>", type: "text/html" },
      { name: "logo.svg", content: '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', type: "image/svg+xml" },
      { name: "image.png", content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', type: "image/svg+xml" },
    ];
    for (const c of cases) {
      const up = await upload(server, cast.owner.token, cast.room.id, c.content, { visibility: "shared", name: c.name });
      expect(up.body.contentType, c.name).toBe(c.type);
      for (const endpoint of ["download", "preview"]) {
        const res = await fetchBytes(server, cast.owner.token, `/api/v1/files/${up.body.id}/${endpoint}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-disposition"), `${c.name} ${endpoint}`).toMatch(/^attachment; /);
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'unsafe-inline'; sandbox/);
      }
    }
  });

  it("sniffs Markdown and CSV as text, and PDF from its magic bytes", async () => {
    const md = await upload(server, cast.owner.token, cast.room.id, "# Plan\n\n- one\n", { visibility: "shared", name: "plan.md" });
    expect(md.body).toMatchObject({ contentType: "text/markdown", previewKind: "text" });
    const csv = await upload(server, cast.owner.token, cast.room.id, "seat,price\nA,10\nB,20\n", { visibility: "shared", name: "seats" });
    expect(csv.body.contentType).toBe("text/csv");
    const pdf = await upload(server, cast.owner.token, cast.room.id, "%PDF-1.4\n%\xff\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", { visibility: "shared", name: "a.bin" });
    expect(pdf.body).toMatchObject({ contentType: "application/pdf", previewKind: "pdf" });
  });
});

describe("Range requests", () => {
  let file: { id: string };
  const bytes = randomBytes(10_000);
  beforeAll(async () => {
    file = (await upload(server, cast.owner.token, cast.room.id, bytes, { visibility: "shared", name: "range.bin" })).body;
  });
  const ranged = (range: string, extra: Record<string, string> = {}) =>
    fetchBytes(server, cast.externalViewer.token, `/api/v1/files/${file.id}/download`, { range, ...extra });

  it("answers 206 with exactly the requested bytes", async () => {
    const first = await ranged("bytes=0-99");
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe("bytes 0-99/10000");
    expect(first.headers.get("content-length")).toBe("100");
    expect(first.bytes.equals(bytes.subarray(0, 100))).toBe(true);

    const middle = await ranged("bytes=5000-5009");
    expect(middle.bytes.equals(bytes.subarray(5000, 5010))).toBe(true);
    const open = await ranged("bytes=9990-");
    expect(open.headers.get("content-range")).toBe("bytes 9990-9999/10000");
    expect(open.bytes.equals(bytes.subarray(9990))).toBe(true);
    const suffix = await ranged("bytes=-7");
    expect(suffix.bytes.equals(bytes.subarray(9993))).toBe(true);
    const past = await ranged("bytes=9000-20000");
    expect(past.headers.get("content-range")).toBe("bytes 9000-9999/10000");
  });

  it("answers 416 with the size for an unsatisfiable range", async () => {
    const res = await ranged("bytes=10000-10010");
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */10000");
  });

  it("honours If-Range only when it matches the version", async () => {
    const etag = (await fetchBytes(server, cast.owner.token, `/api/v1/files/${file.id}/download`)).headers.get("etag")!;
    expect(etag).toBe(`"${sha256(bytes)}"`);
    expect((await ranged("bytes=0-9", { "if-range": etag })).status).toBe(206);
    const stale = await ranged("bytes=0-9", { "if-range": '"something-else"' });
    expect(stale.status).toBe(200);
    expect(stale.bytes.equals(bytes)).toBe(true);
  });

  it("logs a ranged read of a later piece as no new access", async () => {
    const before = (await get(`/api/v1/files/${file.id}/access-log`, cast.owner)).body.items.length;
    await ranged("bytes=5000-5009");
    await ranged("bytes=0-9");
    const after = (await get(`/api/v1/files/${file.id}/access-log`, cast.owner)).body.items.length;
    expect(after - before).toBe(1);
  });
});

describe("bad uploads", () => {
  it("requires visibility before the file part (the documented part order)", async () => {
    const missing = await upload(server, cast.owner.token, cast.room.id, "x", { name: "x.txt" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toHaveProperty("visibility");
    const late = await postRaw(server, cast.owner.token, cast.room.id, rawMultipart([
      { name: "file", dispositionTail: 'filename="late.txt"', content: "x" },
      { name: "visibility", value: "shared" },
    ]));
    expect(late.status).toBe(400);
    expect(late.body.error.fields.visibility).toMatch(/before the file part/);
  });

  it("rejects a body without a file part, a non-multipart body and a bad visibility", async () => {
    const noFile = await postRaw(server, cast.owner.token, cast.room.id, rawMultipart([{ name: "visibility", value: "shared" }]));
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.fields).toHaveProperty("file");
    const json = await server.api(`/api/v1/rooms/${cast.room.id}/files`, { token: cast.owner.token, body: { visibility: "shared" } });
    expect(json.status).toBe(415);
    const bad = await upload(server, cast.owner.token, cast.room.id, "x", { visibility: "public" as any, name: "x.txt" });
    expect(bad.status).toBe(400);
    const room = await upload(server, cast.owner.token, "00000000-0000-4000-8000-000000000000", "x", { visibility: "shared" });
    expect(room.status).toBe(404);
  });
});

describe("folders", () => {
  it("holds files; internal folders stay invisible to externals and hold no shared files", async () => {
    const shared = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: cast.externalEditor.token, body: { name: "From Acme", visibility: "shared" } });
    expect(shared.status).toBe(201);
    const internal = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: cast.internalEditor.token, body: { name: "Deal desk", visibility: "internal" } });
    expect(internal.status).toBe(201);
    const externalInternal = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: cast.externalEditor.token, body: { name: "x", visibility: "internal" } });
    expect(externalInternal.status).toBe(403);

    const inShared = await upload(server, cast.externalEditor.token, cast.room.id, "rfp", { visibility: "shared", folderId: shared.body.id, name: "rfp.txt" });
    expect(inShared.body.folderId).toBe(shared.body.id);
    const sharedInInternal = await upload(server, cast.owner.token, cast.room.id, "x", { visibility: "shared", folderId: internal.body.id, name: "x.txt" });
    expect(sharedInInternal.status).toBe(400);
    const byExternal = await upload(server, cast.externalEditor.token, cast.room.id, "x", { visibility: "shared", folderId: internal.body.id, name: "x.txt" });
    expect(byExternal.status).toBe(404);

    const externalView = await get(`/api/v1/rooms/${cast.room.id}/folders`, cast.externalViewer);
    expect(externalView.body.items.map((f: any) => f.name)).toEqual(["From Acme"]);
    expect((await server.api(`/api/v1/folders/${internal.body.id}`, { method: "PATCH", token: cast.externalEditor.token, body: { name: "y" } })).status).toBe(404);

    // A folder holding shared files cannot become internal; an empty one can be deleted.
    const hide = await server.api(`/api/v1/folders/${shared.body.id}`, { method: "PATCH", token: cast.owner.token, body: { visibility: "internal" } });
    expect(hide.status).toBe(409);
    expect((await server.api(`/api/v1/folders/${shared.body.id}`, { method: "DELETE", token: cast.owner.token })).status).toBe(409);
    const moved = await server.api(`/api/v1/files/${inShared.body.id}`, { method: "PATCH", token: cast.owner.token, body: { folderId: null } });
    expect(moved.body.folderId).toBeNull();
    expect((await server.api(`/api/v1/folders/${shared.body.id}`, { method: "DELETE", token: cast.owner.token })).status).toBe(204);
  });

  it("refuses to move a folder into itself", async () => {
    const outer = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: cast.owner.token, body: { name: "Outer", visibility: "internal" } });
    const inner = await server.api(`/api/v1/rooms/${cast.room.id}/folders`, { token: cast.owner.token, body: { name: "Inner", visibility: "internal", parentId: outer.body.id } });
    expect(inner.status).toBe(201);
    const loop = await server.api(`/api/v1/folders/${outer.body.id}`, { method: "PATCH", token: cast.owner.token, body: { parentId: inner.body.id } });
    expect(loop.status).toBe(400);
  });
});

describe("live events", () => {
  const join = async (who: TestUser) => {
    const socket = connectSocket(server.url, { auth: { token: who.token }, transports: ["websocket"], forceNew: true });
    const ack = await socket.timeout(5000).emitWithAck("room:join", { roomId: cast.room.id });
    expect(ack).toEqual({ ok: true });
    return socket;
  };
  const next = (socket: Socket, type: string) => new Promise<any>((resolve) => socket.once(type, resolve));

  it("publishes uploads to those who may see them", async () => {
    const internal = await join(cast.internalViewer);
    const external = await join(cast.externalViewer);
    try {
      const internalSeen = next(internal, "file.uploaded");
      const externalSeen = next(external, "file.uploaded");
      const hidden = await upload(server, cast.owner.token, cast.room.id, "secret", { visibility: "internal", name: "secret.txt" });
      expect((await internalSeen).file.id).toBe(hidden.body.id);
      // The external socket's first file event is the shared upload that follows, never the internal one.
      const shared = await upload(server, cast.owner.token, cast.room.id, "open", { visibility: "shared", name: "open.txt" });
      expect((await externalSeen).file).toMatchObject({ id: shared.body.id, name: "open.txt", version: 1 });
    } finally {
      internal.disconnect();
      external.disconnect();
    }
  });
});
