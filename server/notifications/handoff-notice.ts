import type { Sql, Tx } from "../../db/client.ts";
import type { ActorContext } from "../context.ts";
import { plainText } from "../mail/body.ts";
import { sendMail } from "../mail/outbox.ts";
import { publishPersonal } from "../threads/events.ts";
import { unreadNotificationCount } from "./inbox.ts";

/**
 * Telling the delivery team a room was handed to them (docs/decisions/019-delivery-first-hour.md):
 * every delivery-team member of the organization who is now an internal participant of the room
 * gets an in-app notification (pointing at the internal `room.handed_off` activity, so it is
 * only ever shown on the internal side) and an e-mail with a link to the hand-off record.
 * The person who made the move is not told about their own move.
 */

export interface HandoffNotice {
  userId: string;
  email: string;
  name: string;
  notificationId: string;
}

/** Writes the notifications in the hand-off's transaction; returns whom to mail afterwards. */
export async function notifyDeliveryTeam(
  sql: Tx,
  input: { roomId: string; organizationId: string; handoffId: string; actorId: string },
): Promise<HandoffNotice[]> {
  const [activity] = await sql<{ id: string }[]>`
    select id from activities
    where room_id = ${input.roomId} and type = 'room.handed_off' and data->>'handoffId' = ${input.handoffId}
    order by id desc limit 1`;
  if (!activity) return [];
  return sql<HandoffNotice[]>`
    with team as (
      select u.id, u.email, u.name from memberships m
      join users u on u.id = m.user_id
      join participants p on p.room_id = ${input.roomId} and p.user_id = m.user_id and p.side = 'internal'
      where m.organization_id = ${input.organizationId} and m.delivery_team and u.deactivated_at is null
        and u.id <> ${input.actorId}
    ), written as (
      insert into notifications (user_id, room_id, kind, activity_type, object_type, object_id, activity_id, actor_id)
      select team.id, ${input.roomId}, 'content', 'room.handed_off', 'room', ${input.roomId}, ${activity.id}, ${input.actorId}
      from team
      on conflict do nothing
      returning id, user_id
    )
    select team.id as "userId", team.email, team.name, written.id as "notificationId"
    from written join team on team.id = written.user_id`;
}

/** After the commit: the bell of each told person updates, and they get an e-mail. */
export async function announceHandoff(ctx: ActorContext, room: { roomId: string; name: string }, told: HandoffNotice[]) {
  const base = ctx.config.publicUrl ?? `http://localhost:${ctx.config.port}`;
  for (const person of told) {
    publishPersonal(ctx, {
      userId: person.userId,
      roomId: room.roomId,
      type: "notification.created",
      visibility: "internal",
      payload: {
        id: person.notificationId,
        kind: "content",
        roomId: room.roomId,
        threadId: null,
        messageId: null,
        title: room.name,
        actor: { id: ctx.actor.userId, name: ctx.actor.name },
        unreadCount: await unreadNotificationCount(ctx.sql, person.userId),
      },
    });
    try {
      // handOff runs after the move committed, so ctx.sql is the pool here, not a transaction.
      await sendMail({ ...ctx, sql: ctx.sql as unknown as Sql }, {
        to: person.email,
        subject: `Dealroom: ${room.name} was handed to delivery`,
        // No credential in it: a plain body (server/mail/body.ts).
        body: plainText([
          `Hello ${person.name},`,
          "",
          `${ctx.actor.name} handed the room “${room.name}” to the delivery team; you can now read it.`,
          "",
          `Start with the hand-off record: ${base}/rooms/${room.roomId}/handoff`,
        ].join("\n")),
      });
    } catch (error) {
      // The hand-off has happened; a mail that could not even be queued must not undo it.
      ctx.log.warn({ err: error, userId: person.userId }, "hand-off e-mail could not be queued");
    }
  }
}
