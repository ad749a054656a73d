import { useEffect, useRef } from "react";
import { Form, Link, redirect, useActionData, useNavigation, useSearchParams } from "react-router";
import type { Route } from "./+types/rooms.$roomId.plan";
import { useEngagement } from "../components/engagement.tsx";
import { FormAlert, SelectField, TextareaField, TextField } from "../components/form.tsx";
import { CalendarIcon, CheckIcon, LockIcon, PencilIcon, PlusIcon } from "../components/icons.tsx";
import { Avatar } from "../components/people.tsx";
import { InternalBadge, OwnerOptions, ProgressBar, type PersonOption } from "../components/plan/plan-bits.tsx";
import { useDebouncedRevalidate, useRoomEvents } from "../components/threads/live.ts";
import { LiveStatus } from "../components/threads/live-status.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import { fieldError, type FormError } from "../lib/form-error.ts";
import { formatDate } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";
import type { PlanStepView } from "../../server/sales/plan.ts";
import planStyles from "../styles/plan.css?url";
import threadStyles from "../styles/threads.css?url";

// threads.css styles the shared live-status indicator.
export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: threadStyles },
  { rel: "stylesheet", href: planStyles },
];

/** The Plan tab: the mutual action plan as the reader may see it, and who may be asked to own a step. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const [plan, participants] = await orErrorPage(() => Promise.all([services.plan.listPlan(ctx, params.roomId), services.participants.listParticipants(ctx, params.roomId)]));
  const people: PersonOption[] = participants.map((p) => ({ id: p.userId, name: p.name, side: p.side }));
  return { roomId: params.roomId, plan, people };
}

/** Plan changes; the services decide who may do what and refusals come back next to the step. */
export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", ...fields } = await formFields(request);
  const stepId = fields.stepId;
  return attempt(
    async () => {
      let added: string | null = null;
      if (intent === "add") {
        ({ id: added } = await services.plan.createPlanStep(ctx, params.roomId, {
          title: fields.title ?? "",
          ownerId: fields.ownerId || null,
          dueDate: fields.dueDate || null,
          notes: fields.notes ?? "",
          visibility: fields.visibility || "shared",
        }));
      } else if (intent === "status") {
        await services.plan.updatePlanStep(ctx, stepId, { status: fields.status });
      } else if (intent === "edit") {
        await services.plan.updatePlanStep(ctx, stepId, {
          title: fields.title ?? "",
          notes: fields.notes ?? "",
          ownerId: fields.ownerId || null,
          dueDate: fields.dueDate || null,
          ...(fields.visibility ? { visibility: fields.visibility } : {}),
        });
        return redirect(`/rooms/${params.roomId}/plan`);
      } else if (intent === "remove") {
        await services.plan.removePlanStep(ctx, stepId);
      } else if (intent === "move") {
        const ids = (await services.plan.listPlan(ctx, params.roomId)).items.map((s) => s.id);
        const from = ids.indexOf(stepId ?? "");
        const to = from + (fields.direction === "up" ? -1 : 1);
        if (from >= 0 && to >= 0 && to < ids.length) {
          [ids[from], ids[to]] = [ids[to]!, ids[from]!];
          await services.plan.reorderPlan(ctx, params.roomId, { stepIds: ids });
        }
      } else {
        return { ok: false as const, intent, error: { code: "invalid_input", message: "Unknown action." } as FormError, values: {} as Record<string, string> };
      }
      return { ok: true as const, intent, error: null, values: {} as Record<string, string>, added };
    },
    { intent, values: echo(fields) },
  );
}

const LIVE_EVENTS = ["plan.step_added", "plan.step_updated", "plan.step_removed", "plan.reordered", "room:refused"];
const STATUS_LABEL = { open: "Open", done: "Done", blocked: "Blocked" } as const;

