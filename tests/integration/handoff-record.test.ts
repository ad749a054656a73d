import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARCHIVE_LIMITS } from "../../server/sales/handoff-export.ts";
import { addParticipant, createRoom, roomWithCast, type TestUser } from "../support/factories.ts";
import { must, relaxPerIpLimits, uniqueLabel, uploadFile } from "../support/matrix-fixtures.ts";
import { pdfText, squash, unzip } from "../support/exports.ts";
import { startTestServer, type TestServer } from "../support/server.ts";

// The hand-off record (server/sales/handoff-record.ts) and its exports: JSON, Markdown, PDF and
// the room archive, each scoped to its reader, over the real API.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  relaxPerIpLimits(server);
});
afterAll(async () => {
  await server.close();
});

const api = (who: TestUser, path: string, body?: unknown, method?: string) =>
  server.api(`/api/v1${path}`, { token: who.token, body, method: method ?? (body === undefined ? "GET" : "POST") });

async function raw(who: TestUser, path: string) {
  const res = await fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${who.token}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const CLOSING_FORM = [
  { key: "goLive", label: "Go-live date", type: "date", required: true },
  { key: "scope", label: "Delivery scope", type: "text", required: true },
  { key: "champion", label: "Champion", type: "person", required: true },
];

/**
 * A room with internal and shared items of every kind, a Closing form (internal) and a delivery
 * team member, moved through Closing into Delivering through the API with the form filled.
 */
async function handedOffRoom() {
  const cast = await roomWithCast(server);
  const { owner, room, organization, externalEditor } = cast;
  const elsewhere = await createRoom(server, owner);
  const delivery = await addParticipant(server, owner, elsewhere.id, "internal", "viewer");
  await must(server, owner, `/organizations/${organization.id}/delivery-team/${delivery.id}`, { method: "PUT" }, 200);
  const stages = (await api(owner, `/organizations/${organization.id}/stages`)).body.items as { id: string; name: string }[];
  await must(server, owner, `/organizations/${organization.id}/stages/${stages.find((s) => s.name === "Closing")!.id}`, { method: "PATCH", body: { form: CLOSING_FORM } }, 200);

  const secret = {
    page: uniqueLabel("INTPAGE"), pageText: uniqueLabel("intpagetext"), thread: uniqueLabel("INTTHREAD"), message: uniqueLabel("intmessage"),
    step: uniqueLabel("INTSTEP"), stakeholder: uniqueLabel("INTPERSON"), file: `${uniqueLabel("intfile")}.txt`, scope: uniqueLabel("INTSCOPE"),
  };
  const shared = {
    page: uniqueLabel("SHRPAGE"), pageText: uniqueLabel("shrpagetext"), thread: uniqueLabel("SHRTHREAD"), message: uniqueLabel("shrmessage"),
    resolved: uniqueLabel("SHRRESOLVED"), step: uniqueLabel("SHRSTEP"), file: `${uniqueLabel("shrfile")}.txt`,
  };
  const internalPage = (await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: secret.page, visibility: "internal", markdown: `## Pricing\n\n${secret.pageText}` } }, 201)).id as string;
  const sharedPage = (await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: shared.page, visibility: "shared", markdown: `## Scope\n\n${shared.pageText}` } }, 201)).id as string;
  const internalThread = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: secret.thread, visibility: "internal", body: secret.message } }, 201)).id as string;
  const sharedThread = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: shared.thread, visibility: "shared", body: shared.message } }, 201)).id as string;
  const resolved = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: shared.resolved, visibility: "shared", body: "done" } }, 201)).id as string;
  await must(server, owner, `/threads/${resolved}/resolve`, {}, 200);
  await must(server, owner, `/rooms/${room.id}/plan`, { body: { title: secret.step, visibility: "internal" } }, 201);
  await must(server, owner, `/rooms/${room.id}/plan`, { body: { title: shared.step, visibility: "shared", dueDate: "2031-05-01" } }, 201);
  await must(server, owner, `/rooms/${room.id}/stakeholders`, { body: { name: secret.stakeholder, decisionRole: "user" } }, 201);
  await must(server, owner, `/rooms/${room.id}/qualification/budget`, { method: "PUT", body: { status: "yes", note: "approved" } }, 200);
  expect((await uploadFile(server, owner.token, room.id, secret.file, "internal bytes", { visibility: "internal" })).status).toBe(201);
  expect((await uploadFile(server, owner.token, room.id, shared.file, "shared bytes", { visibility: "shared" })).status).toBe(201);

  await must(server, owner, `/rooms/${room.id}/stage`, { body: { stage: "Closing" } }, 200);
  const incomplete = await api(owner, `/rooms/${room.id}/stage`, { stage: "Delivering" });
  expect(incomplete.status).toBe(400);
  await must(server, owner, `/rooms/${room.id}/stage`, { body: { stage: "Delivering", form: { goLive: "2031-06-01", scope: secret.scope, champion: externalEditor.id } } }, 200);
  return { ...cast, delivery, secret, shared, internalPage, sharedPage, internalThread, sharedThread, resolved };
}

