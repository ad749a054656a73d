import { createHmac, randomBytes } from "node:crypto";
import dns from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { z } from "zod";
import type { Tx } from "../../db/client.ts";
import { chooseOrganization } from "../access/index.ts";
import type { Config } from "../config.ts";
import type { ActorContext, AppContext } from "../context.ts";
import { AppError, notFound } from "../errors.ts";
import { parseInput } from "../validation.ts";

/**
 * The organization's webhooks (docs/api.md "Webhooks", docs/decisions/022-crm-sync.md): the CRM
 * is told of room created, stage changed, won or lost, participant joined, plan step completed
 * and hand-off made. Events are enqueued in an outbox (webhook_deliveries) by recordActivity, in
 * the transaction of the change; the "webhooks" job (server/jobs.ts) delivers them signed.
 */

/** Webhook event name → the activity type(s) it comes from (server/services/activity.ts). */
export const WEBHOOK_EVENTS = {
  "room.created": "room.created",
  "stage.changed": "stage.changed",
  "room.closed": "room.closed",
  "participant.joined": "participant.joined",
  "plan.step_completed": "plan.step_done",
  "room.handed_off": "room.handed_off",
} as const;
export type WebhookEvent = keyof typeof WEBHOOK_EVENTS;
const EVENT_OF_ACTIVITY = new Map<string, WebhookEvent>(Object.entries(WEBHOOK_EVENTS).map(([e, a]) => [a, e as WebhookEvent]));
export const webhookEventOf = (activityType: string) => EVENT_OF_ACTIVITY.get(activityType);

const MAX_WEBHOOKS = 20;
const EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as [WebhookEvent, ...WebhookEvent[]];
const CreateInput = z.object({
  url: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).max(2000, "must be at most 2,000 characters"),
  events: z.array(z.enum(EVENT_NAMES, { error: `must be among ${EVENT_NAMES.join(", ")}` })).min(1, "must name at least one event").max(EVENT_NAMES.length),
}).strict();

// ── The server's own network (SSRF) ──────────────────────────────────────────────────────
const PRIVATE = new net.BlockList();
for (const [net4, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["192.0.0.0", 24], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const) {
  PRIVATE.addSubnet(net4, prefix, "ipv4");
}
for (const [net6, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96]] as const) {
  PRIVATE.addSubnet(net6, prefix, "ipv6");
}
/** True for loopback, private, link-local, unique-local, CGNAT, multicast and unspecified addresses (IPv4-mapped IPv6 too). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, "ipv4");
  const family = net.isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
}

export class UnsafeTargetError extends Error {}

/** One address a name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** How a webhook's host name is resolved: the system resolver, or a test's. */
export type Resolve = (host: string) => Promise<ResolvedAddress[]>;
export const systemResolve: Resolve = async (host) =>
  (await dns.lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/**
 * Resolves the URL's host once and checks every address it gives against the server's own
 * network (unless WEBHOOKS_ALLOW_PRIVATE=1); answers the address to connect to. A delivery
 * connects to exactly this address (`postPinned`), so a DNS answer that changes between the
 * check and the connection (DNS rebinding) never reaches a private address.
 */
export async function resolveTarget(config: Config, url: string, resolve: Resolve = systemResolve): Promise<ResolvedAddress> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const literal = net.isIP(host);
  const addresses: ResolvedAddress[] = literal ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await resolve(host);
  if (!addresses.length) throw new UnsafeTargetError("the host does not resolve");
  if (!config.webhooks.allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) throw new UnsafeTargetError(`the host resolves to ${bad.address}, on a private, loopback or link-local network`);
  }
  return addresses[0]!;
}

/**
 * Refuses a URL whose host resolves to any address on the server's own network (unless
 * WEBHOOKS_ALLOW_PRIVATE=1). Checked at creation; every delivery checks again (resolveTarget).
 */
