import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { authorize, authorizeOrg, can, isId, loadOrgStanding, loadStanding, requireOrg, type Visibility } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { AppError, conflict, notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";
import { DEAL_STRATEGY_MARKDOWN, DEAL_STRATEGY_TITLE } from "../wiki/page-templates.ts";
import { createPage, getPage, listPages, MAX_MARKDOWN_BYTES } from "../wiki/pages.ts";
import { recordActivity } from "./activity.ts";

/**
 * Room templates (docs/decisions/020-room-templates.md): the pages a new room starts with. Two
 * kinds, one id scheme:
 * - built in, the same for every organization, in code below: `builtin:<key>`;
 * - an organization's own, saved by an admin from one of its rooms (migration 0014): the row's uuid.
 * Members of the organization see and use both (org.createRoom); admins save and delete their
 * organization's (org.manageTemplates). Nobody outside the organization, guests included, learns
 * that any of them exists: 404.
 */

export const TEMPLATE_LIMITS = {
  /** Templates an organization may keep. */
  perOrganization: 50,
  /** Pages in one template (a room with more cannot be saved as one). */
  pages: 50,
  /** All pages' Markdown together; each page also stays within a page's own bound (1 MB). */
  markdownBytes: 2_000_000,
} as const;

export interface TemplatePage {
  title: string;
  visibility: Visibility;
  /** Index of the parent in the template's page list (always before this page), or null. */
  parent: number | null;
  markdown: string;
}

export interface RoomTemplateSummary {
  /** `builtin:<key>` or the organization template's uuid: what `POST /rooms` takes as `templateId`. */
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  /** In tree order, with their depth: enough for a person to choose. */
  pages: { title: string; visibility: Visibility; depth: number }[];
  createdAt: string | null;
  createdBy: { id: string; name: string } | null;
}
export interface RoomTemplate extends RoomTemplateSummary {
  pages: (RoomTemplateSummary["pages"][number] & { markdown: string; parent: number | null })[];
}

// ── Built in ───────────────────────────────────────────────────────────────────────────────

interface BuiltIn {
  key: string;
  name: string;
  description: string;
  pages: TemplatePage[];
}

/**
 * The demo room's wiki (server/wiki/demo-pages.ts) without its customer: what both teams read
 * (shared) and the seller's own notes (internal). No page for the mutual action plan: the room's
 * Plan tab is that plan, with owners and due dates.
 */
const BUILT_IN: BuiltIn[] = [
  {
    key: "deal-room",
    name: "Deal room",
    description: "A welcome page, the business case and requirements for both teams; the deal strategy, pricing notes and hand-off notes for yours.",
    pages: [
      {
        title: "Welcome",
        visibility: "shared",
        parent: null,
        markdown: `# Welcome

This room is where both teams work on this project together. Everyone invited reads the pages, threads, files and plan here, except what is marked **Internal**.

## Who is who

| Name | Company | Role in the project |
| --- | --- | --- |
|  |  |  |

## How we work here

- Questions go in **Threads**, so the answers are kept for everyone
- Steps, owners and dates are in the **Plan** tab
- Documents go in **Files**; the latest version is the one shown
`,
      },
      {
        title: "Business case",
        visibility: "shared",
        parent: null,
        markdown: `# Business case

## Where things stand today

What does not work well today, for whom, and what it costs.

## Goals

1. The outcome that matters most, with a date
2. A measurable improvement
3. What success looks like to the people who use it

## Expected value

| Item | Today | After rollout |
| --- | --- | --- |
|  |  |  |

## Decision

Who signs, who sponsors the project, and what has to happen before the contract (reviews, a pilot, a budget).
`,
      },
      {
        title: "Requirements",
        visibility: "shared",
        parent: null,
        markdown: `# Requirements

What the solution must do. Tick an item once it has been shown working.

## Must have

- [ ] A requirement, in the buyer's words

## Nice to have

- [ ] Something that would help, but does not decide

## Open questions

- [ ] A question either team still has to answer
`,
      },
      { title: DEAL_STRATEGY_TITLE, visibility: "internal", parent: null, markdown: DEAL_STRATEGY_MARKDOWN },
      {
        title: "Pricing notes",
        visibility: "internal",
        parent: 3,
        markdown: `# Pricing notes

- List price:
- Proposal:
- Discount floor, and who approves below it:

## Give and take

| If they ask for | We ask for |
| --- | --- |
| A bigger discount | A longer term, paid in advance |
| A longer pilot | A case study and a reference call |
`,
      },
      {
        title: "Hand-off notes",
        visibility: "internal",
        parent: null,
        markdown: `# Hand-off notes

What the delivery team needs on day one, written as the deal goes.

## What we promised

Scope, dates and anything agreed outside the contract.

## People

Who decides, who does the work, and who to call when something goes wrong.

## Risks

What could go wrong in delivery, and what we already know about it.
`,
      },
    ],
  },
];

const BUILTIN_PREFIX = "builtin:";
const builtInById = (id: string) => BUILT_IN.find((t) => `${BUILTIN_PREFIX}${t.key}` === id);

function depthsOf(pages: { parent: number | null }[]): number[] {
  const depths: number[] = [];
  pages.forEach((p, i) => (depths[i] = p.parent === null ? 0 : depths[p.parent]! + 1));
  return depths;
}

function builtInView(t: BuiltIn): RoomTemplate {
  const depths = depthsOf(t.pages);
  return {
    id: `${BUILTIN_PREFIX}${t.key}`, name: t.name, description: t.description, builtIn: true, createdAt: null, createdBy: null,
    pages: t.pages.map((p, i) => ({ title: p.title, visibility: p.visibility, depth: depths[i]!, parent: p.parent, markdown: p.markdown })),
  };
}

// ── Input ──────────────────────────────────────────────────────────────────────────────────

const TemplateName = z.string({ error: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters");
const SaveTemplateInput = z.object({ name: TemplateName, roomId: z.string({ error: "is required" }).max(100) }).strict();
/** What `POST /rooms` accepts as `templateId`: `builtin:<key>` or a template's uuid. */
export const TemplateId = z
  .string({ error: 'must be "builtin:<key>" or a template id' })
  .max(100)
  .refine((v) => isId(v) || /^builtin:[a-z0-9-]{1,40}$/.test(v), { error: 'must be "builtin:<key>" or a template id' });

// ── Reading ────────────────────────────────────────────────────────────────────────────────

type TemplateRow = { id: string; name: string; createdAt: Date; createdById: string | null; createdByName: string | null };
type PageRow = { templateId: string; position: number; parentPosition: number | null; title: string; visibility: Visibility; markdown: string };

async function organizationTemplates(sql: Tx, organizationId: string, templateId?: string): Promise<RoomTemplate[]> {
  const rows = await sql<TemplateRow[]>`
    select t.id, t.name, t.created_at as "createdAt", u.id as "createdById", u.name as "createdByName"
    from room_templates t left join users u on u.id = t.created_by
    where t.organization_id = ${organizationId} ${templateId ? sql`and t.id = ${templateId}` : sql``}
    order by lower(t.name), t.id`;
  if (rows.length === 0) return [];
  const pages = await sql<PageRow[]>`
    select template_id as "templateId", position, parent_position as "parentPosition", title, visibility, markdown
    from room_template_pages where template_id = any(${rows.map((r) => r.id)}::uuid[])
    order by template_id, position`;
  return rows.map((r) => {
    const own = pages.filter((p) => p.templateId === r.id).map((p) => ({ title: p.title, visibility: p.visibility, parent: p.parentPosition, markdown: p.markdown }));
    const depths = depthsOf(own);
    const internal = own.filter((p) => p.visibility === "internal").length;
    return {
      id: r.id, name: r.name, builtIn: false,
      description: `${own.length} ${own.length === 1 ? "page" : "pages"}${internal ? `, ${internal} internal` : ""}`,
      createdAt: r.createdAt.toISOString(),
      createdBy: r.createdById && r.createdByName ? { id: r.createdById, name: r.createdByName } : null,
      pages: own.map((p, i) => ({ ...p, depth: depths[i]! })),
    };
  });
}

const summary = ({ pages, ...t }: RoomTemplate): RoomTemplateSummary => ({ ...t, pages: pages.map(({ title, visibility, depth }) => ({ title, visibility, depth })) });

/**
 * The templates a new room of the organization may start from: built in first, then the
 * organization's own by name. Members of the organization (org.createRoom); anyone else 404.
 */
export async function listRoomTemplates(ctx: ActorContext, organizationId: string | undefined): Promise<RoomTemplateSummary[]> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.createRoom");
  return [...BUILT_IN.map(builtInView), ...(await organizationTemplates(ctx.sql, org.organizationId))].map(summary);
}

/** One template with its pages' Markdown, for the organization's members. */
export async function getRoomTemplate(ctx: ActorContext, organizationId: string | undefined, templateId: string | undefined): Promise<RoomTemplate> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.createRoom");
  return findTemplate(ctx.sql, org.organizationId, templateId);
}

/** A template the organization may use: built in, or its own. Anything else (another organization's, none) is 404. */
async function findTemplate(sql: Tx, organizationId: string, templateId: string | undefined): Promise<RoomTemplate> {
  const builtIn = templateId ? builtInById(templateId) : undefined;
  if (builtIn) return builtInView(builtIn);
  if (!isId(templateId)) throw notFound("Template");
  const [found] = await organizationTemplates(sql, organizationId, templateId);
  if (!found) throw notFound("Template");
  return found;
}

// ── Saving and deleting ────────────────────────────────────────────────────────────────────

/** A file card names a file of the room it was written in: in another room it could only read "not available". */
const FILE_CARD_LINE = /^\[\[file:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\]\][ \t]*$/gim;

/**
 * Whether the actor may save this room's pages as a template of its organization: an admin of
 * the organization (org.manageTemplates) who reads the room as an internal reader (its
 * internal pages go into the template). For the UI; the save itself asks the same.
 */
export async function canSaveAsTemplate(ctx: ActorContext, roomId: string | undefined): Promise<boolean> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  return can(standing, "org.manageTemplates") && can(standing, "internal.read");
}

