import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.engagement";
import { FormAlert, TextField } from "../components/form.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Engagement · Settings · Dealroom" }];

/**
 * Engagement tracking for all of the organization's rooms and the "gone quiet" threshold, for
 * admins (docs/decisions/025-engagement.md; server/engagement/settings.ts decides and validates).
 * One room's own switch is on its Engagement tab.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    return { organization, settings: await context.app.services.engagementSettings.getOrgEngagementSettings(ctx, organization.id) };
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const days = (fields.quietAfterDays ?? "").trim();
  return attempt(
    async () => {
      await context.app.services.engagementSettings.setOrgEngagementSettings(ctx, fields.organizationId, {
        tracking: fields.tracking === "on",
        // Not a number stays a string, so the service's validation names the field.
        quietAfterDays: /^-?\d+$/.test(days) ? Number(days) : days,
      });
      return { ok: true as const };
    },
    { values: { tracking: fields.tracking === "on" ? "on" : "", quietAfterDays: days } },
  );
}

export default function EngagementSettings({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, settings } = loaderData;
  const busy = useNavigation().state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const values = failed?.values ?? { tracking: settings.tracking ? "on" : "", quietAfterDays: String(settings.quietAfterDays) };
  const key = failed ? "failed" : JSON.stringify(settings);
  return (
    <section className="card" aria-labelledby="engagement-settings-heading">
      <div className="card-header">
        <div>
          <h2 id="engagement-settings-heading">Engagement</h2>
          <p className="muted small">
            Active reading time in {organization.name}'s rooms: counted only while the tab is visible, the window in focus and there was input in the last 30
            seconds. Every participant sees what is recorded about them. A room's owner can also turn it off for one room, on its Engagement tab.
          </p>
        </div>
      </div>
      {failed ? <FormAlert error={failed.error} fields={["quietAfterDays", "tracking"]} /> : actionData?.ok ? <p role="status" className="alert alert-success">Saved.</p> : null}
      {!settings.tracking ? (
        <p className="alert" role="status">
          Engagement tracking is off for all rooms: nothing is being recorded.
        </p>
      ) : null}
      <Form method="post" key={key} noValidate>
        <input type="hidden" name="organizationId" value={organization.id} />
        <label className="checkbox">
          <input type="checkbox" name="tracking" defaultChecked={values.tracking === "on"} /> Record engagement in all rooms
        </label>
        <TextField
          label="Gone quiet after"
          name="quietAfterDays"
          type="number"
          inputMode="numeric"
          min={1}
          max={365}
          required
          defaultValue={values.quietAfterDays}
          error={failed?.error}
          hint="Days without buyer activity after which a room is flagged as gone quiet and its owner is told (1 to 365)."
        />
        <button type="submit" className="button primary" disabled={busy}>
          Save engagement settings
        </button>
      </Form>
    </section>
  );
}
