import { authorize, can, loadStanding, visibleWhere, type Standing, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { listFiles, type FileJson } from "../files/files.ts";
import { listParticipants, type ParticipantView } from "../services/participants.ts";
import { getRoom, type Room } from "../services/rooms.ts";
import { listThreads } from "../threads/threads.ts";
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
export const RECORD_LIMITS = { pages: 200, openQuestions: 100, files: 500 } as const;
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

export interface HandoffRecord {
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
  omitted: { pages: number; openQuestions: number; files: number };
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
      updatedAt: page.updatedAt,
    });
  }

  const open = threads.filter((t) => t.status === "open");
  const shownQuestions = open.slice(0, RECORD_LIMITS.openQuestions);
  const last = await lastMessages(ctx, standing, shownQuestions.map((t) => t.id));

  return {
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
      ? { stakeholders: (await listStakeholders(ctx, id)).items, qualification: await getQualification(ctx, id) }
      : {}),
    omitted: {
      pages: Math.max(0, pageList.length - RECORD_LIMITS.pages),
      openQuestions: Math.max(0, open.length - RECORD_LIMITS.openQuestions),
      files: Math.max(0, files.length - RECORD_LIMITS.files),
    },
    generatedAt: new Date().toISOString(),
    internalReader,
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
  const rows = await ctx.sql<{ threadId: string; body: string; authorId: string | null; authorName: string | null; createdAt: Date }[]>`
    select distinct on (m.thread_id) m.thread_id as "threadId", m.body, u.id as "authorId", u.name as "authorName", m.created_at as "createdAt"
    from messages m
    join threads t on t.id = m.thread_id
    left join users u on u.id = m.author_id
    where m.thread_id = any(${threadIds}::uuid[]) and t.room_id = ${standing.roomId}
      and ${visibleWhere(ctx.sql, standing, "t.visibility")} and m.deleted_at is null
    order by m.thread_id, m.seq desc`;
  for (const r of rows) {
    out.set(r.threadId, {
      author: r.authorId && r.authorName ? { id: r.authorId, name: r.authorName } : null,
      excerpt: excerpt(r.body),
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