export default function RoomPlan({ loaderData }: Route.ComponentProps) {
  const { roomId, plan, people } = loaderData;
  useEngagement(roomId, "plan", roomId);
  const refresh = useDebouncedRevalidate();
  const live = useRoomEvents(roomId, Object.fromEntries(LIVE_EVENTS.map((name) => [name, refresh])));
  const actionData = useActionData<typeof action>();
  // The add form starts afresh once per step added; revalidations (live events) leave what is being typed alone.
  const addForm = useRef<HTMLFormElement>(null);
  const added = actionData?.ok && "added" in actionData ? actionData.added : null;
  useEffect(() => {
    if (added) addForm.current?.reset();
  }, [added]);
  const [search] = useSearchParams();
  const editing = search.get("edit");
  const failed = actionData && !actionData.ok ? actionData : null;
  const addError = failed?.intent === "add" ? failed.error : null;
  const done = plan.items.filter((s) => s.status === "done").length;
  const overdue = plan.items.filter((s) => s.overdue).length;
  const late = !!plan.projectedCloseDate && !!plan.expectedCloseDate && plan.projectedCloseDate > plan.expectedCloseDate;

  return (
    <div className="plan-layout">
      <div className="plan-main">
        <section className="card plan-summary" aria-labelledby="plan-heading">
          <div className="plan-summary-text">
            <div className="plan-title-line">
              <h2 id="plan-heading">Mutual action plan</h2>
              <LiveStatus live={live} />
            </div>
            <p className="muted small">The steps both teams agreed to take, in order, from here to a signed contract and a live rollout.</p>
            <div className="plan-progress-line">
              <ProgressBar done={done} total={plan.items.length} label="Steps done" />
              <span className="small">
                <strong>{done}</strong> of {plan.items.length} done
                {overdue ? <span className="plan-overdue-count"> · {overdue} overdue</span> : null}
              </span>
            </div>
          </div>
          <div className={`plan-dates${late ? " is-late" : ""}`}>
            <dl className="plan-dates-list">
              <div>
                <dt>Projected close</dt>
                <dd data-testid="projected-close">{plan.projectedCloseDate ? formatDate(plan.projectedCloseDate) : "No dates yet"}</dd>
              </div>
              <div>
                <dt>Expected close</dt>
                <dd>{plan.expectedCloseDate ? formatDate(plan.expectedCloseDate) : "Not set"}</dd>
              </div>
            </dl>
            {late ? (
              <p className="plan-late" role="status">
                The plan ends after the expected close date.
              </p>
            ) : null}
          </div>
        </section>

        {plan.items.length === 0 ? (
          <div className="card empty-state">
            <span className="empty-icon">
              <CalendarIcon size={22} />
            </span>
            <h2>No steps yet</h2>
            <p className="muted">
              {plan.abilities.create
                ? "Write down what each side does next: demos, security review, pilot, legal, signature. Give every step an owner and a date."
                : "The steps both teams agree on will appear here."}
            </p>
          </div>
        ) : (
          <ol className="plan-steps" aria-label="Plan steps">
            {plan.items.map((step, index) => (
              <StepRow
                key={step.id}
                step={step}
                index={index}
                last={index === plan.items.length - 1}
                canReorder={plan.abilities.reorder}
                editing={editing === step.id}
                people={people}
                error={failed && failed.values?.stepId === step.id ? failed.error : null}
                values={failed && failed.values?.stepId === step.id ? failed.values : null}
              />
            ))}
          </ol>
        )}
      </div>

      {plan.abilities.create ? (
        <aside className="plan-side">
          <Form method="post" className="card plan-add" ref={addForm}>
            <h2>Add a step</h2>
            <FormAlert error={addError} fields={["title", "ownerId", "dueDate", "notes", "visibility"]} />
            <input type="hidden" name="intent" value="add" />
            <TextField label="Step" name="title" required maxLength={300} error={addError} autoComplete="off" placeholder="e.g. Security review sign-off" defaultValue={failed?.intent === "add" ? failed.values.title : ""} />
            <OwnerField id="new-step-owner" people={people} error={addError} defaultValue={failed?.intent === "add" ? failed.values.ownerId : ""} />
            <TextField label="Due date" name="dueDate" type="date" error={addError} defaultValue={failed?.intent === "add" ? failed.values.dueDate : ""} />
            <TextareaField label="Notes" name="notes" rows={2} maxLength={5000} error={addError} defaultValue={failed?.intent === "add" ? failed.values.notes : ""} />
            {/* The checkbox comes after the default: the last value of a repeated field wins. */}
            <input type="hidden" name="visibility" value="shared" />
            {plan.abilities.createInternal ? (
              <label className="checkbox-line">
                <input type="checkbox" name="visibility" value="internal" defaultChecked={failed?.intent === "add" && failed.values.visibility === "internal"} /> <LockIcon size={12} /> Internal: only your team
              </label>
            ) : null}
            <button type="submit" className="button primary">
              <PlusIcon /> Add step
            </button>
          </Form>
          <div className="card plan-legend">
            <h3>How this plan works</h3>
            <ul className="small muted">
              <li>Both teams see shared steps and can mark them done.</li>
              {plan.abilities.createInternal ? <li>Steps marked <InternalBadge /> are for your team only; the buyer never sees them.</li> : null}
              <li>A step past its due date and not done is marked overdue.</li>
            </ul>
          </div>
        </aside>
      ) : null}
    </div>
  );
}

