import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.targets";
import { FormAlert, SelectField, SubmitButton, TextField } from "../components/form.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import { DEAL_ROLES, DEAL_ROLE_LABELS, dealRoleLabel } from "../lib/deal-roles.ts";
import { formatDate } from "../lib/format.ts";
import { CURRENCIES, formatMoney, majorUnitsText, parseMoneyInput } from "../lib/money.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Targets · Settings · Dealroom" }];

/**
 * Targets per member and period, and whether won rooms are credited to their deal team too
 * (docs/decisions/021-pipeline.md; server/sales/targets.ts and deal-team.ts decide, admins only).
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    const targets = await services.targets.listTargets(ctx, organization.id);
    const { creditDealTeam } = await services.targets.teamCredit(ctx, organization.id);
    const members = (await services.members.listMembers(ctx, organization.id)).filter((m) => m.deactivatedAt === null).map((m) => ({ id: m.userId, name: m.name }));
    const year = new Date().getUTCFullYear();
    return { organization, targets, creditDealTeam, members, defaults: { periodStart: `${year}-01-01`, periodEnd: `${year}-12-31` } };
  });
}

const TARGET_FIELDS = ["userId", "periodStart", "periodEnd", "kind", "currency", "amount", "dealRole"] as const;

/** The typed amount: a count of wins, or money in major units turned into minor units. */
function amountOf(fields: Record<string, string>, services: Route.ActionArgs["context"]["app"]["services"]) {
  const text = (fields.amount ?? "").trim();
  if (fields.kind === "wins") {
    if (!/^\d+$/.test(text)) throw new services.errors.AppError(400, "invalid_input", "Please check amount.", { amount: "must be a whole number of wins" });
    return { amount: Number(text) };
  }
  const money = parseMoneyInput(text, fields.currency);
  if (!money.ok) throw new services.errors.AppError(400, "invalid_input", "Please check amount.", { amount: money.message });
  if (!money.value) throw new services.errors.AppError(400, "invalid_input", "Please check amount.", { amount: "is required" });
  return { amount: money.value.amount, currency: money.value.currency };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const org = fields.organizationId;
  switch (fields.intent) {
    case "team-credit":
      return attempt(
        async () => {
          await services.dealTeam.setTeamCredit(ctx, org, { creditDealTeam: fields.creditDealTeam === "on" });
          return { ok: true as const, intent: "team-credit" as const, targetId: null };
        },
        { intent: "team-credit" },
      );
    case "delete":
      return attempt(
        async () => {
          await services.targets.removeTarget(ctx, org, fields.targetId);
          return { ok: true as const, intent: "delete" as const, targetId: fields.targetId ?? null };
        },
        { intent: "delete" },
      );
    case "edit":
      // The same member, period, kind, currency and role with a new amount: the service replaces it.
      return attempt(
        async () => {
          const current = (await services.targets.listTargets(ctx, org)).find((t) => t.id === fields.targetId);
          if (!current) throw services.errors.notFound("Target");
          const currency = typeof current.target === "number" ? undefined : current.target.currency;
          const amount = amountOf({ ...fields, kind: current.kind, currency: currency ?? "" }, services);
          await services.targets.setTarget(ctx, org, {
            userId: current.user.id, periodStart: current.periodStart, periodEnd: current.periodEnd, kind: current.kind,
            ...amount, ...(current.dealRole ? { dealRole: current.dealRole } : {}),
          });
          return { ok: true as const, intent: "edit" as const, targetId: current.id };
        },
        { intent: "edit", values: { targetId: fields.targetId ?? "", amount: fields.amount ?? "" } },
      );
    default:
      return attempt(
        async () => {
          const amount = amountOf(fields, services);
          await services.targets.setTarget(ctx, org, {
            userId: fields.userId, periodStart: fields.periodStart, periodEnd: fields.periodEnd, kind: fields.kind,
            ...amount, ...(fields.dealRole ? { dealRole: fields.dealRole } : {}),
          });
          return { ok: true as const, intent: "add" as const, targetId: null };
        },
        { intent: "add", values: echo(fields) },
      );
  }
}

