import { formatBytes } from "../../shared/format.ts";
import type { DiffBlock } from "../wiki/diff.ts";
import type { HandoffRecord } from "./handoff-record.ts";

/**
 * The hand-off record as a document: a short list of neutral blocks (headings, paragraphs,
 * lists, tables, page content, diffs) that the Markdown and the PDF export both render, so the
 * two always hold the same content. Built from the record, which is already scoped to its
 * reader: nothing here adds or filters anything.
 */

export type DocBlock =
  | { type: "heading"; level: 1 | 2 | 3 | 4; text: string }
  | { type: "paragraph"; text: string; muted?: boolean }
  | { type: "list"; items: { text: string; checked?: boolean; sub?: string }[] }
  | { type: "table"; headers: string[]; rows: string[][] }
  /** A page's content as markdown. */
  | { type: "content"; markdown: string }
  | { type: "diff"; blocks: DiffBlock[] };

const TRIGGERS = { stage: "entered a hand-off stage", won: "closed as won" } as const;

export const formatDay = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : "—");
const formatWhen = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
export function formatMoneyPlain(value: HandoffRecord["room"]["value"]): string {
  if (!value) return "—";
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: value.currency }).format(value.amount / 100);
  } catch {
    return `${(value.amount / 100).toFixed(2)} ${value.currency}`;
  }
}
const days = (n: number) => (n < 1 ? "<1 day" : `${Math.round(n)} ${Math.round(n) === 1 ? "day" : "days"}`);
const tag = (visibility: string) => (visibility === "internal" ? " (internal)" : "");

/** "Handed off on … by … · trigger", or the deal-summary note before any hand-off. */
export function handoffLine(record: HandoffRecord): string {
  const h = record.handoff;
  if (!h) return "Not handed off yet: this is the deal summary so far, with every page at its current content.";
  const move = h.trigger === "stage" ? record.timeline.moves.filter((m) => m.kind === "move" && m.movedAt <= h.madeAt).at(-1) : undefined;
  return `Handed off on ${formatDay(h.madeAt)} by ${h.madeBy.name} · ${move ? `${move.from} → ${move.to}` : TRIGGERS[h.trigger]}`;
}

function formValue(value: unknown, field: { type: string }, people: { id: string; name: string }[]): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field.type === "person") return people.find((p) => p.id === value)?.name ?? "—";
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

