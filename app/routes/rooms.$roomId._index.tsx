import { useEffect, useRef } from "react";
import { Form, Link, data, useFetcher, useNavigation } from "react-router";
import type { Route } from "./+types/rooms.$roomId._index";
import { CopyField } from "../components/copy-field.tsx";
import { StageBadge, StatusBadge } from "../components/deal.tsx";
import { FormAlert, SelectField, SubmitButton, TextField } from "../components/form.tsx";
import { GuestIcon, LockIcon, MailIcon } from "../components/icons.tsx";
import { Avatar, RoleBadge, SideBadge } from "../components/people.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import { formatDate, formatShortDate, roleLabel } from "../lib/format.ts";
import { formatMoney } from "../lib/money.ts";
import { useRoomData } from "../lib/room-data.ts";
import { actorContext } from "../lib/session.server.ts";
import type { ParticipantActions, ParticipantView } from "../../server/services/participants.ts";
import type { FormError } from "../lib/form-error.ts";

const ROLE_OPTIONS = [
  { value: "editor", label: "Editor — edits pages, uploads files" },
  { value: "commenter", label: "Commenter — reads and posts in threads" },
  { value: "viewer", label: "Viewer — reads only" },
];
const INVITE_FIELDS = ["email", "side", "role"] as const;

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const room = await orErrorPage(() => services.rooms.getRoom(ctx, params.roomId));
  // Invitations are the owner's business; others never load them. Pending ones carry their link again.
  const invitations = room.abilities["invitation.manage"] ? await services.invitations.listInvitations(ctx, room.id, true) : null;
  // Who can be managed or made owner is the service's answer, never re-derived here.
  // The event-based forecast (decision 027) is internal: guests never load it.
  const forecast = room.abilities["forecast.read"] ? await services.forecast.getRoomForecast(ctx, room.id) : null;
  // The plan steps an internal editor may tie a buying status to (decision 027); nobody else loads them here.
  const planSteps = forecast?.abilities.edit
    ? (await services.plan.listPlan(ctx, room.id)).items.map((st) => ({ id: st.id, title: st.title, status: st.status, visibility: st.visibility }))
    : null;
  // The deal team's roles (decision 021, team selling): the seller's side only.
  const dealTeam = room.abilities["dealTeam.read"] ? await services.dealTeam.getDealTeam(ctx, room.id) : null;
  return { invitations, forecast, planSteps, dealTeam, actions: await services.participants.participantActions(ctx, room.id) };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const roomId = params.roomId;
  switch (fields.intent) {
    case "forecast":
      return attempt(
        async () => {
          const current = await services.forecast.getRoomForecast(ctx, roomId);
          const marked = new Set(Object.keys(fields).filter((k) => k.startsWith("status:")).map((k) => k.slice("status:".length)));
          // A buying status's plan step comes as `step:<statusId>` ("" unties it); absent, the tie is left as it is.
          const tie = (id: string) => {
            const v = fields[`step:${id}`];
            return v === undefined ? {} : { planStepId: v === "" ? null : v };
          };
          await services.forecast.setRoomForecast(ctx, roomId, {
            statuses: [
              ...current.buying.map((st) => ({ statusId: st.id, completed: marked.has(st.id), ...tie(st.id) })),
              ...current.sales.map((st) => ({ statusId: st.id, completed: marked.has(st.id) })),
            ],
          });
          return { ok: true as const, intent: "forecast" as const };
        },
        { intent: "forecast" },
      );
    case "deal-role":
      return attempt(
        async () => {
          await services.dealTeam.setDealRole(ctx, roomId, fields.userId, { dealRole: fields.dealRole ? fields.dealRole : null });
          return { ok: true as const, intent: "deal-role" as const };
        },
        { intent: "deal-role" },
      );
    case "invite":
      return attempt(
        async () => {
          const invitation = await services.invitations.createInvitation(ctx, roomId, { email: fields.email, side: fields.side, role: fields.role });
          return {
            ok: true as const,
            intent: "invite" as const,
            invitation: { email: fields.email!.trim().toLowerCase(), url: invitation.url, expiresAt: invitation.expiresAt, renewed: invitation.renewed },
          };
        },
        { intent: "invite", values: echo(fields) },
      );
    case "resend":
      return attempt(
        async () => {
          await services.invitations.resendInvitation(ctx, roomId, fields.invitationId);
          return { ok: true as const, intent: "resend" as const };
        },
        { intent: "resend" },
      );
    case "revoke":
      return attempt(
        async () => {
          await services.invitations.revokeInvitation(ctx, roomId, fields.invitationId);
          return { ok: true as const, intent: "revoke" as const };
        },
        { intent: "revoke" },
      );
    case "change-role":
      return attempt(
        async () => {
          await services.participants.changeParticipantRole(ctx, roomId, fields.userId, { role: fields.role });
          return { ok: true as const, intent: "change-role" as const };
        },
        { intent: "change-role" },
      );
    case "remove":
      return attempt(
        async () => {
          await services.participants.removeParticipant(ctx, roomId, fields.userId);
          return { ok: true as const, intent: "remove" as const };
        },
        { intent: "remove" },
      );
    case "transfer-owner":
      return attempt(
        async () => {
          // The confirm step is part of the request, so it holds without JavaScript too.
          if (fields.confirm !== "yes") {
            throw new services.errors.AppError(400, "confirmation_required", "Tick the box to confirm the hand-over.", { confirm: "must be ticked" });
          }
          await services.ownership.transferOwnership(ctx, roomId, { userId: fields.userId });
          return { ok: true as const, intent: "transfer-owner" as const };
        },
        { intent: "transfer-owner" },
      );
    default:
      throw data({ message: "Unknown action." }, { status: 400 });
  }
}

