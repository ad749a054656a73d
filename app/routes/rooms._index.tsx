import { useId } from "react";
import { Form, Link, redirect, useNavigation } from "react-router";
import type { Route } from "./+types/rooms._index";
import { StageBadge, StatusBadge } from "../components/deal.tsx";
import { FormAlert, MoneyField, SelectField, SubmitButton, TextField } from "../components/form.tsx";
import { PlusIcon, RoomsIcon } from "../components/icons.tsx";
import { RoleBadge, SideBadge } from "../components/people.tsx";
import { attempt, echo, formFields } from "../lib/actions.server.ts";
import { fieldError, type FormError } from "../lib/form-error.ts";
import { formatDate } from "../lib/format.ts";
import { CURRENCIES, formatMoney } from "../lib/money.ts";
import { roomInputFromForm } from "../lib/room-form.server.ts";
import { actorContext } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Rooms · Dealroom" }];

const NEW_ROOM_FIELDS = ["name", "account", "value", "expectedCloseDate", "stage", "templateId"] as const;

export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const [rooms, organizations] = await Promise.all([services.rooms.listRooms(ctx), services.accounts.organizationsWithAbilities(ctx.sql, ctx.actor.userId)]);
  // Rooms are created in the user's (first) organization; guests from other companies have none.
  const home = organizations.find((o) => o.abilities["org.createRoom"]) ?? null;
  return {
    rooms,
    summary: pipelineSummary(rooms),
    organizations,
    newRoom: home
      ? {
          organization: home.name,
          stages: await services.stages.stagesOf(ctx.sql, home.id),
          // What a new room may start with: built in, then the organization's own (decision 020).
          templates: await services.roomTemplates.listRoomTemplates(ctx, home.id),
        }
      : null,
  };
}