/**
 * `POST /organizations/:organizationId/room-templates { name, roomId }`: the room's current
 * pages (not archived; their tree, titles, visibility and Markdown, file cards left out) become a
 * template of the organization. Admins of the organization (403 for its members, 404 for anyone
 * else); the room must be one of the organization's that the admin reads as an internal reader
 * (404 otherwise, as for a room that does not exist).
 */
export async function saveRoomAsTemplate(ctx: ActorContext, organizationId: string | undefined, raw: unknown): Promise<RoomTemplateSummary> {
  const org = await requireOrg(ctx.sql, ctx.actor, organizationId, "org.manageTemplates");
  const input = parseInput(SaveTemplateInput, raw);
  const standing = await loadStanding(ctx.sql, ctx.actor, input.roomId);
  if (standing.organizationId !== org.organizationId) throw notFound("Room");
  authorize(standing, "internal.read");

  const tree = await listPages(ctx, standing.roomId);
  if (tree.length === 0) throw new AppError(409, "room_has_no_pages", "This room has no pages to save as a template.");
  if (tree.length > TEMPLATE_LIMITS.pages) {
    throw conflict("template_too_large", `A template holds at most ${TEMPLATE_LIMITS.pages} pages; this room has ${tree.length}.`);
  }
  const index = new Map(tree.map((p, i) => [p.id, i]));
  const pages: TemplatePage[] = [];
  let bytes = 0;
  for (const item of tree) {
    const markdown = (await getPage(ctx, item.id)).markdown.replace(FILE_CARD_LINE, "").replace(/\n{3,}/g, "\n\n");
    const size = Buffer.byteLength(markdown, "utf8");
    bytes += size;
    if (size > MAX_MARKDOWN_BYTES || bytes > TEMPLATE_LIMITS.markdownBytes) {
      throw conflict("template_too_large", "These pages are too long for a template (2 MB of text in all, 1 MB per page).");
    }
    // listPages answers in tree order: a parent is always before its children.
    pages.push({ title: item.title, visibility: item.visibility, parent: item.parentId ? (index.get(item.parentId) ?? null) : null, markdown });
  }

  const id = await transaction(ctx.sql, async (sql) => {
    // One writer per organization at a time, so the count below holds.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`dealroom.room-templates:${org.organizationId}`}, 0))`;
    const [kept] = await sql<{ count: number }[]>`select count(*)::int as count from room_templates where organization_id = ${org.organizationId}`;
    if (kept!.count >= TEMPLATE_LIMITS.perOrganization) {
      throw conflict("templates_full", `An organization keeps at most ${TEMPLATE_LIMITS.perOrganization} room templates. Delete one in Settings first.`);
    }
    const [taken] = await sql`select 1 from room_templates where organization_id = ${org.organizationId} and lower(name) = lower(${input.name})`;
    if (taken) throw new AppError(409, "template_exists", `A template named “${input.name}” already exists.`, { name: "is already a template's name" });
    const [row] = await sql<{ id: string }[]>`
      insert into room_templates (organization_id, name, source_room_id, created_by)
      values (${org.organizationId}, ${input.name}, ${standing.roomId}, ${ctx.actor.userId}) returning id`;
    await sql`insert into room_template_pages ${sql(
      pages.map((p, position) => ({ template_id: row!.id, position, parent_position: p.parent, title: p.title, visibility: p.visibility, markdown: p.markdown })),
    )}`;
    await recordActivity(sql, {
      roomId: standing.roomId, organizationId: org.organizationId, actorId: ctx.actor.userId, type: "room_template.saved",
      objectType: "room_template", objectId: row!.id, visibility: "internal", data: { name: input.name, pages: pages.length }, ip: ctx.ip,
    });
    return row!.id;
  });
  return summary((await organizationTemplates(ctx.sql, org.organizationId, id))[0]!);
}

