import { Form, Link, data, redirect, useNavigation } from "react-router";
import type { Route } from "./+types/rooms.$roomId.stage";
import { HandoffField, type FieldPerson } from "../components/stages/handoff-field.tsx";
import { ArrowRightIcon, CrossIcon, HandoffIcon, TrophyIcon } from "../components/stages/stage-icons.tsx";
import { FormAlert, SubmitButton } from "../components/form.tsx";
import { LockIcon, GuestIcon } from "../components/icons.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import type { FormError } from "../lib/form-error.ts";
import { safeRedirect } from "../lib/redirect.ts";
import { actorContext } from "../lib/session.server.ts";
import type { FormField } from "../../server/sales/forms.ts";

// Moving the room through its stages: the action behind every control of the stage bar, and
// the page with the hand-off form a forward move (or a win) asks for. Form values travel as
// `f.<field key>`; the move service checks them and names every bad key.

export const meta: Route.MetaFunction = () => [{ title: "Move the deal · Dealroom" }];

/** Only whoever may move the stage (the room's owner) opens this page; others in the room get a 403. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const room = await services.rooms.getRoom(ctx, params.roomId);
    if (!room.abilities["room.moveStage"]) throw services.errors.forbidden("Only the room's owner moves it through its stages.");
    const [timeline, cycle, participants] = await Promise.all([
      services.timeline.stageTimeline(ctx, room.id),
      services.stages.listOrgStages(ctx, room.organizationId),
      services.participants.listParticipants(ctx, room.id),
    ]);
    const url = new URL(request.url);
    return {
      roomId: room.id,
      status: timeline.status,
      currentStageId: timeline.stages.find((s) => s.current)?.id ?? null,
      // Which forms each move asks for is the move service's rule (formsPassed), answered by the timeline.
      formsAsked: Object.fromEntries(timeline.stages.map((s) => [s.id, s.formsAsked])) as Record<string, string[]>,
      winFormsAsked: timeline.winFormsAsked,
      cycle: cycle.map((s) => ({ id: s.id, name: s.name, position: s.position, handoff: s.handoff, form: s.form, formVisibility: s.formVisibility })),
      people: participants.map((p) => ({ userId: p.userId, name: p.name, side: p.side })) satisfies FieldPerson[],
      asked: { to: url.searchParams.get("to"), close: url.searchParams.get("close") },
      returnTo: safeRedirect(url.searchParams.get("from"), `/rooms/${room.id}`),
    };
  });
}

/** The submitted hand-off form: every `f.<key>` field, or nothing when the form asked for none. */
function formValues(fields: Record<string, string>): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) if (name.startsWith("f.")) values[name.slice(2)] = value;
  return Object.keys(values).length ? values : undefined;
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const roomId = params.roomId;
  const done = () => redirect(safeRedirect(fields.returnTo, `/rooms/${roomId}`));
  const values = echo(fields);
  switch (fields.intent) {
    case "move":
      return attempt(
        async () => {
          await services.moves.moveStage(ctx, roomId, { stage: fields.stage ?? "", form: formValues(fields) });
          return done();
        },
        { intent: "move", values },
      );
    case "close":
      return attempt(
        async () => {
          const reason = fields.reason?.trim() ? fields.reason : undefined;
          await services.moves.closeRoom(ctx, roomId, { outcome: fields.outcome, ...(reason !== undefined || fields.outcome === "lost" ? { reason: reason ?? "" } : {}), form: formValues(fields) });
          return done();
        },
        { intent: "close", values },
      );
    case "reopen":
      return attempt(
        async () => {
          await services.moves.reopenRoom(ctx, roomId);
          return done();
        },
        { intent: "reopen", values },
      );
    default:
      throw data({ message: "Unknown action." }, { status: 400 });
  }
}

type LoaderData = Route.ComponentProps["loaderData"];
type Stage = LoaderData["cycle"][number];

/** What this page is asked to do: after a refusal, what was submitted; otherwise the address. */
function request(loaderData: LoaderData, actionData: Route.ComponentProps["actionData"]) {
  if (actionData && !actionData.ok) {
    const v = actionData.values;
    if (actionData.intent === "move") return { kind: "move" as const, to: v.stage ?? null };
    if (actionData.intent === "close") return { kind: v.outcome === "won" ? ("won" as const) : ("lost" as const), to: null };
    return { kind: "menu" as const, to: null };
  }
  const { to, close } = loaderData.asked;
  if (to) return { kind: "move" as const, to };
  if (close === "won" || close === "lost") return { kind: close, to: null };
  return { kind: "menu" as const, to: null };
}