/** The figures above the list: open rooms and their value per currency, won rooms. */
function pipelineSummary(rooms: { status: string; value: { amount: number; currency: string } | null }[]) {
  const open = rooms.filter((r) => r.status === "open");
  const totals = new Map<string, number>();
  for (const r of open) if (r.value) totals.set(r.value.currency, (totals.get(r.value.currency) ?? 0) + r.value.amount);
  return {
    open: open.length,
    won: rooms.filter((r) => r.status === "won").length,
    pipeline: [...totals].map(([currency, amount]) => ({ currency, amount })).sort((a, b) => b.amount - a.amount),
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  return attempt(
    async () => {
      const room = await services.rooms.createRoom(ctx, roomInputFromForm(services, fields, "create", services.rooms.CreateRoomInput));
      return redirect(`/rooms/${room.id}`);
    },
    { values: echo(fields) },
  );
}

export default function Rooms({ loaderData, actionData }: Route.ComponentProps) {
  const { rooms, summary, organizations, newRoom } = loaderData;
  const adminOf = organizations.filter((o) => o.abilities["org.seeAllRooms"]).map((o) => o.name);
  const outbox = organizations.some((o) => o.abilities["org.readOutbox"]);
  return (
    <main className="page">
      <div className="page-header">
        <div>
          <h1>Rooms</h1>
          <p className="muted">
            {adminOf.length
              ? `Every deal room of ${adminOf.join(" and ")}, and the rooms you take part in.`
              : "The deal rooms you take part in."}
            {outbox ? (
              <>
                {" "}
                <Link to="/outbox">Outbox</Link>
              </>
            ) : null}
          </p>
        </div>
        {newRoom ? <NewRoom stages={newRoom.stages} templates={newRoom.templates} organization={newRoom.organization} actionData={actionData} /> : null}
      </div>

      {/* Pipeline figures are the seller's view; guests from the buyer's side get the list only. */}
      {rooms.length > 0 && organizations.length > 0 ? (
        <dl className="stat-strip">
          <div className="stat">
            <dt>Open rooms</dt>
            <dd>{summary.open}</dd>
          </div>
          <div className="stat">
            <dt>Open pipeline</dt>
            <dd>{summary.pipeline.length ? summary.pipeline.map((m) => formatMoney(m)).join(" + ") : "—"}</dd>
          </div>
          <div className="stat">
            <dt>Won</dt>
            <dd>{summary.won}</dd>
          </div>
        </dl>
      ) : null}

      {rooms.length === 0 ? (
        <div className="card empty-state">
          <span className="empty-icon">
            <RoomsIcon size={22} />
          </span>
          <h2>No rooms yet</h2>
          <p className="muted">
            {newRoom
              ? "Create a room for an opportunity, then invite your team and the buyer's team."
              : "When someone invites you to a deal room, it appears here."}
          </p>
        </div>
      ) : (
        <div className="card table-card">
          <table className="room-table">
            <thead>
              <tr>
                <th scope="col">Room</th>
                <th scope="col" className="num">
                  Value
                </th>
                <th scope="col">Stage</th>
                <th scope="col" className="hide-narrow">
                  Expected close
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  You
                </th>
              </tr>
            </thead>
            <tbody>
              {rooms.map((room) => (
                <tr key={room.id} data-room-id={room.id}>
                  <td>
                    <Link to={`/rooms/${room.id}`} className="room-link">
                      {room.name}
                    </Link>
                    <span className="room-account">{room.account}</span>
                  </td>
                  <td className="num">{formatMoney(room.value)}</td>
                  <td>
                    <StageBadge stage={room.stage} />
                  </td>
                  <td className="hide-narrow">{formatDate(room.expectedCloseDate)}</td>
                  <td>
                    <StatusBadge status={room.status} />
                  </td>
                  <td className="hide-narrow">
                    {room.myParticipation ? (
                      <span className="badge-pair">
                        <SideBadge side={room.myParticipation.side} />
                        <RoleBadge role={room.myParticipation.role} />
                      </span>
                    ) : (
                      <span className="muted small">Admin view</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}

type TemplateChoice = { id: string; name: string; builtIn: boolean; pages: { title: string; visibility: string }[] };

/** "Welcome, Business case · internal: Deal strategy": what a template's pages are, for choosing one. */
function pagesLine(pages: TemplateChoice["pages"]) {
  const shared = pages.filter((p) => p.visibility === "shared").map((p) => p.title);
  const internal = pages.filter((p) => p.visibility === "internal").map((p) => p.title);
  return [shared.join(", "), internal.length ? `internal: ${internal.join(", ")}` : ""].filter(Boolean).join(" · ");
}

function NewRoom({
  stages,
  templates,
  organization,
  actionData,
}: {
  stages: readonly string[];
  templates: readonly TemplateChoice[];
  organization: string;
  actionData: Route.ComponentProps["actionData"];
}) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formAction === "/rooms";
  const error = actionData?.error;
  const values = actionData?.values ?? {};
  // <details> opens and closes without JavaScript; it stays open to show a refusal.
  return (
    <details className="new-room" open={error ? true : undefined}>
      <summary className="button primary">
        <PlusIcon /> New room
      </summary>
      <div className="card popover-card">
        <h2>New room</h2>
        <p className="muted small">A room for one opportunity in {organization}. You will be its owner.</p>
        <Form method="post" action="/rooms" className="stack" noValidate>
          <FormAlert error={error} fields={NEW_ROOM_FIELDS} />
          <TextField label="Room name" name="name" required autoComplete="off" placeholder="Acme — Platform rollout" defaultValue={values.name} error={error} />
          <TextField label="Account" name="account" required autoComplete="organization" placeholder="Acme Corp" defaultValue={values.account} error={error} />
          <MoneyField label="Value" amount={values.amount ?? ""} currency={values.currency ?? "USD"} currencies={CURRENCIES} error={error} />
          <div className="field-row">
            <TextField label="Expected close" name="expectedCloseDate" type="date" defaultValue={values.expectedCloseDate} error={error} />
            <SelectField label="Stage" name="stage" options={stages} defaultValue={values.stage ?? stages[0]} error={error} />
          </div>
          <TemplateField templates={templates} value={values.templateId ?? ""} error={error} />
          <SubmitButton pending={busy} pendingText="Creating room…">
            Create room
          </SubmitButton>
        </Form>
      </div>
    </details>
  );
}

/** "Start with": a blank room, or the pages of a template (built in, or the organization's own). */
function TemplateField({ templates, value, error }: { templates: readonly TemplateChoice[]; value: string; error: FormError | null | undefined }) {
  const message = fieldError(error, "templateId");
  const errorId = useId();
  return (
    <fieldset className="field template-choice" aria-describedby={message ? errorId : undefined}>
      <legend>Start with</legend>
      <div className="template-options">
        <label className="template-option">
          <input type="radio" name="templateId" value="" defaultChecked={!value} />
          <span className="template-option-text">
            <span className="template-option-name">Blank</span>
            <span className="muted small">No pages yet: write the first one later.</span>
          </span>
        </label>
        {templates.map((t) => (
          <label key={t.id} className="template-option">
            <input type="radio" name="templateId" value={t.id} defaultChecked={value === t.id} />
            <span className="template-option-text">
              <span className="template-option-name">
                {t.name} {t.builtIn ? <span className="badge badge-builtin">Built in</span> : null}
              </span>
              <span className="muted small">{pagesLine(t.pages)}</span>
            </span>
          </label>
        ))}
      </div>
      {message ? (
        <p className="field-error" id={errorId}>
          Template {message}
        </p>
      ) : null}
    </fieldset>
  );
}
