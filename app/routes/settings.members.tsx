import { useFetcher } from "react-router";
import type { Route } from "./+types/settings.members";
import { FormAlert } from "../components/form.tsx";
import { Avatar } from "../components/people.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";
import type { MemberView } from "../../server/services/members.ts";

export const meta: Route.MetaFunction = () => [{ title: "Members · Settings · Dealroom" }];

export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    return { organization, members: await services.members.listMembers(ctx, organization.id), me: ctx.actor.userId };
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const intent = fields.intent === "reactivate" ? "reactivate" : "deactivate";
  return attempt(
    async () => {
      if (fields.intent === "deactivate") {
        // The confirm step is part of the request, so it holds without JavaScript too.
        if (fields.confirm !== "yes") throw new services.errors.AppError(400, "confirmation_required", "Tick the box to confirm the deactivation.", { confirm: "must be ticked" });
        await services.members.deactivateMember(ctx, fields.organizationId, fields.userId);
      } else if (fields.intent === "reactivate") {
        await services.members.reactivateMember(ctx, fields.organizationId, fields.userId);
      } else {
        throw new services.errors.AppError(400, "unknown_action", "Unknown action.");
      }
      return { ok: true as const, intent, userId: fields.userId ?? "" };
    },
    { intent },
  );
}

export default function Members({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, members, me } = loaderData;
  const active = members.filter((m) => !m.deactivatedAt).length;
  // Row actions run through fetchers; without JavaScript their refusals arrive here instead.
  const failed = actionData && !actionData.ok ? actionData.error : null;
  return (
    <section className="card table-card members" aria-labelledby="members-title">
      <div className="card-header members-header">
        <div>
          <h2 id="members-title">Members</h2>
          <p className="muted small">
            The seller-side people of {organization.name}: {active} active{members.length > active ? `, ${members.length - active} deactivated` : ""}. People join
            by accepting an internal invitation to one of its rooms.
          </p>
        </div>
      </div>
      {failed ? (
        <div className="members-alert">
          <FormAlert error={failed} />
        </div>
      ) : null}
      <table className="room-table members-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.userId} member={m} organizationId={organization.id} isMe={m.userId === me} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MemberRow({ member, organizationId, isMe }: { member: MemberView; organizationId: string; isMe: boolean }) {
  const fetcher = useFetcher<typeof action>();
  const failed = fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const busy = fetcher.state !== "idle";
  const confirmId = `deactivate-confirm-${member.userId}`;
  return (
    <tr className={member.deactivatedAt ? "is-deactivated" : undefined} data-user-id={member.userId}>
      <td>
        <span className="member-name">
          <Avatar person={{ userId: member.userId, name: member.name }} size="sm" />
          <span>
            {member.name}
            {isMe ? <span className="muted small"> (you)</span> : null}
          </span>
        </span>
      </td>
      <td className="member-email">{member.email}</td>
      <td>
        <span className={`badge ${member.role === "admin" ? "badge-owner" : "badge-role"}`}>{member.role === "admin" ? "Admin" : "Member"}</span>
      </td>
      <td>{formatDate(member.joinedAt)}</td>
      <td>
        {member.deactivatedAt ? (
          <span className="badge badge-deactivated" title={`Deactivated ${formatDate(member.deactivatedAt)}`}>
            Deactivated {formatDate(member.deactivatedAt)}
          </span>
        ) : (
          <span className="badge badge-open">Active</span>
        )}
      </td>
      <td className="member-actions">
        {member.deactivatedAt ? (
          <fetcher.Form method="post">
            <input type="hidden" name="intent" value="reactivate" />
            <input type="hidden" name="organizationId" value={organizationId} />
            <input type="hidden" name="userId" value={member.userId} />
            <button type="submit" className="button secondary small" disabled={busy} aria-label={`Reactivate ${member.name}`}>
              Reactivate
            </button>
          </fetcher.Form>
        ) : isMe ? null : (
          <details className="make-owner deactivate" open={failed ? true : undefined}>
            <summary className="button danger-ghost small">Deactivate</summary>
            <div className="card popover-card make-owner-card">
              <h3>Deactivate {member.name}?</h3>
              <ul className="consequences small">
                <li>They leave this organization and all of its rooms at once; their live connections to those rooms close.</li>
                <li>Everything they wrote stays in its rooms, attributed to them.</li>
                <li>Rooms they owned pass to you.</li>
                <li>Their account and their places in other organizations' rooms stay theirs.</li>
                <li>You can reactivate them later, then invite them to rooms again.</li>
              </ul>
              <fetcher.Form method="post" className="stack">
                <input type="hidden" name="intent" value="deactivate" />
                <input type="hidden" name="organizationId" value={organizationId} />
                <input type="hidden" name="userId" value={member.userId} />
                <label className="checkbox" htmlFor={confirmId}>
                  <input id={confirmId} type="checkbox" name="confirm" value="yes" required />
                  <span>Yes, deactivate {member.name}</span>
                </label>
                {failed ? (
                  <p className="field-error" role="alert">
                    {failed.message}
                  </p>
                ) : null}
                <div className="form-actions">
                  <button type="submit" className="button danger small" disabled={busy}>
                    Deactivate {member.name}
                  </button>
                </div>
              </fetcher.Form>
            </div>
          </details>
        )}
        {failed && member.deactivatedAt ? (
          <p className="field-error" role="alert">
            {failed.message}
          </p>
        ) : null}
      </td>
    </tr>
  );
}