export default function RoomOverview({ loaderData, actionData }: Route.ComponentProps) {
  const { room, participants } = useRoomData();
  const { invitations, actions, forecast, planSteps, dealTeam } = loaderData;
  // Row actions run through fetchers; without JavaScript their refusals arrive here instead.
  const rowError = actionData && !actionData.ok && actionData.intent !== "invite" ? actionData.error : null;
  return (
    <div className="overview-grid">
      <div className="overview-main">
        <section className="card" aria-labelledby="about-heading">
          <div className="card-header">
            <h2 id="about-heading">About this deal</h2>
            {room.abilities["room.update"] ? (
              <Link to={`/rooms/${room.id}/edit`} className="text-link small">
                Edit
              </Link>
            ) : null}
          </div>
          {room.description ? <p className="description">{room.description}</p> : <p className="muted">No description yet.</p>}
        </section>

        <section className="card" aria-labelledby="participants-heading">
          <div className="card-header">
            <h2 id="participants-heading">Participants</h2>
            <span className="muted small">{participants.length} in this room</span>
          </div>
          {rowError ? <FormAlert error={rowError} /> : null}
          <ParticipantGroup title="Internal team" people={participants.filter((p) => p.side === "internal")} actions={actions} />
          <ParticipantGroup title="Guests" people={participants.filter((p) => p.side === "external")} actions={actions} empty="No guests yet. Invite the buyer's team to work with you here." />
        </section>
      </div>

      <aside className="overview-side">
        {forecast ? (
          <ForecastCard forecast={forecast} planSteps={planSteps} failed={actionData && !actionData.ok && actionData.intent === "forecast" ? actionData.error : null} />
        ) : null}
        {dealTeam ? <DealTeamCard team={dealTeam} /> : null}
        {room.abilities["room.invite"] ? <InviteCard actionData={actionData} /> : null}
        {invitations ? <InvitationsCard invitations={invitations} /> : null}
        <section className="card" aria-labelledby="details-heading">
          <h2 id="details-heading">Deal details</h2>
          <dl className="details">
            <dt>Account</dt>
            <dd>{room.account}</dd>
            <dt>Value</dt>
            <dd>{formatMoney(room.value)}</dd>
            <dt>Stage</dt>
            <dd>
              <StageBadge stage={room.stage} />
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={room.status} />
            </dd>
            <dt>Expected close</dt>
            <dd>{formatDate(room.expectedCloseDate)}</dd>
            <dt>Created</dt>
            <dd>{formatDate(room.createdAt)}</dd>
            <dt>Your access</dt>
            <dd>
              {room.myParticipation ? (
                <span className="badge-pair">
                  <SideBadge side={room.myParticipation.side} />
                  <RoleBadge role={room.myParticipation.role} />
                </span>
              ) : (
                "Organization admin (read only)"
              )}
            </dd>
          </dl>
        </section>
      </aside>
    </div>
  );
}