/** The stages, in cycle order, with the given ids: the forms the server says a move asks for. */
function stagesOf(cycle: Stage[], ids: readonly string[] | undefined): Stage[] {
  const asked = new Set(ids ?? []);
  return cycle.filter((s) => asked.has(s.id));
}

export default function MoveStage({ loaderData, actionData }: Route.ComponentProps) {
  const { cycle, currentStageId, status, roomId } = loaderData;
  const asked = request(loaderData, actionData);
  const current = cycle.find((s) => s.id === currentStageId) ?? null;
  const failed = actionData && !actionData.ok ? actionData : null;
  const returnTo = failed?.values.returnTo ? safeRedirect(failed.values.returnTo, `/rooms/${roomId}`) : loaderData.returnTo;

  if (asked.kind === "move") {
    const target = cycle.find((s) => s.id === asked.to || s.name.toLowerCase() === asked.to?.toLowerCase());
    if (target && target.id !== currentStageId) {
      const stages = stagesOf(cycle, loaderData.formsAsked[target.id]);
      return (
        <MoveForm
          title={`Move to ${target.name}`}
          intro={
            stages.length
              ? `Before the deal leaves ${stages.map((s) => s.name).join(" and ")}, write down what the next team needs to know.`
              : `The deal moves from ${current?.name ?? "its stage"} to ${target.name}.`
          }
          stages={stages}
          hidden={{ intent: "move", stage: target.id }}
          submit={`Move to ${target.name}`}
          icon={<ArrowRightIcon />}
          handoffNotice={target.handoff ? `Entering ${target.name} hands the room off: every page is frozen as a hand-off version and the delivery team gets read access.` : null}
          failed={failed?.error ?? null}
          values={failed?.values ?? {}}
          returnTo={returnTo}
          people={loaderData.people}
        />
      );
    }
  }
  if (asked.kind === "won" && status === "open") {
    const stages = stagesOf(cycle, loaderData.winFormsAsked);
    return (
      <MoveForm
        title="Close as won"
        intro={stages.length ? `Winning takes the deal out of sales: fill in the ${current!.name} hand-off form for the team that delivers it.` : "The deal is won and leaves sales."}
        stages={stages}
        hidden={{ intent: "close", outcome: "won" }}
        submit="Close as won"
        icon={<TrophyIcon />}
        handoffNotice="Closing as won hands the room off: every page is frozen as a hand-off version and the delivery team gets read access."
        failed={failed?.error ?? null}
        values={failed?.values ?? {}}
        returnTo={returnTo}
        people={loaderData.people}
      />
    );
  }
  if (asked.kind === "lost" && status === "open") {
    return (
      <MoveForm
        title="Close as lost"
        intro="Say why the deal was lost, so the team learns from it."
        stages={[]}
        hidden={{ intent: "close", outcome: "lost" }}
        submit="Close as lost"
        icon={<CrossIcon />}
        handoffNotice={null}
        failed={failed?.error ?? null}
        values={failed?.values ?? {}}
        returnTo={returnTo}
        people={loaderData.people}
        reason
      />
    );
  }
  return <MoveMenu loaderData={loaderData} failed={failed?.error ?? null} />;
}

