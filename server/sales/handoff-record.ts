import { authorize, can, loadStanding, visibleWhere, type Standing, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { listFiles, type FileJson } from "../files/files.ts";
import { listParticipants, type ParticipantView } from "../services/participants.ts";
import { getRoom, type Room } from "../services/rooms.ts";
import { plainText } from "../threads/markdown.ts";
import { listThreads } from "../threads/threads.ts";
import { mentionNamesOf } from "../threads/views.ts";
import type { DiffBlock } from "../wiki/diff.ts";
import { listPages } from "../wiki/pages.ts";
import { compareWithCurrent, findVersion } from "../wiki/versions.ts";
import { latestHandoff, type HandoffTrigger } from "./handoff.ts";
import { listPlan, type PlanStep } from "./plan.ts";
import { getQualification, type Qualification } from "./qualification.ts";
import { listStakeholders, type Stakeholder } from "./stakeholders.ts";
import { stageTimeline, type StageTimeline } from "./timeline.ts";

/**
 * The hand-off record (issue 7, docs/api.md "Hand-off record"): the one page a delivery engineer
 * reads first. It is composed for one reader from the services that already decide what that
 * reader may see (pages, versions, threads, files, plan, participants, timeline): an external
 * participant's record holds shared items only, and the internal-only parts (stakeholder map,
 * qualification) are left out altogether. Before any hand-off it is the deal summary so far:
 * pages at their current content, no diffs.
 */

/** Bounds, so a huge room cannot make one request expensive. Past them the record says what it left out. */
export const RECORD_LIMITS = { pages: 200, openQuestions: 100, files: 500, decisions: 100 } as const;
const EXCERPT_CHARS = 280;

export interface RecordPage {
  id: string;
  title: string;
  visibility: Visibility;
  /** Depth in the page tree as this reader sees it (0: top level). */
  depth: number;
  /** The version frozen at the hand-off; null before any hand-off and for pages created since. */
  handoffVersion: { number: number; title: string; createdAt: string; authors: { id: string; name: string }[]; markdown: string; html: string } | null;
  /** True when the text or the title differs from the hand-off version, or the page is new since the hand-off. */
  changedSinceHandoff: boolean;
  /**
   * The page was added after the hand-off as this reader sees it: created since, or (for an
   * external reader) internal at the hand-off and shared since. Its diff starts from an empty page.
   */
  addedSinceHandoff: boolean;
  /** From the hand-off version (`from`, null for a page added since) to the current content; null when unchanged or before any hand-off. */
  diff: { from: number | null; to: "current"; blocks: DiffBlock[] } | null;
  currentMarkdown: string;
  currentHtml: string;
  /** A short plain-text opening of the page (its hand-off version when there is one), for the collapsed view. */
  summary: string;
  updatedAt: string;
}

export interface OpenQuestion {
  threadId: string;
  title: string;
  visibility: Visibility;
  page: { id: string; title: string } | null;
  createdAt: string;
  lastMessageAt: string | null;
  messageCount: number;
  lastMessage: { author: { id: string; name: string } | null; excerpt: string; createdAt: string } | null;
}

/** A resolved thread's outcome: who resolved it when, and the message it ended on. */
export interface RecordDecision {
  threadId: string;
  title: string;
  visibility: Visibility;
  page: { id: string; title: string } | null;
  resolvedAt: string | null;
  resolvedBy: { id: string; name: string } | null;
  /** The thread's last message (what was decided), or null when it has none. */
  message: { author: { id: string; name: string } | null; excerpt: string; createdAt: string } | null;
}

/**
 * What the record opens with (docs/api.md "Hand-off record"): the filled hand-off form, key
 * dates, the people to contact, open risks and open questions, all from parts this reader sees.
 */
export interface RecordSummary {
  /** The form filled on the move that handed the room off (or the latest one the reader sees); null when none. */
  form: { stage: string; filledAt: string; filledBy: { id: string; name: string } | null; visibility: Visibility; fields: { key: string; label: string; value: string }[] } | null;
  keyDates: { label: string; date: string }[];
  /** E-mails follow the participants rule: internal people's e-mails only for internal readers. */
  contacts: { userId: string; name: string; side: "internal" | "external"; role: string; email: string | null }[];
  risks: { kind: "blocked_step" | "overdue_step" | "qualification"; title: string; detail: string }[];
  openQuestions: { threadId: string; title: string }[];
}

export interface HandoffRecord {
  summary: RecordSummary;
  /** Decisions made in resolved threads this reader sees, newest first. */
  decisions: RecordDecision[];
  room: Pick<Room, "id" | "name" | "account" | "value" | "stage" | "status" | "expectedCloseDate" | "description" | "createdAt"> & {
    /** The last due date of the plan steps this reader sees. */
    projectedCloseDate: string | null;
  };

  handoff: { id: string; trigger: HandoffTrigger; madeAt: string; madeBy: { id: string; name: string } } | null;
  people: { internal: ParticipantView[]; external: ParticipantView[] };
  timeline: StageTimeline;
  pages: RecordPage[];
  plan: { items: PlanStep[]; projectedCloseDate: string | null; expectedCloseDate: string | null };
  openQuestions: OpenQuestion[];
  files: FileJson[];
  /** Only for internal readers: the key is absent for the buyer's side. */
  stakeholders?: Stakeholder[];
  /** Only for internal readers: the key is absent for the buyer's side. */
  qualification?: Qualification;
  /** How many items the bounds (RECORD_LIMITS) left out; all zero in an ordinary room. */
  omitted: { pages: number; openQuestions: number; files: number; decisions: number };
  generatedAt: string;
  /** Whether the reader is on the internal side (the UI labels internal parts from this). */
  internalReader: boolean;
}

/** The reader's standing, checked for reading the record: 404 for anyone who may not see the room. */
export async function recordStanding(ctx: ActorContext, roomId: string | undefined, action: "handoff.read" | "room.export" = "handoff.read"): Promise<Standing> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, action);
  return standing;
}