/** `DELETE /organizations/:organizationId/room-templates/:templateId`: admins; a built-in template cannot be deleted (403). */
export async function deleteRoomTemplate(ctx: ActorContext, organizationId: string | undefined, templateId: string | undefined): Promise<void> {
  const org = await loadOrgStanding(ctx.sql, ctx.actor, organizationId);
  authorizeOrg(org, "org.createRoom");
  const template = await findTemplate(ctx.sql, org.organizationId, templateId);
  authorizeOrg(org, "org.manageTemplates");
  if (template.builtIn) throw new AppError(403, "forbidden", "Built-in templates cannot be deleted.");
  await transaction(ctx.sql, async (sql) => {
    await sql`delete from room_templates where id = ${template.id} and organization_id = ${org.organizationId}`;
    await recordActivity(sql, {
      organizationId: org.organizationId, actorId: ctx.actor.userId, type: "room_template.deleted",
      objectType: "room_template", objectId: template.id, visibility: "internal", data: { name: template.name }, ip: ctx.ip,
    });
  });
}

// ── Using ──────────────────────────────────────────────────────────────────────────────────

/** The template a new room of `organizationId` starts from (checked before the room is made): built in or the organization's, else 404. */
export async function templateForNewRoom(sql: Tx, organizationId: string, templateId: string): Promise<RoomTemplate> {
  return findTemplate(sql, organizationId, templateId);
}

/**
 * Writes a template's pages into a new room, as its creator (its owner): each through the page
 * service, so its content becomes the page's Yjs state and its creation is in the room's
 * activity like any page's. Internal pages stay internal; the tree is kept.
 */
export async function applyTemplate(ctx: ActorContext, roomId: string, template: RoomTemplate): Promise<void> {
  const ids: string[] = [];
  for (const page of template.pages) {
    const parentId = page.parent === null ? null : (ids[page.parent] ?? null);
    const created = await createPage(ctx, roomId, { title: page.title, visibility: page.visibility, parentId, markdown: page.markdown });
    ids.push(created.id);
  }
}