function MoveForm(props: {
  title: string;
  intro: string;
  stages: Stage[];
  hidden: Record<string, string>;
  submit: string;
  icon: React.ReactNode;
  handoffNotice: string | null;
  failed: FormError | null;
  values: Record<string, string>;
  returnTo: string;
  people: FieldPerson[];
  reason?: boolean;
}) {
  const { stages, failed, values } = props;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  // One value per key: a key repeated across the stages is asked once (as the service counts it).
  const seen = new Set<string>();
  const groups = stages.map((s) => ({ stage: s, fields: s.form.filter((f) => !seen.has(f.key) && seen.add(f.key)) }));
  const shown = [...seen].map((k) => `f.${k}`).concat(props.reason ? ["reason"] : []);
  const error = failed ? prefixFields(failed, seen) : null;
  const shared = stages.length > 0 && stages.every((s) => s.formVisibility === "shared");
  return (
    <section className="card handoff-form-card" aria-labelledby="move-title">
      <p className="room-account-label">Move the deal</p>
      <h2 id="move-title">{props.title}</h2>
      <p className="muted">{props.intro}</p>
      {stages.length ? (
        <p className={`handoff-visibility ${shared ? "is-shared" : "is-internal"}`}>
          {shared ? <GuestIcon size={13} /> : <LockIcon size={13} />}
          {shared ? "What you fill in is shared with the guests." : "What you fill in is internal: the buyer's side never sees it."}
        </p>
      ) : null}
      {props.handoffNotice ? (
        <p className="handoff-notice">
          <HandoffIcon /> {props.handoffNotice}
        </p>
      ) : null}
      <Form method="post" className="stack handoff-form" noValidate>
        {Object.entries(props.hidden).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name="returnTo" value={props.returnTo} />
        <FormAlert error={error} fields={shown} />
        {groups.map(({ stage, fields }) =>
          fields.length ? (
            <fieldset key={stage.id} className="handoff-fieldset">
              <legend>{stage.name} hand-off form</legend>
              {fields.map((field: FormField) => (
                <HandoffField key={field.key} field={field} name={`f.${field.key}`} value={values[`f.${field.key}`]} error={error} people={props.people} />
              ))}
            </fieldset>
          ) : null,
        )}
        {props.reason ? (
          <HandoffField
            field={{ key: "reason", label: "Reason", type: "text", required: true }}
            name="reason"
            value={values.reason}
            error={error}
            people={props.people}
            hint="Internal: only your team reads it in the timeline."
          />
        ) : null}
        <div className="form-actions">
          <Link to={props.returnTo} className="button ghost">
            Cancel
          </Link>
          <SubmitButton pending={busy} pendingText="Saving…" className={props.reason ? "button danger" : "button primary"}>
            {props.icon} {props.submit}
          </SubmitButton>
        </div>
      </Form>
    </section>
  );
}

/** The service names form fields by key; here they are inputs called `f.<key>`. */
function prefixFields(error: FormError, keys: Set<string>): FormError {
  if (!error.fields) return error;
  return { ...error, fields: Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [keys.has(k) ? `f.${k}` : k, v])) };
}

/** Without a move asked for (or one that no longer applies): what the owner can do from here. */
function MoveMenu({ loaderData, failed }: { loaderData: LoaderData; failed: FormError | null }) {
  const { cycle, currentStageId, status, roomId, formsAsked } = loaderData;
  const current = cycle.find((s) => s.id === currentStageId) ?? null;
  const from = `/rooms/${roomId}`;
  const link = (query: Record<string, string>) => `/rooms/${roomId}/stage?${new URLSearchParams({ ...query, from })}`;
  return (
    <section className="card handoff-form-card" aria-labelledby="move-title">
      <p className="room-account-label">Move the deal</p>
      <h2 id="move-title">{current ? `In ${current.name}` : "Move the deal"}</h2>
      <p className="muted">
        The deal is {status === "open" ? "open" : `closed as ${status}`}. Choose where it goes next; a stage with a hand-off form asks for it when the deal moves on.
      </p>
      <FormAlert error={failed} />
      <ul className="move-menu">
        {cycle.map((s) => {
          const asksForm = (formsAsked[s.id]?.length ?? 0) > 0;
          return (
            <li key={s.id} className={s.id === currentStageId ? "is-current" : undefined}>
              <span className="move-menu-name">
                {s.name}
                {s.handoff ? (
                  <span className="stage-step-flag">
                    <HandoffIcon size={12} /> Hand-off
                  </span>
                ) : null}
              </span>
              {s.id === currentStageId ? (
                <span className="muted small">Current stage</span>
              ) : asksForm ? (
                <Link className="button secondary small" to={link({ to: s.id })}>
                  Move here (hand-off form)
                </Link>
              ) : (
                <Form method="post">
                  <input type="hidden" name="intent" value="move" />
                  <input type="hidden" name="stage" value={s.id} />
                  <input type="hidden" name="returnTo" value={from} />
                  <button type="submit" className="button secondary small">
                    Move here
                  </button>
                </Form>
              )}
            </li>
          );
        })}
      </ul>
      <div className="form-actions move-menu-close">
        {status === "open" ? (
          <>
            <Link className="button secondary" to={link({ close: "won" })}>
              <TrophyIcon /> Close as won
            </Link>
            <Link className="button danger-ghost" to={link({ close: "lost" })}>
              <CrossIcon /> Close as lost
            </Link>
          </>
        ) : (
          <Form method="post">
            <input type="hidden" name="intent" value="reopen" />
            <input type="hidden" name="returnTo" value={from} />
            <button type="submit" className="button secondary">
              Reopen
            </button>
          </Form>
        )}
      </div>
    </section>
  );
}