export async function handoffRecord(ctx: ActorContext, roomId: string | undefined): Promise<HandoffRecord> {
  const standing = await recordStanding(ctx, roomId);
  const id = standing.roomId;
  const internalReader = can(standing, "internal.read");

  const [room, participants, timeline, pageList, plan, threads, files, handoff] = await Promise.all([
    getRoom(ctx, id),
    listParticipants(ctx, id),
    stageTimeline(ctx, id),
    listPages(ctx, id),
    listPlan(ctx, id),
    listThreads(ctx, id),
    listFiles(ctx, id),
    latestHandoff(ctx.sql, id),
  ]);

  // The hand-off's pages are every page of the room; only the ones this reader sees (pageList) are read.
  const frozen = new Map((handoff?.pages ?? []).map((p) => [p.pageId, p.versionNumber]));
  const pages: RecordPage[] = [];
  for (const page of pageList.slice(0, RECORD_LIMITS.pages)) {
    const number = frozen.get(page.id);
    // A page that was internal at the hand-off has no hand-off version an external reader may
    // see (docs/decisions/012-history-visibility.md): for them it was added since, like a new page.
    const version = number !== undefined ? await findVersion(ctx, page.id, number) : null;
    const addedSinceHandoff = handoff !== null && version === null;
    const current = await compareWithCurrent(ctx, page.id, version ? String(version.number) : null);
    const changedSinceHandoff = addedSinceHandoff || (version !== null && (version.markdown !== current.markdown || version.title !== page.title));
    pages.push({
      id: page.id,
      title: page.title,
      visibility: page.visibility,
      depth: page.depth,
      handoffVersion: version
        ? { number: version.number, title: version.title, createdAt: version.createdAt, authors: version.authors, markdown: version.markdown, html: version.html }
        : null,
      changedSinceHandoff,
      addedSinceHandoff,
      diff: changedSinceHandoff ? { from: version?.number ?? null, to: "current", blocks: current.blocks } : null,
      currentMarkdown: current.markdown,
      currentHtml: current.html,
      summary: excerpt((version?.markdown ?? current.markdown).replace(/\[([^\]]*)\]\([^)]*\)/g, "$1"), 240),
      updatedAt: page.updatedAt,
    });
  }

  const open = threads.filter((t) => t.status === "open");
  const shownQuestions = open.slice(0, RECORD_LIMITS.openQuestions);
  const resolved = threads.filter((t) => t.status === "resolved")
    .sort((a, b) => (b.resolvedAt ?? "").localeCompare(a.resolvedAt ?? ""));
  const shownDecisions = resolved.slice(0, RECORD_LIMITS.decisions);
  const last = await lastMessages(ctx, standing, [...shownQuestions, ...shownDecisions].map((t) => t.id));
  const qualification = internalReader ? await getQualification(ctx, id) : undefined;
  const decisions: RecordDecision[] = shownDecisions.map((t) => ({
    threadId: t.id, title: t.title, visibility: t.visibility, page: t.page,
    resolvedAt: t.resolvedAt, resolvedBy: t.resolvedBy, message: last.get(t.id) ?? null,
  }));
  const summary = summarize({ room, handoff, participants, timeline, plan, qualification, questions: shownQuestions });

  return {
    summary,
    decisions,
    room: {
      id: room.id, name: room.name, account: room.account, value: room.value, stage: room.stage, status: room.status,
      expectedCloseDate: room.expectedCloseDate, projectedCloseDate: plan.projectedCloseDate, description: room.description, createdAt: room.createdAt,
    },
    handoff: handoff ? { id: handoff.id, trigger: handoff.trigger, madeAt: handoff.madeAt, madeBy: handoff.madeBy } : null,
    people: { internal: participants.filter((p) => p.side === "internal"), external: participants.filter((p) => p.side === "external") },
    timeline,
    pages,
    plan: { items: plan.items.map(({ abilities: _abilities, ...step }) => step), projectedCloseDate: plan.projectedCloseDate, expectedCloseDate: plan.expectedCloseDate },
    openQuestions: shownQuestions.map((t) => ({
      threadId: t.id, title: t.title, visibility: t.visibility, page: t.page, createdAt: t.createdAt,
      lastMessageAt: t.lastMessageAt, messageCount: t.messageCount, lastMessage: last.get(t.id) ?? null,
    })),
    files: files.slice(0, RECORD_LIMITS.files),
    ...(internalReader
      ? { stakeholders: (await listStakeholders(ctx, id)).items, qualification: qualification! }
      : {}),
    omitted: {
      pages: Math.max(0, pageList.length - RECORD_LIMITS.pages),
      openQuestions: Math.max(0, open.length - RECORD_LIMITS.openQuestions),
      files: Math.max(0, files.length - RECORD_LIMITS.files),
      decisions: Math.max(0, resolved.length - RECORD_LIMITS.decisions),
    },
    generatedAt: new Date().toISOString(),
    internalReader,
  };
}