export default function Targets({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, targets, creditDealTeam, members, defaults } = loaderData;
  const busy = useNavigation().state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const added = failed?.intent === "add" ? failed : null;
  const value = (name: (typeof TARGET_FIELDS)[number], fallback = "") => (added?.values?.[name] as string | undefined) ?? fallback;
  return (
    <div className="target-settings">
      <section className="card" aria-labelledby="team-credit-heading">
        <h2 id="team-credit-heading">Team selling</h2>
        <p className="muted small">
          A won room is always credited to its owner. With team credit, every member who plays a role in the room's deal team (sales person, design
          consultant, financial expert, sales manager, sales enabler; set on the room's overview) is credited with the whole deal as well.
        </p>
        {failed?.intent === "team-credit" ? <FormAlert error={failed.error} /> : null}
        <Form method="post" preventScrollReset className="inline-form">
          <input type="hidden" name="intent" value="team-credit" />
          <input type="hidden" name="organizationId" value={organization.id} />
          <label className="checkbox">
            <input type="checkbox" name="creditDealTeam" defaultChecked={creditDealTeam} key={String(creditDealTeam)} /> Credit won rooms to their deal team too
          </label>
          <button type="submit" className="button secondary small" disabled={busy}>
            Save
          </button>
        </Form>
      </section>

      <section className="card" aria-labelledby="targets-heading">
        <h2 id="targets-heading">Targets</h2>
        <p className="muted small">A target per member and period: a value in one currency, or a number of wins, optionally for one deal-team role. The pipeline page shows attainment.</p>
        {failed && (failed.intent === "delete" || failed.intent === "edit") ? <FormAlert error={failed.error} /> : null}
        {targets.length === 0 ? (
          <p className="muted">No targets yet.</p>
        ) : (
          <ul className="target-list">
            {targets.map((t) => {
              const editing = failed?.intent === "edit" && failed.values?.targetId === t.id ? failed : null;
              const goal = typeof t.target === "number" ? `${t.target} win${t.target === 1 ? "" : "s"}` : formatMoney(t.target);
              return (
                <li key={t.id} className="target-row">
                  <span className="target-text">
                    <strong>{t.user.name}</strong>
                    <span className="muted small">
                      {formatDate(t.periodStart)} – {formatDate(t.periodEnd)}
                      {t.dealRole ? ` · as ${dealRoleLabel(t.dealRole)}` : ""}
                    </span>
                    <span>{goal}</span>
                  </span>
                  <span className="target-actions">
                    <Form method="post" preventScrollReset className="target-edit" key={`${t.id}:${goal}`}>
                      <input type="hidden" name="intent" value="edit" />
                      <input type="hidden" name="organizationId" value={organization.id} />
                      <input type="hidden" name="targetId" value={t.id} />
                      <label className="visually-hidden" htmlFor={`target-amount-${t.id}`}>
                        New {t.kind === "wins" ? "number of wins" : `amount in ${(t.target as { currency: string }).currency}`} for {t.user.name}
                        {t.dealRole ? ` as ${dealRoleLabel(t.dealRole)}` : ""}, {t.periodStart} to {t.periodEnd}
                      </label>
                      <input
                        id={`target-amount-${t.id}`}
                        name="amount"
                        inputMode="decimal"
                        defaultValue={editing ? String(editing.values?.amount ?? "") : typeof t.target === "number" ? String(t.target) : majorUnitsText(t.target)}
                        aria-invalid={editing ? true : undefined}
                      />
                      <button type="submit" className="button secondary small" disabled={busy}>
                        Change
                      </button>
                    </Form>
                    <Form method="post" preventScrollReset>
                      <input type="hidden" name="intent" value="delete" />
                      <input type="hidden" name="organizationId" value={organization.id} />
                      <input type="hidden" name="targetId" value={t.id} />
                      <button type="submit" className="button danger-ghost small" disabled={busy} aria-label={`Delete ${t.user.name}'s target of ${goal}${t.dealRole ? ` as ${dealRoleLabel(t.dealRole)}` : ""}, ${t.periodStart} to ${t.periodEnd}`}>
                        Delete
                      </button>
                    </Form>
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section className="card" aria-labelledby="new-target-heading">
        <h2 id="new-target-heading">Set a target</h2>
        {added ? <FormAlert error={added.error} fields={TARGET_FIELDS} /> : null}
        <Form method="post" preventScrollReset noValidate className="target-form">
          <input type="hidden" name="intent" value="add" />
          <input type="hidden" name="organizationId" value={organization.id} />
          <SelectField label="Member" name="userId" defaultValue={value("userId")} error={added?.error} options={members.map((m) => ({ value: m.id, label: m.name }))} />
          <TextField label="From" name="periodStart" type="date" defaultValue={value("periodStart", defaults.periodStart)} error={added?.error} />
          <TextField label="To" name="periodEnd" type="date" defaultValue={value("periodEnd", defaults.periodEnd)} error={added?.error} />
          <SelectField
            label="Kind"
            name="kind"
            defaultValue={value("kind", "value")}
            error={added?.error}
            options={[
              { value: "value", label: "Value won, in a currency" },
              { value: "wins", label: "Number of wins" },
            ]}
          />
          <SelectField label="Currency (value targets)" name="currency" defaultValue={value("currency", "USD")} error={added?.error} options={CURRENCIES.map((c) => ({ value: c, label: c }))} />
          <TextField label="Amount (major units, or wins)" name="amount" inputMode="decimal" defaultValue={value("amount")} error={added?.error} />
          <SelectField
            label="For a deal-team role"
            name="dealRole"
            defaultValue={value("dealRole")}
            error={added?.error}
            options={[{ value: "", label: "Any role" }, ...DEAL_ROLES.map((r) => ({ value: r, label: DEAL_ROLE_LABELS[r] }))]}
          />
          <SubmitButton>Set target</SubmitButton>
        </Form>
      </section>
    </div>
  );
}
