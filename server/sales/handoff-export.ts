import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import type { Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { csvLines } from "../csv.ts";
import { contentDisposition } from "../files/names.ts";
import { plainText } from "../threads/markdown.ts";
import { listMessages } from "../threads/messages.ts";
import { listThreads } from "../threads/threads.ts";
import { mentionNamesOf } from "../threads/views.ts";
import { parseInput } from "../validation.ts";
import { fileCardLinesFor } from "../wiki/file-cards.ts";
import { getVersion, listVersions, type VersionSummary } from "../wiki/versions.ts";
import { formatDay, recordDocument, renderMarkdown } from "./handoff-document.ts";
import { handoffRecord, recordStanding, type HandoffRecord } from "./handoff-record.ts";

/**
 * Exports of the hand-off record (Markdown, PDF) and of the whole room (a zip archive), for one
 * reader: everything comes from the record and the services it is built on, so an export holds
 * exactly what that reader could read item by item. See docs/api.md "Hand-off record" and
 * "Room archive".
 */

/** Bounds of the room archive, so a huge room cannot exhaust the server (documented in docs/api.md). */
export const ARCHIVE_LIMITS: {
  versionsPerPage: number; threads: number; messagesPerThread: number;
  /** A file larger than this is listed in files.csv (with its SHA-256) but its bytes are not added. */
  fileBytes: number;
  /** The bytes of all files together; files past it are listed only. */
  totalFileBytes: number;
} = { versionsPerPage: 50, threads: 500, messagesPerThread: 1000, fileBytes: 25 * 1024 * 1024, totalFileBytes: 100 * 1024 * 1024 };

const Format = z.object({
  format: z.enum(["json", "markdown", "pdf"], { error: 'must be "json", "markdown" or "pdf"' }).optional(),
});
export type RecordFormat = "json" | "markdown" | "pdf";

/** The record in the format asked for; the reader is checked first, so an outsider gets 404 whatever the format. */
export async function recordFor(ctx: ActorContext, roomId: string | undefined, query: unknown): Promise<{ format: RecordFormat; record: HandoffRecord }> {
  const standing = await recordStanding(ctx, roomId);
  const raw = (query ?? {}) as Record<string, unknown>;
  const { format = "json" } = parseInput(Format, { format: raw.format });
  const record = await handoffRecord(ctx, roomId);
  // JSON keeps the page markdown exactly as the Pages API gives it; documents for people read cards.
  return { format, record: format === "json" ? record : await withReadableFileCards(ctx.sql, standing, record) };
}

/** `[[file:id]]` lines become "File: name (type · size · version)" or "File not available", for this reader. */
async function withReadableFileCards(sql: Tx, standing: Standing, record: HandoffRecord): Promise<HandoffRecord> {
  const pages = [];
  for (const page of record.pages) {
    pages.push({
      ...page,
      currentMarkdown: await fileCardLinesFor(sql, standing, page.currentMarkdown),
      handoffVersion: page.handoffVersion && { ...page.handoffVersion, markdown: await fileCardLinesFor(sql, standing, page.handoffVersion.markdown) },
    });
  }
  return { ...record, pages };
}

export function slugify(text: string, fallback: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/g, "");
  return slug || fallback;
}

/** File names for downloads: `<room>-handoff.md`, `<room>-handoff.pdf`, `<room>-archive.zip`. */
export const exportName = (record: HandoffRecord, suffix: string) => `${slugify(record.room.name, "room")}-${suffix}`;

export function recordMarkdown(record: HandoffRecord): string {
  return renderMarkdown(recordDocument(record));
}

/** Streams the record as a PDF into `out` (the response), yielding between blocks so it flushes as it goes. */
export async function writeRecordPdf(record: HandoffRecord, out: Writable, options: { compress: boolean }): Promise<void> {
  // pdfkit (and its fonts) load on the first PDF, not at start (docs/performance.md, "Memory at start").
  const { createRecordPdf, drawBlock, pacer } = await import("./handoff-pdf.ts");
  const blocks = recordDocument(record);
  const doc = createRecordPdf({ title: `Hand-off record: ${record.room.name}`, compress: options.compress });
  doc.pipe(out);
  // Drawing yields between pieces of work (handoff-pdf.ts `pacer`), so a big page never holds the event loop.
  const pace = pacer();
  for (const [i, block] of blocks.entries()) {
    await drawBlock(doc, block, blocks.slice(i + 1, i + 6), pace);
    if (out.writableNeedDrain) await once(out, "drain");
    else await pace();
  }
  const done = once(out, "finish");
  doc.end();
  await done;
}