function ParticipantGroup({
  title,
  people,
  actions,
  empty,
}: {
  title: string;
  people: ParticipantView[];
  actions: Record<string, ParticipantActions>;
  empty?: string;
}) {
  return (
    <div className="participant-group">
      <h3>{title}</h3>
      {people.length === 0 ? (
        <p className="muted small">{empty ?? "Nobody yet."}</p>
      ) : (
        <ul className="participant-list">
          {people.map((p) => (
            <ParticipantRow key={p.userId} person={p} actions={actions[p.userId] ?? NO_ACTIONS} />
          ))}
        </ul>
      )}
    </div>
  );
}

const NO_ACTIONS: ParticipantActions = { manage: false, makeOwner: false };

function ParticipantRow({ person, actions }: { person: ParticipantView; actions: ParticipantActions }) {
  const roleFetcher = useFetcher<typeof action>();
  const removeFetcher = useFetcher<typeof action>();
  const error = [roleFetcher.data, removeFetcher.data].find((d) => d && !d.ok);
  const removing = removeFetcher.state !== "idle";
  // From the server (participantActions): the page shows controls, the policy decides them.
  const manageable = actions.manage;
  const transferable = actions.makeOwner;
  return (
    <li className={`participant${removing ? " is-pending" : ""}`} data-user-id={person.userId}>
      <Avatar person={person} />
      <div className="participant-text">
        <span className="participant-name">{person.name}</span>
        {person.email ? <span className="participant-email">{person.email}</span> : null}
      </div>
      <div className="participant-badges">
        <SideBadge side={person.side} />
        {manageable ? null : <RoleBadge role={person.role} />}
      </div>
      {manageable ? (
        <div className="participant-actions">
          {transferable ? <MakeOwner person={person} /> : null}
          <roleFetcher.Form method="post" className="inline-form">
            <input type="hidden" name="intent" value="change-role" />
            <input type="hidden" name="userId" value={person.userId} />
            <label className="visually-hidden" htmlFor={`role-${person.userId}`}>
              Role of {person.name}
            </label>
            <select
              id={`role-${person.userId}`}
              name="role"
              defaultValue={person.role}
              className="compact"
              onChange={(e) => roleFetcher.submit(e.currentTarget.form)}
            >
              {ROLE_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {roleLabel(o.value)}
                </option>
              ))}
            </select>
            <noscript>
              <button type="submit" className="button secondary small">
                Change
              </button>
            </noscript>
          </roleFetcher.Form>
          <removeFetcher.Form
            method="post"
            className="inline-form"
            onSubmit={(e) => {
              if (!confirm(`Remove ${person.name} from this room? Their access ends at once.`)) e.preventDefault();
            }}
          >
            <input type="hidden" name="intent" value="remove" />
            <input type="hidden" name="userId" value={person.userId} />
            <button type="submit" className="button danger-ghost small" disabled={removing} aria-label={`Remove ${person.name}`}>
              Remove
            </button>
          </removeFetcher.Form>
        </div>
      ) : null}
      {!manageable && transferable ? (
        <div className="participant-actions">
          <MakeOwner person={person} />
        </div>
      ) : null}
      {error && !error.ok ? (
        <p className="field-error participant-error" role="alert">
          {error.error.message}
        </p>
      ) : null}
    </li>
  );
}

