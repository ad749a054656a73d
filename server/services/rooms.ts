import { z } from "zod";
import { transaction, type Tx } from "../../db/client.ts";
import { abilities, authorize, can, loadStanding, requireOrg, visibleRoomsWhere, type OrgRole, type RoomAbilities, type Standing } from "../access/index.ts";
import type { ActorContext } from "../context.ts";
import { forbidden, invalid, notFound } from "../errors.ts";
import { IsoDate, Money, Name, parseInput } from "../validation.ts";
import { recordActivity } from "./activity.ts";
import { buyerLabelFor } from "../sales/buyer-stages.ts";
import { listStages } from "../sales/stages.ts";
import { stagesOf } from "./stages.ts";
import { applyTemplate, TemplateId, templateForNewRoom } from "./room-templates.ts";

export interface Room {
  id: string;
  organizationId: string;
  name: string;
  account: string;
  value: { amount: number; currency: string } | null;
  stage: string;
  status: "open" | "won" | "lost";
  expectedCloseDate: string | null;
  description: string;
  /** The CRM's opportunity id (decision 022); internal readers only: absent for the buyer's side. */
  externalId?: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface RoomView extends Room {
  myParticipation: Standing["participation"];
  abilities: RoomAbilities;
}

const Description = z.string().max(5000, "must be at most 5,000 characters");
export const CreateRoomInput = z.object({
  name: Name,
  account: Name,
  value: Money.nullish(),
  stage: z.string().optional(),
  expectedCloseDate: IsoDate.nullish(),
  description: Description.optional(),
  /** Our addition: the pages the room starts with, `builtin:<key>` or an organization template's id (decision 020). */
  templateId: TemplateId.optional(),
});
export const UpdateRoomInput = z
  .object({
    name: Name,
    account: Name,
    value: Money.nullable(),
    expectedCloseDate: IsoDate.nullable(),
    description: Description,
  })
  .partial()
  .strict();

const ROOM_COLUMNS = (sql: Tx) => sql`
  r.id, r.organization_id as "organizationId", r.name, r.account, r.value_amount as "valueAmount",
  r.value_currency as "valueCurrency", r.stage, r.status, r.expected_close_date as "expectedCloseDate",
  r.description, r.external_id as "externalId", r.created_at as "createdAt", r.updated_at as "updatedAt"`;

type RoomRow = Omit<Room, "value" | "createdAt" | "updatedAt"> & {
  valueAmount: string | null;
  valueCurrency: string | null;
  createdAt: Date;
  updatedAt: Date;
};

function toRoom(row: RoomRow): Room {
  const { valueAmount, valueCurrency, ...rest } = row;
  return {
    ...rest,
    value: valueAmount !== null && valueCurrency ? { amount: Number(valueAmount), currency: valueCurrency } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const view = (room: Room, s: Standing): RoomView => ({ ...room, myParticipation: s.participation, abilities: abilities(s) });

/** The organization's stage of that name (any case), or its first stage when none is asked for. */
async function knownStage(sql: Tx, organizationId: string, stage: string | undefined): Promise<string> {
  const stages = await stagesOf(sql, organizationId);
  if (stage === undefined) return stages[0]!;
  const found = stages.find((s) => s.toLowerCase() === stage.trim().toLowerCase());
  if (!found) throw invalid("Unknown stage.", { stage: `must be one of ${stages.join(", ")}` });
  return found;
}

/** The organization a new room belongs to: the creator's (the first, when they have several); `org.createRoom` decides. */
async function homeOrganization(ctx: ActorContext, requested?: string): Promise<string> {
  if (requested) return (await requireOrg(ctx.sql, ctx.actor, requested, "org.createRoom")).organizationId;
  const orgs = await ctx.sql<{ organizationId: string; orgRole: OrgRole }[]>`
    select organization_id as "organizationId", role as "orgRole" from memberships where user_id = ${ctx.actor.userId} and deactivated_at is null order by created_at`;
  const home = orgs.find((o) => can({ userId: ctx.actor.userId, ...o }, "org.createRoom"));
  if (!home) throw forbidden("Only members of an organization can create rooms. Sign up to create your own.");
  return home.organizationId;
}

export async function createRoom(ctx: ActorContext, raw: unknown, organizationId?: string, externalId?: string): Promise<RoomView> {
  const input = parseInput(CreateRoomInput, raw);
  const orgId = await homeOrganization(ctx, organizationId);
  return insertRoom(ctx, orgId, input, externalId);
}

async function insertRoom(ctx: ActorContext, orgId: string, input: z.infer<typeof CreateRoomInput>, externalId?: string): Promise<RoomView> {
  const stage = await knownStage(ctx.sql, orgId, input.stage);
  // A template of another organization (or none) is refused before anything is made.
  const template = input.templateId ? await templateForNewRoom(ctx.sql, orgId, input.templateId) : null;
  const roomId = await transaction(ctx.sql, async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into rooms (organization_id, name, account, value_amount, value_currency, stage, expected_close_date, description, created_by, external_id)
      values (${orgId}, ${input.name}, ${input.account}, ${input.value?.amount ?? null}, ${input.value?.currency ?? null},
              ${stage}, ${input.expectedCloseDate ?? null}, ${input.description ?? ""}, ${ctx.actor.userId}, ${externalId ?? null})
      returning id`;
    await sql`insert into participants (room_id, user_id, side, role) values (${row!.id}, ${ctx.actor.userId}, 'internal', 'owner')`;
    await recordActivity(sql, {
      roomId: row!.id, organizationId: orgId, actorId: ctx.actor.userId, type: "room.created",
      objectType: "room", objectId: row!.id, visibility: "shared", ip: ctx.ip,
      // Which template, for the audit trail (an organization's template names are internal).
      ...(template ? { data: { templateId: template.id } } : {}),
    });
    return row!.id;
  });
  if (template) {
    try {
      // Pages go through the page service once the room is committed: their content becomes Y state.
      await applyTemplate(ctx, roomId, template);
    } catch (error) {
      // No half-made room stays behind: nobody but its creator has seen it yet.
      await removeNewRoom(ctx, roomId).catch((cleanup) => ctx.log.error({ err: cleanup, roomId }, "removing a room whose template failed"));
      throw error;
    }
  }
  return getRoom(ctx, roomId);
}

/** Deletes a room made a moment ago, child pages before their parents (pages.parent_id restricts). */
async function removeNewRoom(ctx: ActorContext, roomId: string) {
  await transaction(ctx.sql, async (sql) => {
    const pages = await sql<{ id: string }[]>`select id from pages where room_id = ${roomId} order by created_at desc, sort_order desc`;
    for (const page of pages) await sql`delete from pages where id = ${page.id}`;
    await sql`delete from rooms where id = ${roomId}`;
  });
}

export async function getRoom(ctx: ActorContext, roomId: string | undefined): Promise<RoomView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.read");
  const [row] = await ctx.sql<RoomRow[]>`select ${ROOM_COLUMNS(ctx.sql)} from rooms r where r.id = ${standing.roomId}`;
  const room = toRoom(row!);
  // The buyer's side sees the stage's buyer-facing label, never the seller's name for it, nor the CRM's id.
  if (standing.participation?.side === "external") {
    room.stage = buyerLabelFor(await listStages(ctx.sql, room.organizationId), room.stage);
    delete room.externalId;
  }
  return view(room, standing);
}

export async function listRooms(ctx: ActorContext): Promise<(Room & { myParticipation: Standing["participation"] })[]> {
  const rows = await ctx.sql<(RoomRow & { side: any; role: any })[]>`
    select ${ROOM_COLUMNS(ctx.sql)}, p.side, p.role
    from rooms r
    left join participants p on p.room_id = r.id and p.user_id = ${ctx.actor.userId}
    where ${visibleRoomsWhere(ctx.sql, ctx.actor)}
    order by r.status = 'open' desc, r.updated_at desc`;
  const cycles = new Map<string, Awaited<ReturnType<typeof listStages>>>();
  const out = [];
  for (const { side, role, ...row } of rows) {
    const room = toRoom(row);
    if (side === "external") {
      if (!cycles.has(room.organizationId)) cycles.set(room.organizationId, await listStages(ctx.sql, room.organizationId));
      room.stage = buyerLabelFor(cycles.get(room.organizationId)!, room.stage);
      delete room.externalId;
    }
    out.push({ ...room, myParticipation: side ? { side, role } : null });
  }
  return out;
}

export async function updateRoom(ctx: ActorContext, roomId: string | undefined, raw: unknown): Promise<RoomView> {
  const standing = await loadStanding(ctx.sql, ctx.actor, roomId);
  authorize(standing, "room.update");
  const input = parseInput(UpdateRoomInput, raw);
  const changes: Record<string, unknown> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.account !== undefined) changes.account = input.account;
  if (input.description !== undefined) changes.description = input.description;
  if (input.expectedCloseDate !== undefined) changes.expected_close_date = input.expectedCloseDate;
  if (input.value !== undefined) {
    changes.value_amount = input.value?.amount ?? null;
    changes.value_currency = input.value?.currency ?? null;
  }
  if (Object.keys(changes).length > 0) {
    await transaction(ctx.sql, async (sql) => {
      await sql`update rooms set ${sql(changes)}, updated_at = now() where id = ${standing.roomId}`;
      await recordActivity(sql, {
        roomId: standing.roomId, organizationId: standing.organizationId, actorId: ctx.actor.userId,
        type: "room.updated", objectType: "room", objectId: standing.roomId, visibility: "shared",
        data: { fields: Object.keys(input) }, ip: ctx.ip,
      });
    });
  }
  return getRoom(ctx, standing.roomId);
}

/** The API's room shape (docs/api.md), with our additions after the contract's fields. */
export function roomJson(room: RoomView) {
  return {
    id: room.id,
    name: room.name,
    account: room.account,
    value: room.value,
    stage: room.stage,
    status: room.status,
    expectedCloseDate: room.expectedCloseDate,
    myParticipation: room.myParticipation,
    organizationId: room.organizationId,
    description: room.description,
    ...(room.externalId !== undefined ? { externalId: room.externalId } : {}),
    createdAt: room.createdAt,
    updatedAt: room.updatedAt,
    abilities: room.abilities,
  };
}

/** A CRM opportunity id: 1 to 128 letters, digits and `._:-` (docs/api.md "Rooms by external id"). */
export const ExternalId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1 to 128 letters, digits, or . _ : -");

/**
 * PUT /rooms/by-external-id/:externalId (decision 022): the room of the caller's organization
 * with that CRM id, created (the creation body) or updated (the update's fields; `stage`, when
 * sent, must name the current stage: moves go through POST /rooms/:id/stage). Organization:
 * `?organizationId=`, else the caller's first where they may create rooms. Someone who may create rooms in
 * none (a guest) gets 404, like for any organization-level surface they are not part of.
 */
export async function upsertRoomByExternalId(ctx: ActorContext, rawExternalId: string | undefined, raw: unknown, requestedOrg?: string): Promise<{ created: boolean; room: RoomView }> {
  const externalId = parseInput(z.object({ externalId: ExternalId }), { externalId: rawExternalId }).externalId;
  let orgId: string;
  try {
    orgId = await homeOrganization(ctx, requestedOrg);
  } catch (error) {
    if (error instanceof Error && (error as { status?: number }).status === 403) throw notFound("Organization");
    throw error;
  }
  for (let round = 0; ; round++) {
    const [existing] = await ctx.sql<{ id: string; stage: string }[]>`
      select id, stage from rooms where organization_id = ${orgId} and external_id = ${externalId}`;
    if (existing) {
      const body = raw && typeof raw === "object" && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
      if (body && typeof body === "object" && "stage" in body) {
        const stage = (body as Record<string, unknown>).stage;
        if (typeof stage !== "string" || stage.trim().toLowerCase() !== existing.stage.toLowerCase()) {
          throw invalid("Move the room's stage with POST /api/v1/rooms/:roomId/stage.", { stage: `is ${existing.stage}; it is not changed here` });
        }
        delete (body as Record<string, unknown>).stage;
      }
      return { created: false, room: await updateRoom(ctx, existing.id, body) };
    }
    const input = parseInput(CreateRoomInput, raw);
    try {
      return { created: true, room: await insertRoom(ctx, orgId, input, externalId) };
    } catch (error) {
      // Two calls at once: the other one created it; this one updates it.
      if ((error as { code?: string }).code === "23505" && round === 0) continue;
      throw error;
    }
  }
}