// ── The room archive ──────────────────────────────────────────────────────────────────────

const REASONS: Record<VersionSummary["reason"], string> = {
  auto: "autosaved", manual: "saved", stage: "stage change", handoff: "hand-off", restore: "restored",
};

function unique(slug: string, taken: Set<string>): string {
  let name = slug;
  for (let i = 2; taken.has(name); i++) name = `${slug}-${i}`;
  taken.add(name);
  return name;
}

function readme(record: HandoffRecord): string {
  const scope = record.internalReader
    ? "everything in the room you may read: internal and shared items"
    : "only the items shared with the buyer's team (internal items of the seller's team are not part of it)";
  return `# ${record.room.name} — room archive

Exported ${record.generatedAt} from Dealroom. It holds ${scope}.

- \`handoff.md\` — the hand-off record: the deal at a glance, people, the stage timeline with the
  filled forms, every page at its hand-off version with what changed since, the plan, open
  questions, files${record.internalReader ? ", the stakeholder map and qualification" : ""}.
- \`pages/<page>/current.md\` — each page's current content, as Markdown.
- \`pages/<page>/versions/<n>.md\` — each saved version of the page, with its number, reason,
  date and authors (at most the newest ${ARCHIVE_LIMITS.versionsPerPage} versions per page).
- \`threads/<thread>.md\` — each thread with all its messages (at most ${ARCHIVE_LIMITS.threads} threads,
  ${ARCHIVE_LIMITS.messagesPerThread} messages each), resolved ones included.
- \`files/<name>\` — each file's bytes, at the latest version you may read, while a file is at
  most ${mib(ARCHIVE_LIMITS.fileBytes)} and all of them together at most ${mib(ARCHIVE_LIMITS.totalFileBytes)}.
- \`files.csv\` — the file list: name, visibility, version, size, SHA-256, who uploaded it and when,
  and \`archive_path\` where its bytes are in this archive. A file with an empty \`archive_path\`
  is past the size bound and not in the archive; download it from the room (the SHA-256 lets you
  check a copy).
- \`plan.md\` — the mutual action plan as a checklist.
`;
}

const mib = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;

/** Which files' bytes go into the archive (in record order, first come first served within the bounds), by file id → path. */
function archivedFiles(record: HandoffRecord): Map<string, string> {
  const out = new Map<string, string>();
  const names = new Set<string>();
  let total = 0;
  for (const f of record.files) {
    if (f.size > ARCHIVE_LIMITS.fileBytes || total + f.size > ARCHIVE_LIMITS.totalFileBytes) continue;
    total += f.size;
    const dot = f.name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [f.name.slice(0, dot), f.name.slice(dot).toLowerCase().replace(/[^.a-z0-9]/g, "")] : [f.name, ""];
    out.set(f.id, `files/${unique(slugify(stem, "file"), names)}${ext}`);
  }
  return out;
}

