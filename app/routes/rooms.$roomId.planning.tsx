import { Form, Link, redirect, useActionData, useLoaderData, useNavigation, useSearchParams } from "react-router";
import type { Route } from "./+types/rooms.$roomId.planning";
import { FormAlert, SelectField, TextareaField, TextField } from "../components/form.tsx";
import { DocIcon, GuestIcon, LockIcon, PencilIcon, PlusIcon } from "../components/icons.tsx";
import { InternalBadge, ProgressBar } from "../components/plan/plan-bits.tsx";
import { useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import type { FormError } from "../lib/form-error.ts";
import { formatDate } from "../lib/format.ts";
import { useRoomData } from "../lib/room-data.ts";
import { actorContext } from "../lib/session.server.ts";
import type { QualificationAnswer } from "../../server/sales/qualification.ts";
import type { Stakeholder } from "../../server/sales/stakeholders.ts";
import planStyles from "../styles/plan.css?url";
import threadStyles from "../styles/threads.css?url";

export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: threadStyles },
  { rel: "stylesheet", href: planStyles },
];

/**
 * The Internal planning tab: the stakeholder map, the qualification checklist and the deal
 * strategy. For the buyer's side it does not exist (the services answer 404).
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const [stakeholders, qualification] = await Promise.all([services.stakeholders.listStakeholders(ctx, params.roomId), services.qualification.getQualification(ctx, params.roomId)]);
    const [standing, pages, participants] = await Promise.all([
      services.access.loadStanding(ctx.sql, ctx.actor, params.roomId),
      services.pages.listPages(ctx, params.roomId),
      services.participants.listParticipants(ctx, params.roomId),
    ]);
    const strategy = pages.find((p) => p.title.trim().toLowerCase() === services.pageTemplates.DEAL_STRATEGY_TITLE.toLowerCase()) ?? null;
    return {
      roomId: params.roomId,
      stakeholders: stakeholders.items,
      qualification,
      strategyPage: strategy ? { id: strategy.id, title: strategy.title } : null,
      // The service's vocabulary, for the forms (the page imports no server code: docs/architecture.md).
      choices: { decisionRoles: services.stakeholders.DECISION_ROLES, influence: services.stakeholders.INFLUENCE_LEVELS, stances: services.stakeholders.STANCES },
      guests: participants.filter((p) => p.side === "external").map((p) => ({ id: p.userId, name: p.name })),
      abilities: {
        editPeople: stakeholders.abilities.edit,
        editQualification: qualification.abilities.edit,
        createStrategy: services.access.can(standing, "page.create") && services.access.can(standing, "internal.read"),
      },
    };
  });
}

const personInput = (fields: Record<string, string>) => ({
  name: fields.name ?? "",
  title: fields.title ?? "",
  decisionRole: fields.decisionRole,
  influence: fields.influence,
  stance: fields.stance,
  notes: fields.notes ?? "",
  userId: fields.userId || null,
});

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", ...fields } = await formFields(request);
  return attempt(
    async () => {
      if (intent === "add-person") {
        await services.stakeholders.createStakeholder(ctx, params.roomId, personInput(fields));
      } else if (intent === "edit-person") {
        await services.stakeholders.updateStakeholder(ctx, fields.stakeholderId, personInput(fields));
        return redirect(`/rooms/${params.roomId}/planning`);
      } else if (intent === "remove-person") {
        await services.stakeholders.removeStakeholder(ctx, fields.stakeholderId);
      } else if (intent === "qualify") {
        // One form for the whole checklist: only the answers that changed are saved.
        const current = await services.qualification.getQualification(ctx, params.roomId);
        for (const answer of current.items) {
          const status = fields[`status.${answer.item}`] ?? answer.status;
          const note = fields[`note.${answer.item}`] ?? answer.note;
          const requiredBy = answer.item === "required_by" ? fields.requiredBy || null : undefined;
          const changed = status !== answer.status || note !== answer.note || (requiredBy !== undefined && requiredBy !== answer.requiredBy);
          if (changed) await services.qualification.setQualificationAnswer(ctx, params.roomId, answer.item, { status, note, ...(requiredBy !== undefined ? { requiredBy } : {}) });
        }
      } else if (intent === "create-strategy") {
        const page = await services.pages.createPage(ctx, params.roomId, { template: "deal-strategy" });
        return redirect(`/rooms/${params.roomId}/pages/${page.id}`);
      } else {
        return { ok: false as const, intent, error: { code: "invalid_input", message: "Unknown action." } as FormError, values: {} as Record<string, string> };
      }
      return { ok: true as const, intent, error: null, values: {} as Record<string, string> };
    },
    { intent, values: echo(fields) },
  );
}

const ROLE_LABEL: Record<Stakeholder["decisionRole"], string> = {
  economic_buyer: "Economic buyer",
  decision_maker: "Decision maker",
  champion: "Champion",
  technical_evaluator: "Technical evaluator",
  user: "User",
  influencer: "Influencer",
  blocker: "Blocker",
  coach: "Coach",
  unknown: "Role not known yet",
};
const STANCE_LABEL: Record<Stakeholder["stance"], string> = {
  supporter: "Supporter",
  neutral: "Neutral",
  skeptic: "Skeptic",
  opponent: "Opponent",
  unknown: "Stance unknown",
};
const INFLUENCE_LABEL: Record<Stakeholder["influence"], string> = { low: "Low influence", medium: "Medium influence", high: "High influence" };

const LIVE_EVENTS = ["stakeholder.added", "stakeholder.updated", "stakeholder.removed", "qualification.updated", "page.created", "room:refused"];

export default function RoomPlanning({ loaderData }: Route.ComponentProps) {
  const { roomId, stakeholders, qualification, strategyPage, guests, abilities, choices } = loaderData;
  const { room } = useRoomData();
  const refresh = useDebouncedRevalidate();
  const live = useRoomEvents(roomId, Object.fromEntries(LIVE_EVENTS.map((name) => [name, refresh])));
  const actionData = useActionData<typeof action>();
  const [search] = useSearchParams();
  const editing = search.get("person");
  const failed = actionData && !actionData.ok ? actionData : null;
  const groups = choices.decisionRoles.map((role) => ({ role, people: stakeholders.filter((s) => s.decisionRole === role) })).filter((g) => g.people.length);

  return (
    <div className="planning">
      <section className="card planning-banner" aria-label="About this tab">
        <span className="planning-banner-icon">
          <LockIcon size={18} />
        </span>
        <div>
          <h2>Internal planning</h2>
          <p className="muted small">Only your team sees this tab: who decides at {room.account}, how qualified the deal is, and how we win it.</p>
        </div>
        <LiveStatus live={live} />
      </section>

      <div className="planning-grid">
        <section className="card stakeholder-map" aria-labelledby="stakeholders-heading">
          <div className="card-header">
            <h2 id="stakeholders-heading">Stakeholder map</h2>
            <span className="muted small">{stakeholders.length} {stakeholders.length === 1 ? "person" : "people"}</span>
          </div>
          {groups.length === 0 ? (
            <p className="muted small">Nobody on the map yet. Add the buyer's people: who signs, who champions, who could block.</p>
          ) : (
            <div className="stakeholder-groups">
              {groups.map((group) => (
                <div key={group.role} className="stakeholder-group">
                  <h3>{ROLE_LABEL[group.role]}</h3>
                  <ul className="stakeholder-cards">
                    {group.people.map((person) =>
                      editing === person.id && abilities.editPeople ? (
                        <li key={person.id} className="stakeholder-card is-editing">
                          <PersonForm intent="edit-person" person={person} guests={guests} error={failed?.values?.stakeholderId === person.id ? failed.error : null} />
                        </li>
                      ) : (
                        <PersonCard key={person.id} person={person} canEdit={abilities.editPeople} error={failed?.intent === "remove-person" && failed.values?.stakeholderId === person.id ? failed.error : null} />
                      ),
                    )}
                  </ul>
                </div>
              ))}
            </div>
          )}
          {abilities.editPeople ? (
            <details className="stakeholder-add" open={failed?.intent === "add-person" || stakeholders.length === 0}>
              <summary className="button secondary small">
                <PlusIcon /> Add a person
              </summary>
              <PersonForm intent="add-person" guests={guests} error={failed?.intent === "add-person" ? failed.error : null} values={failed?.intent === "add-person" ? failed.values : undefined} key={actionData?.ok ? `added-${stakeholders.length}` : "add"} />
            </details>
          ) : null}
        </section>

        <div className="planning-side">
          <QualificationCard qualification={qualification} canEdit={abilities.editQualification} error={failed?.intent === "qualify" ? failed.error : null} saved={actionData?.ok === true && actionData.intent === "qualify"} />

          <section className="card strategy-card" aria-labelledby="strategy-heading">
            <h2 id="strategy-heading">Deal strategy</h2>
            <p className="muted small">Factors in our favour, factors against, and the strategy that follows: an internal page your team writes together.</p>
            {strategyPage ? (
              <Link to={`/rooms/${roomId}/pages/${strategyPage.id}`} className="button secondary">
                <DocIcon /> Open “{strategyPage.title}”
              </Link>
            ) : abilities.createStrategy ? (
              <Form method="post">
                <input type="hidden" name="intent" value="create-strategy" />
                <FormAlert error={failed?.intent === "create-strategy" ? failed.error : null} />
                <button type="submit" className="button primary">
                  <DocIcon /> Create deal-strategy page
                </button>
              </Form>
            ) : (
              <p className="muted small">No deal-strategy page yet.</p>
            )}
          </section>
        </div>
      </div>
    </div>
  );
}

function PersonCard({ person, canEdit, error }: { person: Stakeholder; canEdit: boolean; error: FormError | null }) {
  const busy = useNavigation().state === "submitting";
  return (
    <li className={`stakeholder-card stance-${person.stance}`} aria-label={person.name}>
      <div className="stakeholder-head">
        <div>
          <p className="stakeholder-name">{person.name}</p>
          {person.title ? <p className="muted small">{person.title}</p> : null}
        </div>
        <span className={`stance-pill stance-${person.stance}`}>{STANCE_LABEL[person.stance]}</span>
      </div>
      <div className="stakeholder-meta small">
        <span className={`influence influence-${person.influence}`} title={INFLUENCE_LABEL[person.influence]}>
          <span className="influence-bars" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {INFLUENCE_LABEL[person.influence]}
        </span>
        {person.user ? (
          <span className="badge badge-guest">
            <GuestIcon size={12} /> In the room
          </span>
        ) : null}
      </div>
      {person.notes ? <p className="stakeholder-notes small">{person.notes}</p> : null}
      {error ? (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      ) : null}
      {canEdit ? (
        <div className="stakeholder-tools">
          <Link to={`?person=${person.id}`} preventScrollReset className="button ghost small" aria-label={`Edit ${person.name}`}>
            <PencilIcon /> Edit
          </Link>
          <Form method="post" preventScrollReset className="inline-form">
            <input type="hidden" name="intent" value="remove-person" />
            <input type="hidden" name="stakeholderId" value={person.id} />
            <button type="submit" className="button danger-ghost small" disabled={busy} aria-label={`Remove ${person.name}`}>
              Remove
            </button>
          </Form>
        </div>
      ) : null}
    </li>
  );
}

const options = <K extends string>(values: readonly K[], labels: Record<K, string>) => values.map((value) => ({ value, label: labels[value] }));

function PersonForm({
  intent,
  person,
  guests,
  error,
  values,
}: {
  intent: "add-person" | "edit-person";
  person?: Stakeholder;
  guests: { id: string; name: string }[];
  error: FormError | null;
  values?: Record<string, string> | undefined;
}) {
  const { choices } = useLoaderData<typeof loader>();
  const v = (name: keyof Stakeholder, fallback = "") => values?.[name] ?? (person ? String(person[name] ?? "") : fallback);
  return (
    <Form method="post" className="stakeholder-form stack">
      <input type="hidden" name="intent" value={intent} />
      {person ? <input type="hidden" name="stakeholderId" value={person.id} /> : null}
      <FormAlert error={error} fields={["name", "title", "decisionRole", "influence", "stance", "notes", "userId"]} />
      <div className="field-row">
        <TextField label="Name" name="name" required maxLength={200} error={error} defaultValue={v("name")} autoComplete="off" />
        <TextField label="Title" name="title" maxLength={200} error={error} defaultValue={v("title")} autoComplete="off" placeholder="e.g. CFO" />
      </div>
      <div className="field-row three">
        <SelectField label="Role in the decision" name="decisionRole" error={error} defaultValue={v("decisionRole", "unknown")} options={options(choices.decisionRoles, ROLE_LABEL)} />
        <SelectField label="Influence" name="influence" error={error} defaultValue={v("influence", "medium")} options={options(choices.influence, { low: "Low", medium: "Medium", high: "High" })} />
        <SelectField label="Stance" name="stance" error={error} defaultValue={v("stance", "unknown")} options={options(choices.stances, STANCE_LABEL)} />
      </div>
      {guests.length ? (
        <SelectField
          label="In the room as"
          name="userId"
          error={error}
          defaultValue={values?.userId ?? person?.user?.id ?? ""}
          options={[{ value: "", label: "Not in the room" }, ...guests.map((g) => ({ value: g.id, label: `${g.name} (Guest)` }))]}
        />
      ) : null}
      <TextareaField label="Notes" name="notes" rows={2} maxLength={5000} error={error} defaultValue={v("notes")} />
      <div className="form-actions">
        <button type="submit" className="button primary small">
          {person ? "Save" : "Add to the map"}
        </button>
        {person ? (
          <Link to="." className="button ghost small">
            Cancel
          </Link>
        ) : null}
      </div>
    </Form>
  );
}

function QualificationCard({ qualification, canEdit, error, saved }: { qualification: { items: QualificationAnswer[]; qualified: number; total: number }; canEdit: boolean; error: FormError | null; saved: boolean }) {
  const busy = useNavigation().state === "submitting";
  return (
    <section className="card qualification" aria-labelledby="qualification-heading">
      <div className="card-header">
        <h2 id="qualification-heading">Qualification</h2>
        <span className="qualification-score small" data-testid="qualified-count">
          <strong>{qualification.qualified}</strong> of {qualification.total} qualified
        </span>
      </div>
      <ProgressBar done={qualification.qualified} total={qualification.total} label="Qualified" />
      <Form method="post" className="qualification-form">
        <input type="hidden" name="intent" value="qualify" />
        <FormAlert error={error} />
        <ul className="qualification-list">
          {qualification.items.map((answer) => (
            <li key={answer.item} className={`qualification-item is-${answer.status}`}>
              <div className="qualification-label">
                <span className="qualification-name">{answer.label}</span>
                <span className="muted small">{answer.hint}</span>
              </div>
              {canEdit ? (
                <>
                  <fieldset className="qualification-choice">
                    <legend className="visually-hidden">{answer.label}</legend>
                    {(["yes", "no", "unknown"] as const).map((status) => (
                      <label key={status} className={`is-${status}`}>
                        <input type="radio" name={`status.${answer.item}`} value={status} defaultChecked={answer.status === status} />
                        <span>{status === "yes" ? "Yes" : status === "no" ? "No" : "?"}</span>
                      </label>
                    ))}
                  </fieldset>
                  {answer.item === "required_by" ? (
                    <TextField label="Date" name="requiredBy" type="date" className="qualification-date" defaultValue={answer.requiredBy ?? ""} error={error} />
                  ) : null}
                  <label className="visually-hidden" htmlFor={`note-${answer.item}`}>
                    Note on {answer.label}
                  </label>
                  <input id={`note-${answer.item}`} name={`note.${answer.item}`} className="qualification-note" defaultValue={answer.note} maxLength={2000} placeholder="Note" autoComplete="off" />
                </>
              ) : (
                <div className="qualification-read">
                  <span className={`qualification-answer is-${answer.status}`}>{answer.status === "yes" ? "Yes" : answer.status === "no" ? "No" : "Unknown"}</span>
                  {answer.item === "required_by" && answer.requiredBy ? <span className="small">{formatDate(answer.requiredBy)}</span> : null}
                  {answer.note ? <span className="muted small">{answer.note}</span> : null}
                </div>
              )}
            </li>
          ))}
        </ul>
        {canEdit ? (
          <div className="form-actions">
            <button type="submit" className="button primary small" disabled={busy}>
              Save checklist
            </button>
            {saved ? <span className="muted small" role="status">Saved</span> : null}
          </div>
        ) : null}
      </Form>
      <p className="muted small qualification-footnote">
        <InternalBadge what="checklist" /> Never shown to the buyer.
      </p>
    </section>
  );
}
