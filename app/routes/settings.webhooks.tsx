import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.webhooks";
import { FormAlert } from "../components/form.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Webhooks · Settings · Dealroom" }];

const EVENTS = [
  ["room.created", "Room created"],
  ["stage.changed", "Stage changed"],
  ["room.closed", "Won or lost"],
  ["participant.joined", "Participant joined"],
  ["plan.step_completed", "Plan step completed"],
  ["room.handed_off", "Hand-off made"],
] as const;

/** The organization's webhooks and their last delivery, for its admins (docs/api.md "Webhooks"; server/webhooks decides). */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    const { items } = await services.webhooks.listWebhooks(ctx, organization.id);
    return { organization, webhooks: items };
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const data = await request.clone().formData();
  const fields = await formFields(request);
  const intent = fields.intent === "delete" ? "delete" : "add";
  return attempt(
    async () => {
      if (intent === "delete") {
        await services.webhooks.deleteWebhook(ctx, fields.webhookId, fields.organizationId);
        return { ok: true as const, intent, secret: null };
      }
      const events = data.getAll("events").map(String);
      const made = await services.webhooks.createWebhook(ctx, { url: fields.url ?? "", events }, fields.organizationId);
      return { ok: true as const, intent, secret: made.secret };
    },
    { intent, values: { url: fields.url ?? "" } },
  );
}

function status(w: Route.ComponentProps["loaderData"]["webhooks"][number]): string {
  const d = w.lastDelivery;
  if (!d) return w.pending ? `${w.pending} waiting, not tried yet` : "Nothing sent yet";
  const when = d.attemptedAt ? new Date(d.attemptedAt).toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC" : "";
  if (d.deliveredAt) return `Delivered ${d.event} (${d.status}) · ${when}`;
  if (d.gaveUpAt) return `Gave up on ${d.event} after ${d.attempts} attempts: ${d.error ?? ""}`;
  return `Failed ${d.event}: ${d.error ?? d.status} · ${d.attempts} attempt${d.attempts === 1 ? "" : "s"}, next ${d.nextAttemptAt ? new Date(d.nextAttemptAt).toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC" : "—"}`;
}

export default function Webhooks({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, webhooks } = loaderData;
  const busy = useNavigation().state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const secret = actionData && actionData.ok && actionData.secret ? actionData.secret : null;
  return (
    <section className="card" aria-labelledby="webhooks-heading">
      <div className="card-header">
        <div>
          <h2 id="webhooks-heading">Webhooks</h2>
          <p className="muted small">Tell {organization.name}'s CRM when rooms change. Each delivery is signed; see the API documentation.</p>
        </div>
      </div>
      {secret ? (
        <p role="status">
          Webhook added. Its signing secret, shown only now: <code>{secret}</code>
        </p>
      ) : null}
      {failed && failed.intent === "delete" ? <FormAlert error={failed.error} /> : null}
      {webhooks.length === 0 ? (
        <p className="muted">No webhooks yet.</p>
      ) : (
        <ul className="delivery-list">
          {webhooks.map((w) => (
            <li key={w.id} className="delivery-member">
              <span className="delivery-member-text">
                <span className="delivery-member-name" style={{ overflowWrap: "anywhere" }}>{w.url}</span>
                <span className="muted small">{w.events.join(", ")}</span>
                <span className="small">{status(w)}</span>
              </span>
              <Form method="post" preventScrollReset>
                <input type="hidden" name="intent" value="delete" />
                <input type="hidden" name="organizationId" value={organization.id} />
                <input type="hidden" name="webhookId" value={w.id} />
                <button type="submit" className="button danger-ghost small" aria-label={`Delete the webhook to ${w.url}`} disabled={busy}>
                  Delete
                </button>
              </Form>
            </li>
          ))}
        </ul>
      )}
      <Form method="post" preventScrollReset noValidate>
        <input type="hidden" name="intent" value="add" />
        <input type="hidden" name="organizationId" value={organization.id} />
        <div className="field">
          <label htmlFor="webhook-url">Endpoint URL</label>
          <input id="webhook-url" name="url" type="url" defaultValue={failed?.intent === "add" ? failed.values.url : ""} aria-invalid={failed?.intent === "add" ? true : undefined} aria-describedby={failed?.intent === "add" ? "webhook-error" : undefined} />
        </div>
        <fieldset className="field">
          <legend>Events</legend>
          {EVENTS.map(([value, label]) => (
            <label key={value} style={{ display: "block" }}>
              <input type="checkbox" name="events" value={value} defaultChecked /> {label}
            </label>
          ))}
        </fieldset>
        {failed?.intent === "add" ? (
          <p className="field-error" id="webhook-error">
            {failed.error.message}
          </p>
        ) : null}
        <button type="submit" className="button secondary" disabled={busy}>
          Add webhook
        </button>
      </Form>
    </section>
  );
}