function planMarkdown(record: HandoffRecord): string {
  const lines = [`# Mutual action plan — ${record.room.name}`, ""];
  lines.push(`Expected close: ${formatDay(record.plan.expectedCloseDate)} · projected close: ${formatDay(record.plan.projectedCloseDate)}`, "");
  if (record.plan.items.length === 0) lines.push("_No steps._");
  for (const s of record.plan.items) {
    const meta = [s.owner?.name ?? "no owner", s.dueDate ? `due ${s.dueDate}` : "no date", s.status, s.visibility === "internal" ? "internal" : ""].filter(Boolean).join(" · ");
    lines.push(`- [${s.status === "done" ? "x" : " "}] ${s.title} — ${meta}`);
    if (s.notes.trim()) lines.push(...s.notes.trim().split("\n").map((l) => `  ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

function filesCsv(record: HandoffRecord, archived: Map<string, string>): string {
  const rows = [["name", "visibility", "version", "size", "sha256", "uploaded_by", "uploaded_at", "archive_path"]];
  for (const f of record.files) rows.push([f.name, f.visibility, String(f.version), String(f.size), f.sha256, f.uploadedBy?.name ?? "", f.updatedAt, archived.get(f.id) ?? ""]);
  return csvLines(rows);
}

/**
 * Checks the reader may export the room and builds the record (before anything is sent, so a
 * refusal is an ordinary error answer), then returns a function that streams the zip into `out`.
 * Entries are made and added one at a time, each after the previous one went out.
 */
export async function prepareRoomArchive(ctx: ActorContext, roomId: string | undefined) {
  const standing = await recordStanding(ctx, roomId, "room.export");
  const record = await withReadableFileCards(ctx.sql, standing, await handoffRecord(ctx, roomId));
  const store = ctx.config.env === "test";
  return {
    record,
    filename: exportName(record, "archive.zip"),
    async streamTo(out: Writable): Promise<void> {
      // Stored (not deflated) under test, so the permission matrix can search the bytes for leaks.
      // The ZIP writer loads on the first archive, not at start.
      const { default: archiver } = await import("archiver");
      const archive = archiver("zip", store ? { store: true } : { zlib: { level: 6 } });
      let failed: Error | null = null;
      archive.on("error", (error) => {
        failed = error;
      });
      archive.on("warning", (error) => ctx.log.warn({ err: error }, "room archive warning"));
      let closed = false;
      out.once("close", () => {
        closed = true;
      });
      archive.pipe(out);
      const add = async (name: string, content: string | Readable) => {
        if (closed || failed) throw failed ?? new Error("the client went away");
        const processed = once(archive, "entry");
        archive.append(content, { name, date: new Date(record.generatedAt) });
        await processed;
        if (out.writableNeedDrain) await once(out, "drain");
      };
      try {
        await add("README.md", readme(record));
        await add("handoff.md", recordMarkdown(record));
        const pageSlugs = new Set<string>();
        for (const page of record.pages) {
          const dir = `pages/${unique(slugify(page.title, "page"), pageSlugs)}`;
          await add(`${dir}/current.md`, `# ${page.title}\n\n_${page.visibility} · current content · updated ${page.updatedAt}_\n\n${page.currentMarkdown.trim()}\n`);
          const versions = (await listVersions(ctx, page.id)).slice(0, ARCHIVE_LIMITS.versionsPerPage);
          for (const summary of versions) {
            const v = await getVersion(ctx, page.id, String(summary.number));
            const authors = v.authors.map((a) => a.name).join(", ") || "—";
            const header = [`# ${v.title} — version ${v.number}`, "", `- Number: ${v.number}`, `- Reason: ${REASONS[v.reason]}${v.label ? ` (${v.label})` : ""}`, `- Date: ${v.createdAt}`, `- Authors: ${authors}`];
            await add(`${dir}/versions/${v.number}.md`, `${header.join("\n")}\n\n---\n\n${(await fileCardLinesFor(ctx.sql, standing, v.markdown)).trim()}\n`);
          }
        }
        const threadSlugs = new Set<string>();
        for (const thread of (await listThreads(ctx, record.room.id)).slice(0, ARCHIVE_LIMITS.threads)) {
          const messages = (await listMessages(ctx, thread.id)).slice(0, ARCHIVE_LIMITS.messagesPerThread);
          const lines = [`# ${thread.title}`, "", `_${thread.visibility} · ${thread.status}${thread.page ? ` · about the page “${thread.page.title}”` : ""} · started ${thread.createdAt}_`, ""];
          // The Markdown as written, with each mention as the name the message shows (never its code).
          const mentions = await mentionNamesOf(ctx.sql, messages.map((m) => m.id));
          for (const m of messages) {
            const text = m.deleted ? "_Deleted._" : plainText(m.body, mentions.get(m.id)).trim();
            lines.push(`## ${m.author?.name ?? "Someone"} — ${m.createdAt}${m.editedAt ? " (edited)" : ""}`, "", text, "");
          }
          await add(`threads/${unique(slugify(thread.title, "thread"), threadSlugs)}.md`, `${lines.join("\n")}\n`);
        }
        // record.files are the files this reader sees, each at the latest version they may read
        // (listFiles / latestVisibleVersion), so its sha256 names exactly the bytes they may have.
        const archived = archivedFiles(record);
        for (const f of record.files) {
          const path = archived.get(f.id);
          if (path) await add(path, await ctx.storage.get(f.sha256));
        }
        await add("files.csv", filesCsv(record, archived));
        await add("plan.md", planMarkdown(record));
        const finished = once(out, "finish");
        await archive.finalize();
        await finished;
      } catch (error) {
        // Headers and part of the zip are out: all we can do is cut the download short.
        archive.abort();
        if (!closed) ctx.log.error({ err: error, roomId: record.room.id }, "the room archive failed part way");
        (out as Writable & { destroy(error?: Error): void }).destroy();
      }
    },
  };
}
