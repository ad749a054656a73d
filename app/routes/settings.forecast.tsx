import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.forecast";
import { FormAlert, TextareaField } from "../components/form.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Forecast · Settings · Dealroom" }];

/**
 * The event-based forecast's statuses and matrices, for admins (decision 027;
 * server/sales/forecast.ts decides and validates). A status keeps its id (and the rooms' marks)
 * when it keeps its line.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    return { organization, settings: await context.app.services.forecast.getForecastSettings(ctx, organization.id) };
  });
}

const lines = (text: string | undefined) => (text ?? "").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
const matrix = (text: string | undefined) => lines(text).map((l) => l.split(/[\s,;]+/).filter(Boolean).map((n) => Number(n)));
const matrixText = (m: number[][]) => m.map((r) => r.join(" ")).join("\n");

export async function action({ request, context }: Route.ActionArgs) {
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  return attempt(
    async () => {
      const current = await context.app.services.forecast.getForecastSettings(ctx, fields.organizationId);
      const keep = (labels: string[], old: { id: string }[]) => labels.map((label, i) => (old[i] ? { id: old[i]!.id, label } : { label }));
      await context.app.services.forecast.setForecastSettings(ctx, fields.organizationId, {
        buying: keep(lines(fields.buying), current.buying),
        sales: keep(lines(fields.sales), current.sales),
        probability: matrix(fields.probability),
        days: matrix(fields.days),
      });
      return { ok: true as const };
    },
    { values: { buying: fields.buying ?? "", sales: fields.sales ?? "", probability: fields.probability ?? "", days: fields.days ?? "" } },
  );
}

export default function ForecastSettings({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, settings } = loaderData;
  const busy = useNavigation().state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const values = failed?.values ?? {
    buying: settings.buying.map((s) => s.label).join("\n"),
    sales: settings.sales.map((s) => s.label).join("\n"),
    probability: matrixText(settings.probability),
    days: matrixText(settings.days),
  };
  const key = failed ? "failed" : JSON.stringify(settings);
  return (
    <section className="card" aria-labelledby="forecast-heading">
      <div className="card-header">
        <div>
          <h2 id="forecast-heading">Forecast</h2>
          <p className="muted small">
            {organization.name}'s forecast is event-based: each room's probability and time until close come from how many buying statuses (events the buyer
            completes) and sales statuses (events your team completes) it has completed.
          </p>
        </div>
      </div>
      {failed ? (
        <>
          <FormAlert error={failed.error} />
          {failed.error.fields ? (
            <ul className="field-error">
              {Object.entries(failed.error.fields).map(([f, m]) => (
                <li key={f}>
                  {f}: {m}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : actionData?.ok ? (
        <p role="status" className="alert alert-success">Saved.</p>
      ) : null}
      <Form method="post" key={key} noValidate>
        <input type="hidden" name="organizationId" value={organization.id} />
        <TextareaField label="Buying statuses" name="buying" rows={6} defaultValue={values.buying} hint="One per line, in the order buyers usually complete them." />
        <TextareaField label="Sales statuses" name="sales" rows={6} defaultValue={values.sales} hint="One per line." />
        <TextareaField
          label="Probability of close"
          name="probability"
          rows={settings.buying.length + 2}
          defaultValue={values.probability}
          hint="One row per number of buying statuses completed (0 first), one number between 0 and 1 per number of sales statuses completed (0 first)."
          className="mono"
        />
        <TextareaField
          label="Days until close"
          name="days"
          rows={settings.buying.length + 2}
          defaultValue={values.days}
          hint="The same shape: whole days, 0 or more."
          className="mono"
        />
        {settings.abilities.edit ? (
          <button type="submit" className="button primary" disabled={busy}>
            Save forecast settings
          </button>
        ) : null}
      </Form>
    </section>
  );
}