/**
 * Hands the room to an internal participant, after a confirm step that is part of the form
 * (a <details> panel and a checkbox: no JavaScript needed). The service makes the previous
 * owner an editor.
 */
function MakeOwner({ person }: { person: ParticipantView }) {
  const fetcher = useFetcher<typeof action>();
  const { room, participants } = useRoomData();
  const failed = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const currentOwner = participants.find((p) => p.role === "owner");
  const iAmOwner = room.myParticipation?.role === "owner";
  const confirmId = `make-owner-confirm-${person.userId}`;
  return (
    <details className="make-owner" open={failed ? true : undefined}>
      <summary className="button secondary small">Make owner</summary>
      <div className="card popover-card make-owner-card">
        <h3>Make {person.name} the owner?</h3>
        <p className="small">
          {person.name} will invite people, manage participants and invitations, move the stage and read the audit trail.{" "}
          {iAmOwner
            ? "You stay in the room as an editor."
            : currentOwner
              ? `${currentOwner.name}, the owner now, stays in the room as an editor.`
              : null}{" "}
          Nothing anyone wrote changes its author.
        </p>
        <fetcher.Form method="post" className="stack">
          <input type="hidden" name="intent" value="transfer-owner" />
          <input type="hidden" name="userId" value={person.userId} />
          <label className="checkbox" htmlFor={confirmId}>
            <input id={confirmId} type="checkbox" name="confirm" value="yes" required />
            <span>Yes, hand this room to {person.name}</span>
          </label>
          {failed ? (
            <p className="field-error" role="alert">
              {failed.message}
            </p>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button primary small" disabled={fetcher.state !== "idle"}>
              Make {person.name} owner
            </button>
          </div>
        </fetcher.Form>
      </div>
    </details>
  );
}

function InviteCard({ actionData }: { actionData: Route.ComponentProps["actionData"] }) {
  const navigation = useNavigation();
  const form = useRef<HTMLFormElement>(null);
  const busy = navigation.state === "submitting" && navigation.formData?.get("intent") === "invite";
  const result = actionData?.intent === "invite" ? actionData : null;
  const error = result && !result.ok ? result.error : null;
  const values = result && !result.ok ? result.values : {};
  const created = result?.ok ? result.invitation : null;

  useEffect(() => {
    if (created) form.current?.reset();
  }, [created]);

  return (
    <section className="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite someone</h2>
      <p className="muted small">
        They get an e-mail with a single-use link to join. Guests (the buyer's team) see only what is shared; internal people see everything.
      </p>
      {created ? (
        <div className="invite-result" role="status">
          <p>
            <MailIcon /> {created.renewed ? "Invitation renewed and e-mailed again to" : "Invitation e-mailed to"} <strong>{created.email}</strong>. The
            link works once and expires {formatDate(created.expiresAt)}; you can also pass it on yourself, and find it again under Invitations.
          </p>
          <CopyField label={`Invitation link for ${created.email}`} value={created.url} />
        </div>
      ) : null}
      <Form method="post" className="stack" ref={form} noValidate>
        <input type="hidden" name="intent" value="invite" />
        <FormAlert error={error} fields={INVITE_FIELDS} />
        <TextField label="E-mail" name="email" type="email" autoComplete="off" required placeholder="name@customer.com" defaultValue={values.email} error={error} />
        <fieldset className="field">
          <legend>Side</legend>
          <div className="segmented">
            <label>
              <input type="radio" name="side" value="external" defaultChecked={(values.side ?? "external") === "external"} />
              <span>
                <GuestIcon size={14} /> Guest
              </span>
            </label>
            <label>
              <input type="radio" name="side" value="internal" defaultChecked={values.side === "internal"} />
              <span>
                <LockIcon size={14} /> Internal
              </span>
            </label>
          </div>
        </fieldset>
        <SelectField label="Role" name="role" options={ROLE_OPTIONS} defaultValue={values.role ?? "editor"} error={error} />
        <SubmitButton pending={busy} pendingText="Creating invitation…">
          Create invitation
        </SubmitButton>
      </Form>
    </section>
  );
}

/** The room's event-based forecast (internal only; decision 027), and its statuses to mark. */
function ForecastCard({
  forecast,
  planSteps,
  failed,
}: {
  forecast: NonNullable<Route.ComponentProps["loaderData"]["forecast"]>;
  planSteps: Route.ComponentProps["loaderData"]["planSteps"];
  failed: FormError | null;
}) {
  const f = forecast.forecast;
  // Internal editors tie a buying status to the plan step that completes it (decision 027).
  const tieable = forecast.abilities.edit && planSteps !== null;
  const group = (title: string, statuses: typeof forecast.buying, tie: boolean) => (
    <fieldset className="forecast-statuses">
      <legend>{title}</legend>
      {statuses.map((st) => (
        <div key={st.id} className="forecast-status">
          <label className="checkbox">
            <input
              type="checkbox"
              name={`status:${st.id}`}
              defaultChecked={st.completed}
              disabled={!forecast.abilities.edit || st.completedBy === "planStep"}
            />{" "}
            {st.label}
            {st.planStep && !(tie && tieable) ? <span className="muted small"> (plan step: {st.planStep.title})</span> : null}
          </label>
          {tie && tieable ? (
            <label className="forecast-tie">
              <span className="muted small">Completed by plan step</span>
              <select name={`step:${st.id}`} defaultValue={st.planStep?.id ?? ""} aria-label={`Plan step that completes “${st.label}”`}>
                <option value="">None (mark by hand)</option>
                {planSteps!.map((step) => (
                  <option key={step.id} value={step.id}>
                    {step.title}
                    {step.status === "done" ? " (done)" : ""}
                    {step.visibility === "internal" ? " (internal)" : ""}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
      ))}
    </fieldset>
  );
  return (
    <section className="card" aria-labelledby="forecast-heading">
      <h2 id="forecast-heading">Forecast</h2>
      <p>
        <strong>{Math.round(f.probability * 1000) / 10}%</strong>, expected to close by <strong>{f.expectedCloseDate}</strong>
      </p>
      <p className="muted small">{f.reason}</p>
      {failed ? <FormAlert error={failed} /> : null}
      <Form method="post" key={JSON.stringify(forecast.buying.concat(forecast.sales).map((s) => [s.completed, s.planStep?.id]))} preventScrollReset>
        <input type="hidden" name="intent" value="forecast" />
        {group("Buying statuses", forecast.buying, true)}
        {tieable && planSteps!.length === 0 ? (
          <p className="muted small">
            Add steps to the <Link to={`/rooms/${forecast.roomId}/plan`}>mutual action plan</Link> to have one complete a buying status.
          </p>
        ) : null}
        {group("Sales statuses", forecast.sales, false)}
        {forecast.abilities.edit ? (
          <button type="submit" className="button secondary small">
            Save statuses
          </button>
        ) : null}
      </Form>
    </section>
  );
}

/** The deal team: the role each internal member plays in this deal (team selling; decision 021). */
function DealTeamCard({ team }: { team: NonNullable<Route.ComponentProps["loaderData"]["dealTeam"]> }) {
  return (
    <section className="card" aria-labelledby="deal-team-heading">
      <h2 id="deal-team-heading">Deal team</h2>
      <p className="muted small">
        {team.creditDealTeam
          ? "Your organization credits a won deal to its owner and to every member with a role here."
          : "Roles describe who does what; your organization credits a won deal to its owner only."}
      </p>
      <ul className="deal-team-list">
        {team.members.map((m) => (
          <DealTeamRow key={m.userId} member={m} roles={team.roles} edit={team.abilities.edit} />
        ))}
      </ul>
    </section>
  );
}

function DealTeamRow({
  member,
  roles,
  edit,
}: {
  member: NonNullable<Route.ComponentProps["loaderData"]["dealTeam"]>["members"][number];
  roles: { value: string; label: string }[];
  edit: boolean;
}) {
  const fetcher = useFetcher<typeof action>();
  const failed = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const label = roles.find((r) => r.value === member.dealRole)?.label ?? "No role";
  return (
    <li className="deal-team-member">
      <span className="deal-team-name">
        {member.name}
        {member.role === "owner" ? <span className="muted small"> · owner</span> : null}
      </span>
      {edit ? (
        <fetcher.Form method="post" className="deal-team-form">
          <input type="hidden" name="intent" value="deal-role" />
          <input type="hidden" name="userId" value={member.userId} />
          <select name="dealRole" defaultValue={member.dealRole ?? ""} aria-label={`Deal-team role of ${member.name}`}>
            <option value="">No role</option>
            {roles.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          <button type="submit" className="button secondary small" disabled={fetcher.state !== "idle"}>
            Set
          </button>
        </fetcher.Form>
      ) : (
        <span className="muted small">{label}</span>
      )}
      {failed ? <FormAlert error={failed} /> : null}
    </li>
  );
}

function InvitationsCard({ invitations }: { invitations: NonNullable<Route.ComponentProps["loaderData"]["invitations"]> }) {
  return (
    <section className="card" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      {invitations.length === 0 ? (
        <p className="muted small">No invitations yet.</p>
      ) : (
        <ul className="invitation-list">
          {invitations.map((inv) => (
            <InvitationRow key={inv.id} invitation={inv} />
          ))}
        </ul>
      )}
    </section>
  );
}

function InvitationRow({ invitation }: { invitation: NonNullable<Route.ComponentProps["loaderData"]["invitations"]>[number] }) {
  const fetcher = useFetcher<typeof action>();
  const failed = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  return (
    <li className="invitation" data-invitation-id={invitation.id}>
      <div className="invitation-text">
        <span className="invitation-email" title={invitation.email}>
          {invitation.email}
        </span>
        <span className="invitation-meta">
          <span className={`badge badge-invite-${invitation.status}`}>{invitation.status[0]!.toUpperCase() + invitation.status.slice(1)}</span>
          <span className="muted small">
            {invitation.side === "external" ? "Guest" : "Internal"} · {roleLabel(invitation.role)} ·{" "}
            {invitation.status === "pending" ? `expires ${formatShortDate(invitation.expiresAt)}` : `sent ${formatShortDate(invitation.createdAt)}`}
            {invitation.sentCount > 0 ? ` · e-mailed ${invitation.sentCount === 1 ? "once" : `${invitation.sentCount} times`}` : ""}
          </span>
        </span>
        {failed ? (
          <span className="field-error" role="alert">
            {failed.message}
          </span>
        ) : null}
      </div>
      {invitation.status === "pending" && invitation.url ? (
        <details className="invitation-link">
          <summary>Show link</summary>
          <CopyField label={`Invitation link for ${invitation.email}`} value={invitation.url} />
        </details>
      ) : null}
      {invitation.status === "pending" ? (
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="resend" />
          <input type="hidden" name="invitationId" value={invitation.id} />
          <button type="submit" className="button ghost small" disabled={fetcher.state !== "idle"} aria-label={`Send the invitation for ${invitation.email} again`}>
            {fetcher.data?.ok && fetcher.data.intent === "resend" ? "Sent again" : "Resend"}
          </button>
        </fetcher.Form>
      ) : null}
      {invitation.status === "pending" ? (
        <fetcher.Form method="post">
          <input type="hidden" name="intent" value="revoke" />
          <input type="hidden" name="invitationId" value={invitation.id} />
          <button type="submit" className="button danger-ghost small" disabled={fetcher.state !== "idle"} aria-label={`Revoke the invitation for ${invitation.email}`}>
            Revoke
          </button>
        </fetcher.Form>
      ) : null}
    </li>
  );
}