export function recordDocument(record: HandoffRecord): DocBlock[] {
  const out: DocBlock[] = [];
  const { room } = record;
  out.push({ type: "heading", level: 1, text: `Hand-off record: ${room.name}` });
  out.push({ type: "paragraph", text: handoffLine(record) });
  out.push({ type: "paragraph", text: `Generated ${formatWhen(record.generatedAt)} for ${record.internalReader ? "the seller's team (internal and shared items)" : "the buyer's team (shared items only)"}.`, muted: true });

  out.push({ type: "heading", level: 2, text: "Deal at a glance" });
  out.push({
    type: "table",
    headers: ["", ""],
    rows: [
      ["Account", room.account],
      ["Value", formatMoneyPlain(room.value)],
      ["Stage", `${room.stage} (${room.status})`],
      ["Expected close", formatDay(room.expectedCloseDate)],
      ["Projected close (plan)", formatDay(room.projectedCloseDate)],
      ["Room opened", formatDay(room.createdAt)],
    ],
  });
  if (room.description.trim()) out.push({ type: "paragraph", text: room.description.trim() });

  out.push({ type: "heading", level: 2, text: "People" });
  const person = (p: HandoffRecord["people"]["internal"][number]) => ({ text: `${p.name} — ${p.role}${p.email ? ` <${p.email}>` : ""}` });
  out.push({ type: "heading", level: 3, text: "Seller's team" });
  out.push(record.people.internal.length ? { type: "list", items: record.people.internal.map(person) } : { type: "paragraph", text: "Nobody.", muted: true });
  out.push({ type: "heading", level: 3, text: "Buyer's team" });
  out.push(record.people.external.length ? { type: "list", items: record.people.external.map(person) } : { type: "paragraph", text: "No guests.", muted: true });

  out.push({ type: "heading", level: 2, text: "Stage timeline" });
  out.push({
    type: "table",
    headers: ["Stage", "Time spent"],
    rows: record.timeline.timeInStages.map((s) => [s.stage, days(s.days)]),
  });
  if (record.timeline.moves.length === 0) out.push({ type: "paragraph", text: "No moves yet.", muted: true });
  for (const move of record.timeline.moves) {
    const what = move.kind === "close" ? `Closed as ${move.status}` : move.kind === "reopen" ? "Reopened" : `${move.from} → ${move.to}`;
    const by = move.movedBy ? ` by ${move.movedBy.name}` : "";
    out.push({ type: "heading", level: 4, text: `${formatDay(move.movedAt)} · ${what}${by}` });
    if (move.reason) out.push({ type: "paragraph", text: `Reason: ${move.reason}` });
    if (move.form) {
      out.push({
        type: "table",
        headers: [`Form${tag(move.form.visibility)}`, "Value"],
        rows: move.form.fields.map((f) => [f.label, formValue(move.form!.values[f.key], f, move.form!.people)]),
      });
    }
  }

  out.push({ type: "heading", level: 2, text: "Pages" });
  if (record.pages.length === 0) out.push({ type: "paragraph", text: "No pages.", muted: true });
  for (const page of record.pages) {
    out.push({ type: "heading", level: 3, text: `${page.title}${tag(page.visibility)}` });
    const v = page.handoffVersion;
    if (v) {
      const authors = v.authors.length ? ` · by ${v.authors.map((a) => a.name).join(", ")}` : "";
      out.push({ type: "paragraph", text: `Hand-off version ${v.number} · ${formatDay(v.createdAt)}${authors}`, muted: true });
      out.push({ type: "content", markdown: v.markdown });
    } else if (page.addedSinceHandoff) {
      out.push({ type: "paragraph", text: "Added after the hand-off.", muted: true });
    } else {
      out.push({ type: "paragraph", text: "Current content.", muted: true });
      out.push({ type: "content", markdown: page.currentMarkdown });
    }
    if (page.diff) {
      out.push({ type: "heading", level: 4, text: "Changed since hand-off" });
      out.push({ type: "diff", blocks: page.diff.blocks });
    } else if (record.handoff && v) {
      out.push({ type: "paragraph", text: "Unchanged since the hand-off.", muted: true });
    }
  }
  if (record.omitted.pages) out.push({ type: "paragraph", text: `${record.omitted.pages} more pages are not in this record.`, muted: true });

  out.push({ type: "heading", level: 2, text: "Mutual action plan" });
  out.push(
    record.plan.items.length
      ? {
          type: "list",
          items: record.plan.items.map((s) => ({
            checked: s.status === "done",
            text: `${s.title}${tag(s.visibility)}`,
            sub: [s.owner ? s.owner.name : "No owner", s.dueDate ? `due ${s.dueDate}` : "no date", s.status === "blocked" ? "blocked" : s.overdue ? "overdue" : ""].filter(Boolean).join(" · "),
          })),
        }
      : { type: "paragraph", text: "No steps.", muted: true },
  );

  out.push({ type: "heading", level: 2, text: "Open questions" });
  out.push(
    record.openQuestions.length
      ? {
          type: "list",
          items: record.openQuestions.map((q) => ({
            text: `${q.title}${tag(q.visibility)} — ${q.messageCount} ${q.messageCount === 1 ? "message" : "messages"}, last ${formatDay(q.lastMessageAt ?? q.createdAt)}`,
            ...(q.lastMessage ? { sub: `${q.lastMessage.author?.name ?? "Someone"}: ${q.lastMessage.excerpt}` } : {}),
          })),
        }
      : { type: "paragraph", text: "No unresolved threads.", muted: true },
  );
  if (record.omitted.openQuestions) out.push({ type: "paragraph", text: `${record.omitted.openQuestions} more open threads are not listed.`, muted: true });

  out.push({ type: "heading", level: 2, text: "Files" });
  out.push(
    record.files.length
      ? {
          type: "table",
          headers: ["Name", "Version", "Size", "Uploaded"],
          rows: record.files.map((f) => [`${f.name}${tag(f.visibility)}`, `v${f.version}`, formatBytes(f.size), `${formatDay(f.createdAt)}${f.uploadedBy ? ` by ${f.uploadedBy.name}` : ""}`]),
        }
      : { type: "paragraph", text: "No files.", muted: true },
  );
  if (record.omitted.files) out.push({ type: "paragraph", text: `${record.omitted.files} more files are not listed.`, muted: true });

  if (record.stakeholders) {
    out.push({ type: "heading", level: 2, text: "Stakeholder map (internal)" });
    out.push(
      record.stakeholders.length
        ? {
            type: "table",
            headers: ["Name", "Title", "Role", "Influence", "Stance"],
            rows: record.stakeholders.map((s) => [s.name, s.title || "—", s.decisionRole.replace(/_/g, " "), s.influence, s.stance]),
          }
        : { type: "paragraph", text: "No stakeholders mapped.", muted: true },
    );
    const notes = record.stakeholders.filter((s) => s.notes.trim());
    if (notes.length) out.push({ type: "list", items: notes.map((s) => ({ text: `${s.name}: ${s.notes.trim()}` })) });
  }
  if (record.qualification) {
    out.push({ type: "heading", level: 2, text: `Qualification (internal) — ${record.qualification.qualified} of ${record.qualification.total}` });
    out.push({
      type: "table",
      headers: ["Item", "Answer", "Note"],
      rows: record.qualification.items.map((q) => [q.label, q.status + (q.requiredBy ? ` (${q.requiredBy})` : ""), q.note || "—"]),
    });
  }
  return out;
}

