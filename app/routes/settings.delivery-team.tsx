import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.delivery-team";
import { FormAlert } from "../components/form.tsx";
import { Avatar } from "../components/people.tsx";
import { HandoffIcon } from "../components/stages/stage-icons.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";
import stageStyles from "../styles/stages.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: stageStyles }];
export const meta: Route.MetaFunction = () => [{ title: "Delivery team · Settings · Dealroom" }];

/** The organization's delivery team, for its admins (server/sales/delivery-team.ts decides). */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    const [team, members] = await Promise.all([services.deliveryTeam.listDeliveryTeam(ctx, organization.id), services.members.listMembers(ctx, organization.id)]);
    const inTeam = new Set(team.map((m) => m.userId));
    return {
      organization,
      team,
      candidates: members.filter((m) => !m.deactivatedAt && !inTeam.has(m.userId)).map((m) => ({ userId: m.userId, name: m.name, email: m.email })),
    };
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const intent = fields.intent === "remove" ? "remove" : "add";
  return attempt(
    async () => {
      if (fields.intent === "add") {
        if (!fields.userId) throw new services.errors.AppError(400, "invalid_input", "Choose a member to add.", { userId: "is required" });
        const member = await services.deliveryTeam.addToDeliveryTeam(ctx, fields.organizationId, fields.userId);
        return { ok: true as const, intent, name: member.name };
      }
      if (fields.intent === "remove") {
        await services.deliveryTeam.removeFromDeliveryTeam(ctx, fields.organizationId, fields.userId);
        return { ok: true as const, intent, name: "" };
      }
      throw new services.errors.AppError(400, "unknown_action", "Unknown action.");
    },
    { intent, values: { userId: fields.userId ?? "" } },
  );
}

export default function DeliveryTeam({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, team, candidates } = loaderData;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const addFailed = failed?.intent === "add" ? failed : null;
  return (
    <div className="settings-delivery">
      <section className="card" aria-labelledby="delivery-heading">
        <div className="card-header">
          <div>
            <h2 id="delivery-heading">Delivery team</h2>
            <p className="muted small">The people of {organization.name} who deliver what sales sold.</p>
          </div>
        </div>
        <div className="delivery-explainer">
          <HandoffIcon size={18} />
          <div>
            <p>
              <strong>Members of the delivery team get read access to every room once it is handed off</strong> — when the room enters the hand-off stage of the
              sales cycle, or is closed as won. They join the room as internal viewers and read everything in it: the pages (with the version frozen at the
              hand-off), the filled hand-off forms, threads and files.
            </p>
            <p className="muted small">
              Adding someone also gives them the rooms already handed off. Removing them only stops future hand-offs: rooms they joined keep them until the room's
              owner removes them.
            </p>
          </div>
        </div>
        {failed && failed.intent === "remove" ? <FormAlert error={failed.error} /> : null}
        {team.length === 0 ? (
          <p className="muted delivery-empty">Nobody yet. Add the people who run projects after the deal is signed.</p>
        ) : (
          <ul className="delivery-list">
            {team.map((m) => (
              <li key={m.userId} className="delivery-member" data-user-id={m.userId}>
                <Avatar person={{ userId: m.userId, name: m.name }} size="sm" />
                <span className="delivery-member-text">
                  <span className="delivery-member-name">{m.name}</span>
                  <span className="muted small">{m.email}</span>
                </span>
                <Form method="post" preventScrollReset>
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="organizationId" value={organization.id} />
                  <input type="hidden" name="userId" value={m.userId} />
                  <button type="submit" className="button danger-ghost small" aria-label={`Remove ${m.name} from the delivery team`} disabled={busy}>
                    Remove
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        )}
        <Form method="post" className="delivery-add" preventScrollReset noValidate>
          <input type="hidden" name="intent" value="add" />
          <input type="hidden" name="organizationId" value={organization.id} />
          <div className="field">
            <label htmlFor="delivery-add-member">Add a member</label>
            <div className="cycle-add-row">
              <select
                id="delivery-add-member"
                name="userId"
                defaultValue={addFailed?.values.userId ?? ""}
                disabled={candidates.length === 0}
                aria-invalid={addFailed ? true : undefined}
                aria-describedby={addFailed ? "delivery-add-error" : undefined}
              >
                <option value="">{candidates.length ? "Choose a member…" : "Every member is in the team"}</option>
                {candidates.map((c) => (
                  <option key={c.userId} value={c.userId}>
                    {c.name} ({c.email})
                  </option>
                ))}
              </select>
              <button type="submit" className="button secondary" disabled={busy || candidates.length === 0}>
                Add to delivery team
              </button>
            </div>
            {addFailed ? (
              <p className="field-error" id="delivery-add-error">
                {addFailed.error.message}
              </p>
            ) : null}
          </div>
        </Form>
      </section>
    </div>
  );
}