/** The owner select: the room's participants, labelled with their side. */
function OwnerField({ id, people, error, defaultValue, internalOnly }: { id: string; people: PersonOption[]; error: FormError | null; defaultValue: string | undefined; internalOnly?: boolean }) {
  const message = fieldError(error, "ownerId");
  return (
    <div className="field">
      <label htmlFor={id}>Owner</label>
      <select id={id} name="ownerId" defaultValue={defaultValue ?? ""} aria-invalid={message ? true : undefined} aria-describedby={message ? `${id}-error` : undefined}>
        <OwnerOptions people={people} internalOnly={internalOnly} />
      </select>
      {message ? (
        <p className="field-error" id={`${id}-error`}>
          Owner {message}
        </p>
      ) : null}
    </div>
  );
}

function StepRow({
  step,
  index,
  last,
  canReorder,
  editing,
  people,
  error,
  values,
}: {
  step: PlanStepView;
  index: number;
  last: boolean;
  canReorder: boolean;
  editing: boolean;
  people: PersonOption[];
  error: FormError | null;
  values: Record<string, string> | null;
}) {
  const busy = useNavigation().state === "submitting";
  const canEdit = step.abilities["item.edit"];
  const canStatus = step.abilities["item.setStatus"];
  const classes = ["plan-step", `is-${step.status}`, step.overdue ? "is-overdue" : "", step.visibility === "internal" ? "is-internal" : ""].filter(Boolean).join(" ");

  if (editing && canEdit) {
    return (
      <li className={`${classes} is-editing`} data-step-id={step.id}>
        <Form method="post" className="plan-edit">
          <input type="hidden" name="intent" value="edit" />
          <input type="hidden" name="stepId" value={step.id} />
          <FormAlert error={error} fields={["title", "ownerId", "dueDate", "notes", "visibility"]} />
          <TextField label="Step" name="title" required maxLength={300} error={error} defaultValue={values?.title ?? step.title} />
          <div className="field-row">
            <OwnerField id={`owner-${step.id}`} people={people} error={error} defaultValue={values?.ownerId ?? step.owner?.id ?? ""} internalOnly={step.visibility === "internal"} />
            <TextField label="Due date" name="dueDate" type="date" error={error} defaultValue={values?.dueDate ?? step.dueDate ?? ""} />
          </div>
          <TextareaField label="Notes" name="notes" rows={3} maxLength={5000} error={error} defaultValue={values?.notes ?? step.notes} />
          {step.abilities["item.changeVisibility"] ? (
            <SelectField
              label="Who can see it"
              name="visibility"
              error={error}
              defaultValue={values?.visibility ?? step.visibility}
              options={[
                { value: "shared", label: "Shared with the buyer" },
                { value: "internal", label: "Internal: only your team" },
              ]}
            />
          ) : null}
          <div className="form-actions">
            <button type="submit" className="button primary small" disabled={busy}>
              Save step
            </button>
            <Link to="." className="button ghost small">
              Cancel
            </Link>
          </div>
        </Form>
      </li>
    );
  }

  return (
    <li className={classes} data-step-id={step.id} aria-label={step.title}>
      <span className="plan-step-number" aria-hidden="true">
        {step.status === "done" ? <CheckIcon size={14} /> : index + 1}
      </span>
      <div className="plan-step-body">
        <div className="plan-step-title">
          <span className="plan-step-name">{step.title}</span>
          {step.visibility === "internal" ? <InternalBadge /> : null}
        </div>
        {step.notes ? <p className="plan-step-notes">{step.notes}</p> : null}
        <div className="plan-step-meta">
          {step.owner ? (
            <span className="plan-owner">
              <Avatar person={{ userId: step.owner.id, name: step.owner.name, side: step.owner.side }} size="sm" />
              <span>{step.owner.name}</span>
              <span className={`plan-person-side is-${step.owner.side}`}>{step.owner.side === "internal" ? "Seller" : "Buyer"}</span>
            </span>
          ) : (
            <span className="plan-owner muted">No owner</span>
          )}
          <span className={`plan-due${step.overdue ? " is-overdue" : ""}`}>
            <CalendarIcon size={13} /> {step.dueDate ? formatDate(step.dueDate) : "No date"}
            {step.overdue ? <span className="badge plan-overdue-badge">Overdue</span> : null}
          </span>
        </div>
        {error ? (
          <p className="field-error" role="alert">
            {error.message}
          </p>
        ) : null}
      </div>
      <div className="plan-step-actions">
        {canStatus ? (
          <Form method="post" preventScrollReset className="plan-status" aria-label={`Status of ${step.title}`}>
            <input type="hidden" name="intent" value="status" />
            <input type="hidden" name="stepId" value={step.id} />
            {(["open", "done", "blocked"] as const).map((status) => (
              <button
                key={status}
                type="submit"
                name="status"
                value={status}
                className={`plan-status-option is-${status}`}
                aria-pressed={step.status === status}
                disabled={busy}
              >
                {STATUS_LABEL[status]}
              </button>
            ))}
          </Form>
        ) : (
          <span className={`badge plan-status-badge is-${step.status}`}>{STATUS_LABEL[step.status]}</span>
        )}
        {canReorder || canEdit ? (
          <div className="plan-step-tools">
            {canReorder ? (
              <Form method="post" preventScrollReset className="inline-form">
                <input type="hidden" name="intent" value="move" />
                <input type="hidden" name="stepId" value={step.id} />
                <button type="submit" name="direction" value="up" className="button ghost small icon-only" disabled={busy || index === 0} aria-label={`Move ${step.title} up`}>
                  ↑
                </button>
                <button type="submit" name="direction" value="down" className="button ghost small icon-only" disabled={busy || last} aria-label={`Move ${step.title} down`}>
                  ↓
                </button>
              </Form>
            ) : null}
            {canEdit ? (
              <>
                <Link to={`?edit=${step.id}`} preventScrollReset className="button ghost small icon-only" aria-label={`Edit ${step.title}`}>
                  <PencilIcon />
                </Link>
                <Form method="post" preventScrollReset className="inline-form">
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="stepId" value={step.id} />
                  <button type="submit" className="button danger-ghost small icon-only" aria-label={`Remove ${step.title}`} disabled={busy}>
                    ×
                  </button>
                </Form>
              </>
            ) : null}
          </div>
        ) : null}
      </div>
    </li>
  );
}