// ── Markdown ──────────────────────────────────────────────────────────────────────────────

const cell = (text: string) => text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");

/** Page markdown inside the record: its headings pushed below the record's own (## → ####…). */
export function demoteHeadings(markdown: string, by: number): string {
  let fenced = false;
  return markdown
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      if (fenced) return line;
      const m = /^(#{1,6})(\s.*)$/.exec(line);
      return m ? `${"#".repeat(Math.min(6, m[1]!.length + by))}${m[2]}` : line;
    })
    .join("\n");
}

/** A readable text form of a diff: + added, - removed, ~ changed with [-removed-]{+added+} inline. */
export function diffText(blocks: DiffBlock[]): string[] {
  const lines: string[] = [];
  for (const b of blocks) {
    if (b.change === "same") continue;
    const text = b.change === "changed"
      ? b.segments.map((s) => (s.type === "added" ? `{+${s.text}+}` : s.type === "removed" ? `[-${s.text}-]` : s.text)).join("")
      : b.segments.map((s) => s.text).join("");
    const mark = b.change === "added" ? "+" : b.change === "removed" ? "-" : "~";
    lines.push(...text.split("\n").map((l) => `${mark} ${l}`));
  }
  return lines;
}

export function renderMarkdown(blocks: DocBlock[]): string {
  const parts: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case "heading":
        parts.push(`${"#".repeat(b.level)} ${b.text}`);
        break;
      case "paragraph":
        parts.push(b.muted ? `_${b.text}_` : b.text);
        break;
      case "list":
        parts.push(
          b.items
            .map((i) => `- ${i.checked === undefined ? "" : i.checked ? "[x] " : "[ ] "}${i.text}${i.sub ? `\n  ${i.sub}` : ""}`)
            .join("\n"),
        );
        break;
      case "table": {
        const headers = b.headers.every((h) => h === "") ? b.headers.map(() => " ") : b.headers;
        parts.push(
          [`| ${headers.map(cell).join(" | ")} |`, `| ${headers.map(() => "---").join(" | ")} |`, ...b.rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n"),
        );
        break;
      }
      case "content":
        parts.push(b.markdown.trim() ? demoteHeadings(b.markdown.trim(), 4) : "_This page is empty._");
        break;
      case "diff": {
        const lines = diffText(b.blocks);
        parts.push(lines.length ? ["```diff", ...lines.map((l) => l.replace(/```/g, "ʼʼʼ")), "```"].join("\n") : "_Only formatting changed._");
        break;
      }
    }
  }
  return `${parts.join("\n\n")}\n`;
}