/** The summary, from parts already filtered for this reader. */
function summarize(input: {
  room: Room;
  handoff: { madeAt: string } | null;
  participants: ParticipantView[];
  timeline: StageTimeline;
  plan: { items: PlanStep[]; projectedCloseDate: string | null; expectedCloseDate: string | null };
  qualification: Qualification | undefined;
  questions: { id: string; title: string }[];
}): RecordSummary {
  const { room, handoff, timeline, plan } = input;
  const until = handoff?.madeAt ?? "9999";
  const filled = [...timeline.moves].reverse().find((m) => m.form && m.movedAt <= until) ?? [...timeline.moves].reverse().find((m) => m.form);
  const names = new Map((filled?.form?.people ?? []).map((p) => [p.id, p.name]));
  const form: RecordSummary["form"] = filled?.form
    ? {
        stage: filled.from, filledAt: filled.movedAt, filledBy: filled.movedBy, visibility: filled.form.visibility,
        fields: filled.form.fields.map((f) => {
          const v = filled.form!.values[f.key];
          const value = v === undefined ? "" : f.type === "person" ? (names.get(String(v)) ?? "Former participant") : String(v);
          return { key: f.key, label: f.label, value };
        }),
      }
    : null;
  const keyDates: RecordSummary["keyDates"] = [{ label: "Room created", date: room.createdAt.slice(0, 10) }];
  if (handoff) keyDates.push({ label: "Handed off", date: handoff.madeAt.slice(0, 10) });
  if (plan.expectedCloseDate) keyDates.push({ label: "Expected close", date: plan.expectedCloseDate });
  if (plan.projectedCloseDate) keyDates.push({ label: "Projected close (plan)", date: plan.projectedCloseDate });
  const requiredBy = input.qualification?.items.find((i) => i.requiredBy)?.requiredBy;
  if (requiredBy) keyDates.push({ label: "Required by (qualification)", date: requiredBy });
  for (const step of plan.items) if (step.dueDate && step.status !== "done") keyDates.push({ label: `Due: ${step.title}`, date: step.dueDate });
  keyDates.sort((a, b) => a.date.localeCompare(b.date));
  const risks: RecordSummary["risks"] = [];
  for (const step of plan.items) {
    if (step.status === "blocked") risks.push({ kind: "blocked_step", title: step.title, detail: step.notes ? excerpt(step.notes, 160) : "Blocked" });
    else if (step.overdue) risks.push({ kind: "overdue_step", title: step.title, detail: `Overdue since ${step.dueDate}` });
  }
  for (const q of input.qualification?.items ?? []) {
    if (q.status === "no") risks.push({ kind: "qualification", title: q.label, detail: q.note ? excerpt(q.note, 160) : "Answered no" });
  }
  return {
    form,
    keyDates,
    contacts: input.participants.map((p) => ({ userId: p.userId, name: p.name, side: p.side, role: p.role, email: p.email ?? null })),
    risks,
    openQuestions: input.questions.map((q) => ({ threadId: q.id, title: q.title })),
  };
}

