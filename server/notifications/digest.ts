import type { AppContext } from "../context.ts";
import { publicBaseUrl } from "../links.ts";
import { plainText } from "../mail/body.ts";
import { closeMail, flushOutbox, sendMail } from "../mail/outbox.ts";
import { buyerActivityFor, describeReader, type DigestRoom } from "../engagement/digest.ts";
import { collectContentNotifications } from "./content.ts";
import { describeNotification, notificationsFor, type NotificationView } from "./inbox.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A digest is due a day after the last; an hour's slack keeps the hourly check from drifting a day. */
const DUE_AFTER_MS = DAY_MS - 60 * 60 * 1000;
const MAX_ITEMS = 100;

/**
 * The daily e-mail digest, for everyone who opted in and whose last digest is a day old:
 * their unread notifications since then, each checked again against what they may see now
 * (a room they left or an item made internal drops out), and, for each room they own, which
 * buyers were active and on what (server/engagement/digest.ts). Nothing new, no e-mail.
 */
export async function sendDigests(app: AppContext, now = new Date()): Promise<{ sent: number; checked: number }> {
  const due = await app.sql<{ userId: string; email: string; name: string; lastSentAt: Date | null }[]>`
    select u.id as "userId", u.email, u.name, d.last_sent_at as "lastSentAt"
    from digest_subscriptions d join users u on u.id = d.user_id
    where d.enabled and u.deactivated_at is null
      and (d.last_sent_at is null or d.last_sent_at <= ${new Date(now.getTime() - DUE_AFTER_MS)})`;
  let sent = 0;
  for (const person of due) {
    // Claim this digest first, so two processes never both send it.
    const claimed = await app.sql`
      update digest_subscriptions set last_sent_at = ${now}
      where user_id = ${person.userId} and last_sent_at is not distinct from ${person.lastSentAt} returning user_id`;
    if (claimed.length === 0) continue;
    await collectContentNotifications(app.sql, person.userId);
    const since = new Date(Math.max(person.lastSentAt?.getTime() ?? 0, now.getTime() - DAY_MS));
    const items = await notificationsFor(app.sql, person.userId, { unreadOnly: true, since, until: now, limit: MAX_ITEMS });
    const buyers = await buyerActivityFor(app.sql, person.userId, since, now);
    if (items.length === 0 && buyers.length === 0) continue;
    await sendMail(app, { to: person.email, subject: digestSubject(items, buyers), body: plainText(digestText(app, person.name, items, buyers)) });
    sent++;
  }
  return { sent, checked: due.length };
}

function digestSubject(items: NotificationView[], buyers: DigestRoom[]): string {
  if (items.length === 0) {
    return buyers.length === 1 ? `Dealroom: buyer activity in ${buyers[0]!.roomName}` : `Dealroom: buyer activity in ${buyers.length} deal rooms`;
  }
  const rooms = new Set(items.map((i) => i.roomName));
  const count = `${items.length} update${items.length === 1 ? "" : "s"}`;
  return rooms.size === 1 ? `Dealroom: ${count} in ${[...rooms][0]}` : `Dealroom: ${count} in ${rooms.size} deal rooms`;
}

function digestText(app: AppContext, name: string, items: NotificationView[], buyers: DigestRoom[]): string {
  const base = publicBaseUrl(app);
  const byRoom = new Map<string, NotificationView[]>();
  for (const item of items) byRoom.set(item.roomName, [...(byRoom.get(item.roomName) ?? []), item]);
  const lines = [`Hello ${name},`, "", "Here is what happened in your deal rooms over the last day.", ""];
  for (const [room, roomItems] of byRoom) {
    lines.push(room);
    for (const item of roomItems) {
      lines.push(`  - ${describeNotification(item)}`);
      if (item.excerpt) lines.push(`    ${item.excerpt.replace(/\s+/g, " ")}`);
      lines.push(`    ${base}${item.url}`);
    }
    lines.push("");
  }
  if (buyers.length > 0) {
    lines.push("Buyer activity in the rooms you own");
    for (const room of buyers) {
      lines.push(room.roomName);
      for (const reader of room.readers) lines.push(`  - ${describeReader(reader)}`);
      lines.push(`    ${base}/rooms/${room.roomId}/engagement`);
    }
    lines.push("");
  }
  lines.push(`You get this e-mail because you turned on the daily digest. Change it at ${base}/notifications`);
  return lines.join("\n");
}

