import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    expect(files.get("plan.md")).toContain(`- [ ] ${shared.step}`);
    expect([...files.values()].join("\n")).toContain(shared.message);

    const ownerZip = unzip((await raw(owner, `/rooms/${room.id}/export`)).bytes);
    const everything = [...ownerZip.values()].join("\n");
    for (const text of [secret.page, secret.pageText, secret.message, secret.file, secret.step]) expect(everything).toContain(text);
    const version = [...ownerZip.keys()].find((n) => /versions\/\d+\.md$/.test(n))!;
    expect(ownerZip.get(version)).toMatch(/- Number: \d+\n- Reason: .+\n- Date: .+\n- Authors: /);
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
});