const secretsOf = (s: Awaited<ReturnType<typeof handedOffRoom>>) => [...Object.values(s.secret), s.internalPage, s.internalThread, s.owner.email, s.internalEditor.email];

describe("the hand-off record", () => {
  it("gives internal readers everything, and the buyer's side only shared parts, in JSON, Markdown, PDF and the archive", async () => {
    const s = await handedOffRoom();
    const { owner, delivery, externalEditor, externalViewer, room, secret, shared } = s;

    // Internal reader: the owner.
    const mine = await api(owner, `/rooms/${room.id}/handoff`);
    expect(mine.status, JSON.stringify(mine.body).slice(0, 300)).toBe(200);
    const r = mine.body;
    expect(r.room).toMatchObject({ id: room.id, stage: "Delivering", status: "open", projectedCloseDate: "2031-05-01" });
    expect(r.handoff).toMatchObject({ trigger: "stage", madeBy: { id: owner.id, name: owner.name } });
    expect(r.pages.map((p: any) => p.title)).toEqual([secret.page, shared.page]);
    for (const p of r.pages) {
      expect(p.handoffVersion).toMatchObject({ number: expect.any(Number), markdown: expect.any(String), html: expect.any(String) });
      expect(p.changedSinceHandoff).toBe(false);
      expect(p.diff).toBeNull();
    }
    expect(r.pages[0].handoffVersion.markdown).toContain(secret.pageText);
    expect(r.openQuestions.map((q: any) => q.title).sort()).toEqual([secret.thread, shared.thread].sort());
    expect(r.openQuestions.find((q: any) => q.title === shared.thread)).toMatchObject({ threadId: s.sharedThread, messageCount: 1, lastMessage: { excerpt: shared.message } });
    expect(r.plan.items.map((i: any) => i.title)).toEqual([secret.step, shared.step]);
    expect(r.files.map((f: any) => f.name).sort()).toEqual([secret.file, shared.file].sort());
    expect(r.stakeholders.map((p: any) => p.name)).toEqual([secret.stakeholder]);
    expect(r.qualification).toMatchObject({ qualified: 1 });
    const move = r.timeline.moves.find((m: any) => m.to === "Delivering");
    expect(move.form.values.scope).toBe(secret.scope);
    expect(r.people.internal.map((p: any) => p.userId)).toContain(delivery.id);
    expect(r.people.internal.find((p: any) => p.userId === owner.id).email).toBe(owner.email);

    // The delivery team reads it all.
    const theirs = await api(delivery, `/rooms/${room.id}/handoff`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.pages.map((p: any) => p.title)).toContain(secret.page);
    expect(theirs.body.stakeholders).toHaveLength(1);

    // The buyer's side: shared only, and no internal-only keys at all.
    for (const external of [externalEditor, externalViewer]) {
      const res = await api(external, `/rooms/${room.id}/handoff`);
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const leaked of secretsOf(s)) expect(text, `JSON for an external contains ${leaked}`).not.toContain(leaked);
      expect(res.body.pages.map((p: any) => p.title)).toEqual([shared.page]);
      expect(res.body.openQuestions.map((q: any) => q.title)).toEqual([shared.thread]);
      expect(res.body.plan.items.map((i: any) => i.title)).toEqual([shared.step]);
      expect(res.body.files.map((f: any) => f.name)).toEqual([shared.file]);
      expect("stakeholders" in res.body).toBe(false);
      expect("qualification" in res.body).toBe(false);
      expect(res.body.timeline.moves.every((m: any) => m.form === undefined)).toBe(true);
      expect(res.body.people.internal.every((p: any) => p.email === undefined)).toBe(true);
    }

    // Markdown.
    const md = await raw(externalEditor, `/rooms/${room.id}/handoff?format=markdown`);
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.headers.get("content-disposition")).toMatch(/^attachment; filename=".+-handoff\.md"/);
    const mdText = md.bytes.toString("utf8");
    for (const title of [shared.page, shared.thread, shared.step, shared.file]) expect(mdText).toContain(title);
    for (const leaked of secretsOf(s)) expect(mdText, `markdown for an external contains ${leaked}`).not.toContain(leaked);
    const mdOwner = (await raw(owner, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    for (const text of [secret.page, secret.pageText, shared.page, secret.scope, secret.stakeholder, "## Stakeholder map", "## Qualification", "- [ ] " + secret.step]) expect(mdOwner).toContain(text);

    // PDF.
    const pdf = await raw(externalEditor, `/rooms/${room.id}/handoff?format=pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const pdfExternal = squash(pdfText(pdf.bytes));
    for (const title of [shared.page, shared.thread, shared.step, shared.file, shared.pageText]) expect(pdfExternal).toContain(squash(title));
    for (const leaked of secretsOf(s)) expect(pdfExternal, `PDF for an external contains ${leaked}`).not.toContain(squash(leaked));
    expect(pdf.bytes.toString("latin1")).not.toContain(secret.page);
    const pdfOwner = squash(pdfText((await raw(owner, `/rooms/${room.id}/handoff?format=pdf`)).bytes));
    for (const text of [secret.page, secret.pageText, secret.stakeholder, secret.scope]) expect(pdfOwner).toContain(squash(text));

    // The room archive.
    const zip = await raw(externalEditor, `/rooms/${room.id}/export`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get("content-type")).toBe("application/zip");
    const files = unzip(zip.bytes);
    const names = [...files.keys()];
    expect(names).toEqual(expect.arrayContaining(["README.md", "handoff.md", "files.csv", "plan.md"]));
    expect(names.filter((n) => n.startsWith("pages/") && n.endsWith("/current.md"))).toHaveLength(1);
    expect(names.some((n) => /^pages\/shrpage-[^/]+\/versions\/\d+\.md$/.test(n))).toBe(true);
    expect(names.filter((n) => n.startsWith("threads/"))).toHaveLength(2);
    for (const [name, content] of files) {
      for (const leaked of secretsOf(s)) {
        expect(name, `archive entry name for an external contains ${leaked}`).not.toContain(leaked.toLowerCase());
        expect(content, `${name} for an external contains ${leaked}`).not.toContain(leaked);
      }
    }
    expect(files.get("files.csv")).toContain(shared.file);
    expect(files.get("README.md")).toMatch(/not in the archive/);
    // The files' bytes: the shared one for the buyer's side, never the internal one.
    const fileEntries = names.filter((n) => n.startsWith("files/"));
    expect(fileEntries).toHaveLength(1);
    expect(files.get(fileEntries[0]!)).toBe("shared bytes");
    expect(files.get("files.csv")).toContain(fileEntries[0]!);
    expect([...files.values()].join("\n")).not.toContain("internal bytes");
    expect(files.get("plan.md")).toContain(`- [ ] ${shared.step}`);
    expect([...files.values()].join("\n")).toContain(shared.message);

    const ownerZip = unzip((await raw(owner, `/rooms/${room.id}/export`)).bytes);
    expect([...ownerZip.keys()].filter((n) => n.startsWith("files/")).map((n) => ownerZip.get(n)).sort()).toEqual(["internal bytes", "shared bytes"]);
    const everything = [...ownerZip.values()].join("\n");
    for (const text of [secret.page, secret.pageText, secret.message, secret.file, secret.step]) expect(everything).toContain(text);
    const version = [...ownerZip.keys()].find((n) => /versions\/\d+\.md$/.test(n))!;
    expect(ownerZip.get(version)).toMatch(/- Number: \d+\n- Reason: .+\n- Date: .+\n- Authors: /);
  });

  it("opens with a summary (form, key dates, contacts, risks, questions) and lists decisions; externals get no internal decision", async () => {
    const s = await handedOffRoom();
    const { owner, externalEditor, room, secret, shared } = s;
    const decided = { internal: uniqueLabel("INTDECISION"), shared: uniqueLabel("SHRDECISION"), internalTitle: uniqueLabel("INTRESOLVED") };
    const internalResolved = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: decided.internalTitle, visibility: "internal", body: "Which discount?" } }, 201)).id as string;
    await must(server, owner, `/threads/${internalResolved}/messages`, { body: { body: `Decided: ${decided.internal}` } }, 201);
    await must(server, owner, `/threads/${internalResolved}/resolve`, {}, 200);
    await must(server, owner, `/threads/${s.resolved}/messages`, { body: { body: `Agreed: ${decided.shared}` } }, 201);
    await must(server, owner, `/threads/${s.resolved}/resolve`, {}, 200);
    const blocked = uniqueLabel("BLOCKED");
    await must(server, owner, `/rooms/${room.id}/plan`, { body: { title: blocked, visibility: "shared", status: "blocked", notes: "Waiting on SSO" } }, 201);

    const mine = await api(owner, `/rooms/${room.id}/handoff`);
    expect(mine.status).toBe(200);
    const summary = mine.body.summary;
    expect(Object.keys(mine.body).slice(0, 2)).toEqual(["summary", "decisions"]);
    expect(summary.form).toMatchObject({ stage: "Closing", visibility: "internal" });
    expect(summary.form.fields).toEqual([
      { key: "goLive", label: "Go-live date", value: "2031-06-01" },
      { key: "scope", label: "Delivery scope", value: secret.scope },
      { key: "champion", label: "Champion", value: externalEditor.name },
    ]);
    const dates = summary.keyDates.map((d: any) => d.label);
    expect(dates).toEqual(expect.arrayContaining(["Room created", "Handed off", `Due: ${shared.step}`]));
    expect(summary.risks).toContainEqual({ kind: "blocked_step", title: blocked, detail: "Waiting on SSO" });
    expect(summary.contacts.find((c: any) => c.userId === owner.id)).toMatchObject({ name: owner.name, side: "internal", email: owner.email });
    expect(summary.openQuestions.map((q: any) => q.threadId)).toEqual(expect.arrayContaining([s.internalThread, s.sharedThread]));
    const decisions = mine.body.decisions as any[];
    const byId = new Map(decisions.map((d) => [d.threadId, d]));
    expect(byId.get(internalResolved)).toMatchObject({ title: decided.internalTitle, visibility: "internal", resolvedBy: { id: owner.id } });
    expect(byId.get(internalResolved).message.excerpt).toContain(decided.internal);
    expect(byId.get(s.resolved).message.excerpt).toContain(decided.shared);
    const md = await raw(owner, `/rooms/${room.id}/handoff?format=markdown`);
    const text = md.bytes.toString("utf8");
    expect(text.indexOf("## Summary")).toBeGreaterThan(0);
    expect(text.indexOf("## Summary")).toBeLessThan(text.indexOf("## Deal at a glance"));
    expect(text).toContain(decided.internal);

    // The buyer's side: the shared decision only; internal people without e-mails; no internal form.
    const theirs = await api(externalEditor, `/rooms/${room.id}/handoff`);
    expect(theirs.status).toBe(200);
    const ids = (theirs.body.decisions as any[]).map((d) => d.threadId);
    expect(ids).toContain(s.resolved);
    expect(ids).not.toContain(internalResolved);
    expect(theirs.body.summary.form).toBeNull();
    const ownerContact = theirs.body.summary.contacts.find((c: any) => c.userId === owner.id);
    expect(ownerContact).toMatchObject({ name: owner.name, email: null });
    expect(theirs.body.summary.openQuestions.map((q: any) => q.threadId)).toEqual([s.sharedThread]);
    const everything = JSON.stringify(theirs.body);
    for (const leak of [decided.internal, decided.internalTitle, internalResolved, secret.scope, owner.email]) expect(everything).not.toContain(leak);
    const theirMd = (await raw(externalEditor, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    expect(theirMd).toContain(decided.shared);
    for (const leak of [decided.internal, decided.internalTitle, secret.scope]) expect(theirMd).not.toContain(leak);
  });

  it("puts files' bytes in the archive up to the size bound; past it, lists them with their sha256 only", async () => {
    const { owner, room } = await roomWithCast(server);
    const small = `${uniqueLabel("small")}.txt`;
    const big = `${uniqueLabel("big")}.txt`;
    const third = `${uniqueLabel("third")}.txt`;
    expect((await uploadFile(server, owner.token, room.id, small, "0123456789", { visibility: "shared" })).status).toBe(201);
    const bigUpload = await uploadFile(server, owner.token, room.id, big, "x".repeat(40), { visibility: "shared" });
    expect(bigUpload.status).toBe(201);
    expect((await uploadFile(server, owner.token, room.id, third, "abcdefghij", { visibility: "internal" })).status).toBe(201);
    const saved = { ...ARCHIVE_LIMITS };
    // The real bounds are 25 MiB per file and 100 MiB in all (docs/api.md); here they are scaled
    // down so that the 40-byte file is past the per-file bound and only one 10-byte file fits in all.
    ARCHIVE_LIMITS.fileBytes = 20;
    ARCHIVE_LIMITS.totalFileBytes = 15;
    let zip: Map<string, string>;
    try {
      const res = await raw(owner, `/rooms/${room.id}/export`);
      expect(res.status).toBe(200);
      zip = unzip(res.bytes);
    } finally {
      Object.assign(ARCHIVE_LIMITS, saved);
    }
    const entries = [...zip.keys()].filter((n) => n.startsWith("files/"));
    expect(entries).toHaveLength(1);
    const csv = zip.get("files.csv")!.split("\r\n");
    expect(csv[0]).toBe("name,visibility,version,size,sha256,uploaded_by,uploaded_at,archive_path");
    const row = (name: string) => csv.find((l) => l.startsWith(`${name},`))!.split(",");
    const bigSha = createHash("sha256").update("x".repeat(40)).digest("hex");
    expect(row(big)).toEqual(expect.arrayContaining([bigSha, "40"]));
    expect(row(big).at(-1)).toBe("");
    const inArchive = [small, third].filter((n) => row(n).at(-1) !== "");
    expect(inArchive).toHaveLength(1);
    expect(zip.get(row(inArchive[0]!).at(-1)!)).toMatch(/^(0123456789|abcdefghij)$/);
    expect(zip.get("README.md")).toContain("not in the archive");
  });

  it("the PDF keeps bold, headings, links and tables, and leaves no heading alone at a page bottom", async () => {
    const { owner, room } = await roomWithCast(server);
    const sections = Array.from({ length: 60 }, (_, i) => `## Section ${i + 1} heading\n\n${"Some words of body text. ".repeat(1 + (i % 7) * 3)}`);
    const markdown = [
      "Intro with **bold words** and a [spec link](https://example.com/spec) and [bad](javascript:alert(1)).",
      "",
      "| Item | Owner |",
      "| --- | --- |",
      "| Kick-off | Dana |",
      "",
      ...sections,
    ].join("\n");
    await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Long page", visibility: "shared", markdown } }, 201);
    const res = await raw(owner, `/rooms/${room.id}/handoff?format=pdf`);
    expect(res.status).toBe(200);
    const source = res.bytes.toString("latin1");
    // A link annotation to the safe URL only; the javascript: link stays plain text.
    expect(source).toMatch(/\/URI \(https:\/\/example\.com\/spec\)/);
    expect(source).not.toContain("javascript:");
    const text = squash(pdfText(res.bytes));
    expect(text).toContain("boldwords");
    expect(text).not.toContain("**");
    expect(text).toContain("Kick-off");
    expect(text).not.toContain("|Kick-off|");
    // Bold text is set in the bold face the record's headings use; the text around it is not.
    const fontOf = (needle: string) => {
      let font = "";
      for (const m of source.matchAll(/\/(F\d+) [\d.]+ Tf|\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)) {
        if (m[1]) font = m[1];
        else if ([...m[2]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, "hex").toString("latin1")).join("").includes(needle)) return font;
      }
      return null;
    };
    expect(fontOf("bold words")).toBeTruthy();
    expect(fontOf("bold words")).toBe(fontOf("Summary"));
    expect(fontOf("Intro with")).not.toBe(fontOf("bold words"));
    // Page by page (each page's content stream), the last line drawn is never a heading.
    const streams = [...source.matchAll(/stream\r?\n([\s\S]*?)endstream/g)].map((m) => m[1]!).filter((c) => /TJ/.test(c));
    expect(streams.length).toBeGreaterThan(3);
    const headings = new Set([...sections.map((_, i) => `Section${i + 1}heading`), "Summary", "Pages", "Decisions", "Files", "Keydates", "Peopletocontact", "Openrisks", "Openquestions", "Hand-offform", "Dealataglance", "People", "Stagetimeline", "Mutualactionplan", "LongPage", "Longpage"]);
    for (const content of streams.slice(0, -1)) {
      const lines = [...content.matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ/g)]
        .map((m) => [...m[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, "hex").toString("latin1")).join(""));
      const last = squash(lines.at(-1) ?? "");
      expect(headings.has(last), `a page ends with the heading ${last}`).toBe(false);
    }
  });

  it("shows what changed since the hand-off on a page edited afterwards, and a page added since", async () => {
    const { owner, delivery, externalViewer, room, sharedPage, shared } = await handedOffRoom();
    const added = uniqueLabel("NEWTEXT");
    await must(server, owner, `/pages/${sharedPage}`, { method: "PATCH", body: { markdown: `## Scope\n\n${shared.pageText}\n\nPhase two: ${added}` } }, 200);
    const newPage = uniqueLabel("LATEPAGE");
    await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: newPage, visibility: "shared", markdown: "Written after." } }, 201);

    for (const reader of [delivery, externalViewer]) {
      const r = (await api(reader, `/rooms/${room.id}/handoff`)).body;
      const page = r.pages.find((p: any) => p.id === sharedPage);
      expect(page.changedSinceHandoff).toBe(true);
      expect(page.handoffVersion.markdown).not.toContain(added);
      expect(page.currentMarkdown).toContain(added);
      expect(page.diff.from).toBe(page.handoffVersion.number);
      const addedText = page.diff.blocks.filter((b: any) => b.change !== "same").flatMap((b: any) => b.segments.filter((x: any) => x.type === "added").map((x: any) => x.text)).join(" ");
      expect(addedText).toContain(added);
      const late = r.pages.find((p: any) => p.title === newPage);
      expect(late).toMatchObject({ handoffVersion: null, addedSinceHandoff: true, changedSinceHandoff: true });
    }
    const md = (await raw(delivery, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    expect(md).toContain("#### Changed since hand-off");
    expect(md).toMatch(new RegExp(`\\+ .*${added}`));
    expect(squash(pdfText((await raw(delivery, `/rooms/${room.id}/handoff?format=pdf`)).bytes))).toContain(added);
  });

  it("before any hand-off answers 200 as the deal summary so far; unknown format is a 400; outsiders get 404", async () => {
    const { owner, room, externalEditor, orgMember, outsider } = await roomWithCast(server);
    await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Notes", visibility: "shared", markdown: "So far." } }, 201);
    const r = await api(externalEditor, `/rooms/${room.id}/handoff`);
    expect(r.status).toBe(200);
    expect(r.body.handoff).toBeNull();
    expect(r.body.pages[0]).toMatchObject({ title: "Notes", handoffVersion: null, changedSinceHandoff: false, diff: null });
    expect(r.body.pages[0].currentMarkdown).toContain("So far.");
    const md = (await raw(owner, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    expect(md).toContain("Not handed off yet");
    expect(md).toContain("So far.");

    const bad = await api(owner, `/rooms/${room.id}/handoff?format=docx`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "invalid_input", fields: { format: expect.any(String) } });
    for (const who of [orgMember, outsider]) {
      expect((await api(who, `/rooms/${room.id}/handoff?format=docx`)).status).toBe(404);
      expect((await api(who, `/rooms/${room.id}/export`)).status).toBe(404);
    }
  });

  it("exports read file cards for their reader: the shared file by name, an internal one as not available", async () => {
    const { owner, room, externalEditor } = await roomWithCast(server);
    const internalName = `${uniqueLabel("intcard")}.txt`;
    const sharedName = `${uniqueLabel("shrcard")}.txt`;
    const internalFile = await uploadFile(server, owner.token, room.id, internalName, "internal bytes", { visibility: "internal" });
    const sharedFile = await uploadFile(server, owner.token, room.id, sharedName, "shared bytes", { visibility: "shared" });
    expect([internalFile.status, sharedFile.status]).toEqual([201, 201]);
    const markdown = `Attached:\n\n[[file:${sharedFile.body.id}]]\n\n[[file:${internalFile.body.id}]]`;
    await must(server, owner, `/rooms/${room.id}/pages`, { body: { title: "Attachments", visibility: "shared", markdown } }, 201);

    const buyer = (await raw(externalEditor, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    expect(buyer).toContain(`File: ${sharedName}`);
    expect(buyer).toContain("File not available");
    expect(buyer).not.toContain(internalName);
    const archive = unzip((await raw(externalEditor, `/rooms/${room.id}/export`)).bytes);
    const current = [...archive].find(([name]) => name.endsWith("attachments/current.md"))?.[1];
    expect(current).toContain(`File: ${sharedName}`);
    expect([...archive.values()].some((text) => text.includes(internalName))).toBe(false);

    const seller = (await raw(owner, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
    expect(seller).toContain(`File: ${internalName}`);
  });

  it("shows mentions as names, never as their codes: record excerpts, Markdown, PDF, archived threads, notifications, search", async () => {
    const { owner, room, externalEditor, internalEditor } = await roomWithCast(server);
    const word = uniqueLabel("pilotlength").toLowerCase();
    const mention = (u: TestUser) => `@[${u.name}](${u.id})`;
    const question = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: "SSO tenant", visibility: "shared", body: `Can ${mention(externalEditor)} confirm the tenant?` } }, 201)).id as string;
    const decided = (await must(server, owner, `/rooms/${room.id}/threads`, { body: { title: "Pilot length", visibility: "shared", body: "How long is the pilot?" } }, 201)).id as string;
    await must(server, owner, `/threads/${decided}/messages`, { body: { body: `Agreed with ${mention(externalEditor)} and ${mention(internalEditor)}: 90 days, ${word}.` } }, 201);
    await must(server, owner, `/threads/${decided}/resolve`, {}, 200);
    const codes = [`](${externalEditor.id})`, `](${internalEditor.id})`, "@["];
    const noCodes = (text: string, where: string) => {
      for (const code of codes) expect(text, `${where} shows a mention's code`).not.toContain(code);
    };

    for (const reader of [owner, externalEditor]) {
      const record = (await api(reader, `/rooms/${room.id}/handoff`)).body;
      const decision = record.decisions.find((d: any) => d.threadId === decided);
      expect(decision.message.excerpt).toBe(`Agreed with @${externalEditor.name} and @${internalEditor.name}: 90 days, ${word}.`);
      const open = record.openQuestions.find((q: any) => q.threadId === question);
      expect(open.lastMessage.excerpt).toBe(`Can @${externalEditor.name} confirm the tenant?`);
      noCodes(JSON.stringify([record.decisions, record.openQuestions]), "the record's excerpts");

      const md = (await raw(reader, `/rooms/${room.id}/handoff?format=markdown`)).bytes.toString("utf8");
      expect(md).toContain(`@${externalEditor.name}`);
      noCodes(md, "the Markdown record");
      const pdf = pdfText((await raw(reader, `/rooms/${room.id}/handoff?format=pdf`)).bytes);
      expect(squash(pdf)).toContain(squash(`@${externalEditor.name}`));
      noCodes(pdf, "the PDF record");

      const zip = unzip((await raw(reader, `/rooms/${room.id}/export`)).bytes);
      const archived = [...zip].find(([name, text]) => name.startsWith("threads/") && text.startsWith("# Pilot length"));
      expect(archived, "the archived thread").toBeTruthy();
      expect(archived![1]).toContain(`Agreed with @${externalEditor.name} and @${internalEditor.name}: 90 days`);
      for (const [name, text] of zip) if (name.startsWith("threads/")) noCodes(text, name);

      const found = (await api(reader, `/rooms/${room.id}/search?q=${word}`)).body.items.filter((i: any) => i.type === "message");
      expect(found).toHaveLength(1);
      noCodes(JSON.stringify(found), "search");
    }

    // The person mentioned reads the message as names in their notifications (and so in the digest).
    const inbox = (await api(externalEditor, "/notifications")).body.items as any[];
    const mentioned = inbox.filter((n) => n.kind === "mention" && (n.threadId === decided || n.threadId === question));
    expect(mentioned.map((n) => n.excerpt).sort()).toEqual([`Agreed with @${externalEditor.name} and @${internalEditor.name}: 90 days, ${word}.`, `Can @${externalEditor.name} confirm the tenant?`]);
  });
});
