import { Link, useFetcher, useLocation } from "react-router";
import type { action as stageAction } from "../../routes/rooms.$roomId.stage.tsx";
import { formatDays, moveAsksForForm, type CycleStage } from "../../lib/stages.ts";
import type { CycleSummary } from "../../lib/stages.server.ts";
import { statusLabel } from "../../lib/format.ts";
import { useDebouncedRevalidate, useRoomEvents } from "../threads/live.ts";
import { ArrowBackIcon, ArrowRightIcon, CrossIcon, FormIcon, HandoffIcon, ReopenIcon, TickIcon, TrophyIcon } from "./stage-icons.tsx";

/**
 * The room's place in its organization's sales cycle: every stage (done, current, ahead; the
 * hand-off stage marked) and the room's status. For whoever may move the stage (the loader's
 * `room.moveStage`), the moves: forward, back, to any stage, close as won or lost, reopen.
 * A move that passes a hand-off form opens the form page; everything posts to
 * /rooms/:roomId/stage, so it all works without JavaScript. Everyone watching the room sees
 * moves live (the layout's loader runs again on the stage events).
 */
export function StageBar({ roomId, cycle, canMove }: { roomId: string; cycle: CycleSummary; canMove: boolean }) {
  const revalidate = useDebouncedRevalidate();
  const onStageEvent = (payload: { roomId?: string } | undefined) => {
    if (payload?.roomId === roomId) revalidate();
  };
  const live = useRoomEvents(roomId, { "stage.changed": onStageEvent, "room.closed": onStageEvent, "room.reopened": onStageEvent });

  const { stages, status } = cycle;
  const index = stages.findIndex((s) => s.current);
  const current = index >= 0 ? stages[index]! : null;
  const base = `/rooms/${roomId}`;
  const { pathname, search } = useLocation();
  // Back to where the move was made from (the stage page itself returns to the overview).
  const returnTo = pathname.startsWith(`${base}/stage`) ? base : `${pathname}${search}`;
  const fetcher = useFetcher<typeof stageAction>({ key: `stage-bar-${roomId}` });
  const failed = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data : null;

  return (
    <section className={`stage-bar is-${status}`} aria-label="Sales stage" data-stage={current?.name ?? ""} data-status={status} data-live={live ? "true" : "false"}>
      <div className="stage-bar-head">
        <p className="stage-bar-caption">
          {current ? (
            <>
              <span className="stage-bar-count">
                Stage {index + 1} of {stages.length}
              </span>
              <strong>{current.name}</strong>
              <span className="muted">for {formatDays(cycle.stayDays)}</span>
            </>
          ) : (
            <strong>Stage no longer in the cycle</strong>
          )}
        </p>
        <Link to={`${base}/timeline`} className="text-link small stage-bar-timeline">
          Timeline
        </Link>
      </div>

      <ol className="stage-steps" aria-label="Sales stages">
        {stages.map((stage, i) => (
          <StageStep
            key={stage.id}
            stage={stage}
            state={index < 0 || i > index ? "ahead" : i < index ? "done" : "current"}
            control={canMove && !stage.current ? { roomId, returnTo, fetcher, cycle, back: index >= 0 && i < index } : null}
          />
        ))}
        <li className={`stage-outcome is-${status}`}>
          <span className="stage-outcome-pill">
            {status === "won" ? <TrophyIcon size={13} /> : status === "lost" ? <CrossIcon size={13} /> : null}
            {status === "open" ? "Open" : statusLabel(status)}
          </span>
        </li>
      </ol>

      {canMove ? <StageActions roomId={roomId} cycle={cycle} index={index} returnTo={returnTo} fetcher={fetcher} /> : null}
      {failed ? (
        <div className="alert alert-error stage-bar-error" role="alert">
          {failed.error.message}
          {failed.error.fields && failed.intent === "move" && failed.values.stage ? (
            <>
              {" "}
              <Link to={`${base}/stage?to=${encodeURIComponent(failed.values.stage)}`}>Fill in the hand-off form</Link>
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

type BarFetcher = ReturnType<typeof useFetcher<typeof stageAction>>;

interface StepControl {
  roomId: string;
  returnTo: string;
  fetcher: BarFetcher;
  cycle: CycleSummary;
  back: boolean;
}

function StageStep({ stage, state, control }: { stage: CycleStage; state: "done" | "current" | "ahead"; control: StepControl | null }) {
  const body = (
    <>
      <span className="stage-step-marker" aria-hidden="true">
        {state === "done" ? <TickIcon size={12} /> : null}
      </span>
      <span className="stage-step-name">{stage.name}</span>
      {stage.handoff ? (
        <span className="stage-step-flag" title="Entering this stage hands the room off to the delivery team">
          <HandoffIcon size={12} /> <span className="stage-step-flag-text">Hand-off</span>
        </span>
      ) : null}
      <span className="visually-hidden">{state === "done" ? " (done)" : state === "current" ? " (current stage)" : ""}</span>
    </>
  );
  const className = `stage-step is-${state}${stage.handoff ? " is-handoff" : ""}`;
  if (!control) {
    return (
      <li className={className} aria-current={state === "current" ? "step" : undefined}>
        <span className="stage-step-body">{body}</span>
      </li>
    );
  }
  const label = `${control.back ? "Move back to" : "Jump to"} ${stage.name}`;
  const asksForm = moveAsksForForm(stage);
  return (
    <li className={className}>
      {asksForm ? (
        <Link className="stage-step-body" to={formUrl(control.roomId, { to: stage.id }, control.returnTo)} title={`${label} (asks for the hand-off form)`} aria-label={label}>
          {body}
        </Link>
      ) : (
        <control.fetcher.Form method="post" action={`/rooms/${control.roomId}/stage`} className="stage-step-form">
          <input type="hidden" name="intent" value="move" />
          <input type="hidden" name="stage" value={stage.id} />
          <input type="hidden" name="returnTo" value={control.returnTo} />
          <button type="submit" className="stage-step-body" title={label} aria-label={label} disabled={control.fetcher.state !== "idle"}>
            {body}
          </button>
        </control.fetcher.Form>
      )}
    </li>
  );
}

function formUrl(roomId: string, query: Record<string, string>, returnTo: string) {
  return `/rooms/${roomId}/stage?${new URLSearchParams({ ...query, from: returnTo })}`;
}

function StageActions({ roomId, cycle, index, returnTo, fetcher }: { roomId: string; cycle: CycleSummary; index: number; returnTo: string; fetcher: BarFetcher }) {
  const { stages, status } = cycle;
  const current = index >= 0 ? stages[index]! : null;
  const previous = index > 0 ? stages[index - 1]! : null;
  const next = index >= 0 && index + 1 < stages.length ? stages[index + 1]! : index < 0 ? (stages[0] ?? null) : null;
  const busy = fetcher.state !== "idle";
  const action = `/rooms/${roomId}/stage`;
  const hidden = (intent: string, extra: Record<string, string> = {}) => (
    <>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="returnTo" value={returnTo} />
      {Object.entries(extra).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
    </>
  );
  const nextAsksForm = moveAsksForForm(next ?? undefined);
  return (
    <div className="stage-actions">
      <div className="stage-actions-moves">
        {previous ? (
          <fetcher.Form method="post" action={action}>
            {hidden("move", { stage: previous.id })}
            <button type="submit" className="button secondary small" disabled={busy}>
              <ArrowBackIcon /> Back to {previous.name}
            </button>
          </fetcher.Form>
        ) : null}
        {next ? (
          nextAsksForm ? (
            <Link to={formUrl(roomId, { to: next.id }, returnTo)} className="button primary small">
              <FormIcon /> Move to {next.name}
            </Link>
          ) : (
            <fetcher.Form method="post" action={action}>
              {hidden("move", { stage: next.id })}
              <button type="submit" className="button primary small" disabled={busy}>
                Move to {next.name} <ArrowRightIcon />
              </button>
            </fetcher.Form>
          )
        ) : null}
      </div>
      <div className="stage-actions-close">
        {status === "open" ? (
          <>
            {current?.hasForm ? (
              <Link to={formUrl(roomId, { close: "won" }, returnTo)} className="button secondary small stage-won-button">
                <TrophyIcon /> Close as won
              </Link>
            ) : (
              <details className="stage-popover">
                <summary className="button secondary small stage-won-button">
                  <TrophyIcon /> Close as won
                </summary>
                <div className="card popover-card stage-popover-card">
                  <h3>Close this deal as won?</h3>
                  <p className="small">The deal leaves sales: every page is frozen as a hand-off version and the delivery team gets read access to the room.</p>
                  <fetcher.Form method="post" action={action} className="stack">
                    {hidden("close", { outcome: "won" })}
                    <div className="form-actions">
                      <button type="submit" className="button primary small" disabled={busy}>
                        Confirm: close as won
                      </button>
                    </div>
                  </fetcher.Form>
                </div>
              </details>
            )}
            <LostPopover action={action} returnTo={returnTo} />
          </>
        ) : (
          <fetcher.Form method="post" action={action}>
            {hidden("reopen")}
            <button type="submit" className="button secondary small" disabled={busy}>
              <ReopenIcon /> Reopen
            </button>
          </fetcher.Form>
        )}
      </div>
    </div>
  );
}

/** Closing as lost asks why (internal: the buyer's side never reads it). Its own fetcher, so the reason's error shows here. */
function LostPopover({ action, returnTo }: { action: string; returnTo: string }) {
  const fetcher = useFetcher<typeof stageAction>();
  const failed = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const reasonError = failed?.fields?.reason;
  return (
    <details className="stage-popover" open={failed ? true : undefined}>
      <summary className="button danger-ghost small">
        <CrossIcon /> Close as lost
      </summary>
      <div className="card popover-card stage-popover-card">
        <h3>Close this deal as lost</h3>
        <fetcher.Form method="post" action={action} className="stack" noValidate>
          <input type="hidden" name="intent" value="close" />
          <input type="hidden" name="outcome" value="lost" />
          <input type="hidden" name="returnTo" value={returnTo} />
          <div className="field">
            <label htmlFor="stage-lost-reason">
              Reason
              <span className="required-mark" aria-hidden="true">
                required
              </span>
            </label>
            <textarea
              id="stage-lost-reason"
              name="reason"
              rows={3}
              maxLength={2000}
              aria-required="true"
              aria-invalid={reasonError ? true : undefined}
              aria-describedby={reasonError ? "stage-lost-reason-error stage-lost-reason-hint" : "stage-lost-reason-hint"}
              placeholder="Went with a competitor on price"
            />
            <p className="field-hint" id="stage-lost-reason-hint">
              Internal: only your team reads it in the timeline.
            </p>
            {reasonError ? (
              <p className="field-error" id="stage-lost-reason-error">
                Reason {reasonError}
              </p>
            ) : failed ? (
              <p className="field-error" role="alert">
                {failed.message}
              </p>
            ) : null}
          </div>
          <div className="form-actions">
            <button type="submit" className="button danger small" disabled={fetcher.state !== "idle"}>
              Close as lost
            </button>
          </div>
        </fetcher.Form>
      </div>
    </details>
  );
}
