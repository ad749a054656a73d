// Migration 0010 backfills the visibility every existing page version and file version was made
// under from the activity log (docs/decisions/012-history-visibility.md). This runs its backfill
// over history made through the API and checks it finds what the live code recorded.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roomWithCast } from "../support/factories.ts";
import { must, relaxPerIpLimits, uploadFile } from "../support/matrix-fixtures.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const MIGRATION = path.resolve(import.meta.dirname, "../../db/migrations/0010_history_visibility.sql");

describe("migration 0010's backfill", () => {
  it("finds the visibility each version was made under, as the live code records it", async () => {
    const { owner, room } = await roomWithCast(server);
    const version = (pageId: string) => must(server, owner, `/pages/${pageId}/versions`, {}, 201);
    const setPage = (pageId: string, body: unknown) => must(server, owner, `/pages/${pageId}`, { method: "PATCH", body }, 200);
    const setFile = (fileId: string, visibility: string) => must(server, owner, `/files/${fileId}`, { method: "PATCH", body: { visibility } }, 200);
    const upload = async (name: string, fields: Record<string, string>) => {
      const res = await uploadFile(server, owner.token, room.id, name, `${name} bytes`, fields);
      expect(res.status).toBe(201);
      return res.body.id as string;
    };

    // Shared, internal for a while, shared again.
    const cycled = (await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Cycled", visibility: "shared", markdown: "a" } }, 201)).id;
    await version(cycled);
    await setPage(cycled, { visibility: "internal" });
    await setPage(cycled, { markdown: "b" });
    await version(cycled);
    await setPage(cycled, { visibility: "shared" });
    await setPage(cycled, { markdown: "c" });
    await version(cycled);
    // Internal, then shared.
    const late = (await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Late", visibility: "internal", markdown: "x" } }, 201)).id;
    await version(late);
    await setPage(late, { visibility: "shared" });
    await setPage(late, { markdown: "y" });
    await version(late);
    // Never changed.
    const internalOnly = (await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Internal", visibility: "internal", markdown: "i" } }, 201)).id;
    await version(internalOnly);

    const file = await upload("first.txt", { visibility: "internal" });
    await upload("second.txt", { fileId: file });
    await setFile(file, "shared");
    await upload("third.txt", { fileId: file });
    const hidden = await upload("shared.txt", { visibility: "shared" });
    await setFile(hidden, "internal");
    await upload("later.txt", { fileId: hidden });

    const pageIds = [cycled, late, internalOnly];
    const fileIds = [file, hidden];
    const recorded = async () => ({
      pages: await server.sql`select page_id, number, visibility from page_versions where page_id = any(${pageIds}::uuid[]) order by page_id, number`,
      files: await server.sql`select file_id, number, uploaded_visibility, visibility from file_versions where file_id = any(${fileIds}::uuid[]) order by file_id, number`,
    });
    const live = await recorded();
    const byPage = (id: string) => live.pages.filter((r) => r.page_id === id).map((r) => r.visibility);
    expect(byPage(cycled)).toEqual(["shared", "internal", "shared"]);
    expect(byPage(late)).toEqual(["internal", "shared"]);
    expect(byPage(internalOnly)).toEqual(["internal"]);
    const byFile = (id: string) => live.files.filter((r) => r.file_id === id).map((r) => `${r.uploaded_visibility}/${r.visibility}`);
    expect(byFile(file)).toEqual(["internal/internal", "internal/shared", "shared/shared"]);
    expect(byFile(hidden)).toEqual(["shared/shared", "internal/internal"]);

    // As before the migration: nothing recorded. Then the migration's backfill.
    await server.sql`update page_versions set visibility = 'internal' where page_id = any(${pageIds}::uuid[])`;
    await server.sql`update file_versions set uploaded_visibility = 'internal', visibility = 'internal' where file_id = any(${fileIds}::uuid[])`;
    const text = await readFile(MIGRATION, "utf8");
    const backfill = text.slice(text.indexOf("create temporary table visibility_changes"));
    expect(backfill.length).toBeGreaterThan(100);
    await server.sql.begin((sql) => sql.unsafe(backfill));
    expect(await recorded()).toEqual(live);
  });
});