export async function checkTarget(config: Config, url: string, resolve: Resolve | undefined = systemResolve): Promise<void> {
  if (config.webhooks.allowPrivate) return;
  await resolveTarget(config, url, resolve);
}

class DeliveryTimeout extends Error {
  override name = "TimeoutError";
}

/**
 * POSTs `body` to `url`, connecting to `pinned` and to nothing else: the request's `lookup`
 * answers the already-checked address instead of asking DNS again. The URL's host name stays the
 * Host header and, over https, the TLS server name the certificate is checked against. No
 * redirects are followed; the status is all that is read.
 */
export function postPinned(url: string, pinned: ResolvedAddress, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const lookup: net.LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method: "POST", agent: false, lookup, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } }, (res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    const timer = setTimeout(() => req.destroy(new DeliveryTimeout("timed out")), timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

// ── Signing ──────────────────────────────────────────────────────────────────────────────
/** `Dealroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "${t}.${body}">` (docs/api.md). */
export function signature(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${v1}`;
}

// ── The API ──────────────────────────────────────────────────────────────────────────────
export interface WebhookView {
  id: string;
  organizationId: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
  lastDelivery: { event: string; status: number | null; error: string | null; attempts: number; attemptedAt: string | null; nextAttemptAt: string | null; deliveredAt: string | null; gaveUpAt: string | null } | null;
  pending: number;
}

/** The organization asked for (`?org=`), else the caller's first where they are an admin. A guest (in no organization) gets 404. */
async function orgFor(ctx: ActorContext, requested: string | null | undefined) {
  const [member] = await ctx.sql`select 1 from memberships where user_id = ${ctx.actor.userId} and deactivated_at is null limit 1`;
  if (!member) throw notFound("Organization");
  return (await chooseOrganization(ctx.sql, ctx.actor, "org.manageWebhooks", requested ?? null)).organizationId;
}

export async function createWebhook(ctx: ActorContext, raw: unknown, requestedOrg?: string | null): Promise<{ id: string; secret: string; webhook: WebhookView }> {
  const organizationId = await orgFor(ctx, requestedOrg);
  const input = parseInput(CreateInput, raw);
  try {
    await checkTarget(ctx.config, input.url, ctx.webhookResolve);
  } catch (error) {
    const why = error instanceof UnsafeTargetError ? error.message : "the host does not resolve";
    throw new AppError(422, "unsafe_url", `Webhook URLs must reach the public internet: ${why}.`, { url: why });
  }
  const [counted] = await ctx.sql<{ count: number }[]>`select count(*)::int as count from webhooks where organization_id = ${organizationId}`;
  if (counted!.count >= MAX_WEBHOOKS) throw new AppError(409, "too_many_webhooks", `An organization has at most ${MAX_WEBHOOKS} webhooks.`);
  const secret = `whsec_${randomBytes(24).toString("hex")}`;
  const [row] = await ctx.sql<{ id: string }[]>`
    insert into webhooks (organization_id, url, events, secret, created_by)
    values (${organizationId}, ${input.url}, ${[...new Set(input.events)]}, ${secret}, ${ctx.actor.userId}) returning id`;
  const webhook = (await listWebhooksOf(ctx.sql, organizationId)).find((w) => w.id === row!.id)!;
  return { id: row!.id, secret, webhook };
}

export async function listWebhooks(ctx: ActorContext, requestedOrg?: string | null): Promise<{ organizationId: string; items: WebhookView[] }> {
  const organizationId = await orgFor(ctx, requestedOrg);
  return { organizationId, items: await listWebhooksOf(ctx.sql, organizationId) };
}

async function listWebhooksOf(sql: Tx, organizationId: string): Promise<WebhookView[]> {
  const rows = await sql<any[]>`
    select w.id, w.organization_id as "organizationId", w.url, w.events, w.created_at as "createdAt",
      (select count(*)::int from webhook_deliveries d where d.webhook_id = w.id and d.delivered_at is null and d.gave_up_at is null) as pending,
      l.event, l.last_status, l.last_error, l.attempts, l.last_attempt_at, l.next_attempt_at, l.delivered_at, l.gave_up_at
    from webhooks w
    left join lateral (select * from webhook_deliveries d where d.webhook_id = w.id and d.attempts > 0
      order by d.last_attempt_at desc limit 1) l on true
    where w.organization_id = ${organizationId} order by w.created_at`;
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return rows.map((r) => ({
    id: r.id, organizationId: r.organizationId, url: r.url, events: r.events, createdAt: iso(r.createdAt)!, pending: r.pending,
    lastDelivery: r.event ? {
      event: r.event, status: r.last_status, error: r.last_error, attempts: r.attempts, attemptedAt: iso(r.last_attempt_at),
      nextAttemptAt: iso(r.next_attempt_at), deliveredAt: iso(r.delivered_at), gaveUpAt: iso(r.gave_up_at),
    } : null,
  }));
}

export async function deleteWebhook(ctx: ActorContext, webhookId: string | undefined, requestedOrg?: string | null): Promise<void> {
  const organizationId = await orgFor(ctx, requestedOrg);
  if (!z.uuid().safeParse(webhookId).success) throw notFound("Webhook");
  const gone = await ctx.sql`delete from webhooks where id = ${webhookId!} and organization_id = ${organizationId} returning id`;
  if (!gone.length) throw notFound("Webhook");
}

// ── The outbox ───────────────────────────────────────────────────────────────────────────
/**
 * Enqueues `activityType` for every webhook of the organization that asked for it, inside the
 * caller's transaction (called by recordActivity). Only the room's own organization: a webhook
 * of organization A never hears of organization B.
 */
export async function enqueueWebhookEvent(sql: Tx, input: { organizationId: string | null | undefined; roomId: string | null | undefined; activityType: string; actorId: string | null; objectType?: string | undefined; objectId?: string | undefined; data: Record<string, unknown> }): Promise<void> {
  const event = webhookEventOf(input.activityType);
  if (!event || !input.organizationId) return;
  const hooks = await sql<{ id: string }[]>`select id from webhooks where organization_id = ${input.organizationId} and ${event} = any(events)`;
  if (!hooks.length) return;
  const room = input.roomId
    ? (await sql<any[]>`select id, external_id as "externalId", name, account, stage, status, value_amount as "valueAmount", value_currency as "valueCurrency" from rooms where id = ${input.roomId}`)[0]
    : undefined;
  for (const hook of hooks) {
    const [row] = await sql<{ id: string }[]>`select gen_random_uuid() as id`;
    const body = JSON.stringify({
      id: row!.id,
      type: event,
      createdAt: new Date().toISOString(),
      organizationId: input.organizationId,
      data: {
        room: room ? {
          id: room.id, externalId: room.externalId, name: room.name, account: room.account, stage: room.stage, status: room.status,
          value: room.valueAmount !== null && room.valueCurrency ? { amount: Number(room.valueAmount), currency: room.valueCurrency } : null,
        } : null,
        actorId: input.actorId,
        object: input.objectType ? { type: input.objectType, id: input.objectId ?? null } : null,
        details: input.data,
      },
    });
    await sql`insert into webhook_deliveries (id, webhook_id, event, body) values (${row!.id}, ${hook.id}, ${event}, ${body})`;
  }
}

/** How long after a failed attempt the next one comes: base × 2^(attempts−1), at most an hour. */
export const backoffMs = (base: number, attempts: number) => Math.min(base * 2 ** Math.min(attempts - 1, 30), 3_600_000);
/** Deliveries are retried for at least this long after they were enqueued, then given up. */
export const GIVE_UP_AFTER_MS = 25 * 3_600_000;
const CONCURRENCY = 4;
const BATCH = 50;

/** One pass over the due deliveries, a few at a time, each with a short timeout. Returns how many were tried. */
export async function deliverDue(app: AppContext, stopping: () => boolean = () => false): Promise<number> {
  const resolve = app.webhookResolve ?? systemResolve;
  const due = await app.sql<{ id: string; webhookId: string; body: string; attempts: number; createdAt: Date; url: string; secret: string }[]>`
    select d.id, d.webhook_id as "webhookId", d.body, d.attempts, d.created_at as "createdAt", w.url, w.secret
    from webhook_deliveries d join webhooks w on w.id = d.webhook_id
    where d.delivered_at is null and d.gave_up_at is null and d.next_attempt_at <= now()
    order by d.next_attempt_at limit ${BATCH}`;
  let next = 0;
  const worker = async () => {
    while (!stopping() && next < due.length) await attempt(app, due[next++]!, resolve);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  return due.length;
}

async function attempt(app: AppContext, d: { id: string; body: string; attempts: number; createdAt: Date; url: string; secret: string }, resolve: Resolve) {
  let status: number | null = null;
  let error: string | null = null;
  try {
    // Resolved once, every address checked, and that address is the one connected to.
    const pinned = await resolveTarget(app.config, d.url, resolve);
    const headers = {
      "content-type": "application/json",
      "user-agent": "Dealroom-Webhooks/1",
      "dealroom-signature": signature(d.secret, d.body, Math.floor(Date.now() / 1000)),
      "dealroom-delivery": d.id,
    };
    status = await postPinned(d.url, pinned, headers, d.body, app.config.webhooks.timeoutMs);
    if (status < 200 || status >= 300) error = `answered ${status}`;
  } catch (e) {
    error = e instanceof UnsafeTargetError ? `refused: ${e.message}` : (e as Error).name === "TimeoutError" ? "timed out" : `could not connect: ${(e as Error).message}`.slice(0, 300);
  }
  const attempts = d.attempts + 1;
  if (!error) {
    await app.sql`update webhook_deliveries set attempts = ${attempts}, last_status = ${status}, last_error = null,
      last_attempt_at = now(), delivered_at = now(), next_attempt_at = null where id = ${d.id}`;
    return;
  }
  const nextAt = new Date(Date.now() + backoffMs(app.config.webhooks.backoffMs, attempts));
  const giveUp = nextAt.getTime() - d.createdAt.getTime() > GIVE_UP_AFTER_MS;
  await app.sql`update webhook_deliveries set attempts = ${attempts}, last_status = ${status}, last_error = ${error}, last_attempt_at = now(),
    next_attempt_at = ${giveUp ? null : nextAt}, gave_up_at = ${giveUp ? new Date() : null} where id = ${d.id}`;
}

// ── Pruning ──────────────────────────────────────────────────────────────────────────────
const PRUNE_BATCH = 5000;

/**
 * Removes deliveries that are finished (delivered, or given up) and older than the retention
 * (WEBHOOK_RETENTION_DAYS, 30 by default), in batches; each webhook's latest attempted delivery
 * stays, whatever its age, so Settings still shows its "last delivery". Pending deliveries are
 * never removed. Returns how many rows went. The "webhook-prune" job runs it (server/jobs.ts).
 */
export async function pruneDeliveries(app: AppContext, stopping: () => boolean = () => false): Promise<number> {
  const days = app.config.webhooks.retentionDays;
  let removed = 0;
  while (!stopping()) {
    const gone = await app.sql`
      delete from webhook_deliveries where id in (
        select d.id from webhook_deliveries d
        where (d.delivered_at is not null or d.gave_up_at is not null)
          and coalesce(d.delivered_at, d.gave_up_at) < now() - make_interval(days => ${days})
          and d.id is distinct from (
            select l.id from webhook_deliveries l where l.webhook_id = d.webhook_id and l.attempts > 0
            order by l.last_attempt_at desc, l.id limit 1)
        limit ${PRUNE_BATCH})
      returning id`;
    removed += gone.length;
    if (gone.length < PRUNE_BATCH) break;
  }
  return removed;
}