/**
 * The newest message of each of `threadIds` (threads listThreads gave this reader), as a short
 * plain excerpt. The visibility condition is asked again here, in SQL, so this query can never
 * reach a thread the reader may not see even if it were handed one.
 */
async function lastMessages(ctx: ActorContext, standing: Standing, threadIds: string[]) {
  const out = new Map<string, NonNullable<OpenQuestion["lastMessage"]>>();
  if (threadIds.length === 0) return out;
  const rows = await ctx.sql<{ threadId: string; messageId: string; body: string; authorId: string | null; authorName: string | null; createdAt: Date }[]>`
    select distinct on (m.thread_id) m.thread_id as "threadId", m.id as "messageId", m.body, u.id as "authorId", u.name as "authorName", m.created_at as "createdAt"
    from messages m
    join threads t on t.id = m.thread_id
    left join users u on u.id = m.author_id
    where m.thread_id = any(${threadIds}::uuid[]) and t.room_id = ${standing.roomId}
      and ${visibleWhere(ctx.sql, standing, "t.visibility")} and m.deleted_at is null
    order by m.thread_id, m.seq desc`;
  const mentions = await mentionNamesOf(ctx.sql, rows.map((r) => r.messageId));
  for (const r of rows) {
    out.set(r.threadId, {
      author: r.authorId && r.authorName ? { id: r.authorId, name: r.authorName } : null,
      // Mentions read as names here and in every export made from the record.
      excerpt: excerpt(plainText(r.body, mentions.get(r.messageId))),
      createdAt: r.createdAt.toISOString(),
    });
  }
  return out;
}

/** A message body as one short line of text. */
export function excerpt(body: string, max = EXCERPT_CHARS): string {
  const flat = body.replace(/```[\s\S]*?```/g, " ").replace(/[*_`>#]+/g, "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}
