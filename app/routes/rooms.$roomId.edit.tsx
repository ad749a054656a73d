import { Form, Link, data, redirect, useNavigation } from "react-router";
import type { Route } from "./+types/rooms.$roomId.edit";
import { FormAlert, MoneyField, SubmitButton, TextField, TextareaField } from "../components/form.tsx";
import { attempt, echo, formFields, orErrorPage } from "../lib/actions.server.ts";
import { CURRENCIES, majorUnitsText } from "../lib/money.ts";
import { roomInputFromForm } from "../lib/room-form.server.ts";
import { actorContext } from "../lib/session.server.ts";

const FIELDS = ["name", "account", "value", "expectedCloseDate", "description"] as const;

export const meta: Route.MetaFunction = () => [{ title: "Edit room details · Dealroom" }];

export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const room = await orErrorPage(() => services.rooms.getRoom(ctx, params.roomId));
  if (!room.abilities["room.update"]) {
    throw data({ message: "Only the room's owner and its internal editors can change its details." }, { status: 403 });
  }
  return { room };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  return attempt(
    async () => {
      const room = await services.rooms.updateRoom(ctx, params.roomId, roomInputFromForm(services, fields, "update", services.rooms.UpdateRoomInput));
      return redirect(`/rooms/${room.id}`);
    },
    { values: echo(fields) },
  );
}

export default function EditRoom({ loaderData, actionData }: Route.ComponentProps) {
  const { room } = loaderData;
  const busy = useNavigation().state === "submitting";
  const error = actionData?.error;
  // After a refusal, show what was typed; otherwise the room as stored.
  const v = actionData?.values;
  return (
    <section className="card edit-card" aria-labelledby="edit-heading">
      <h2 id="edit-heading">Edit room details</h2>
      <Form method="post" className="stack" noValidate>
        <FormAlert error={error} fields={FIELDS} />
        <div className="field-row">
          <TextField label="Room name" name="name" required autoComplete="off" defaultValue={v?.name ?? room.name} error={error} />
          <TextField label="Account" name="account" required autoComplete="organization" defaultValue={v?.account ?? room.account} error={error} />
        </div>
        <div className="field-row">
          <MoneyField
            label="Value"
            amount={v?.amount ?? majorUnitsText(room.value)}
            currency={v?.currency ?? room.value?.currency ?? "USD"}
            currencies={CURRENCIES}
            error={error}
          />
          <TextField
            label="Expected close"
            name="expectedCloseDate"
            type="date"
            defaultValue={v?.expectedCloseDate ?? room.expectedCloseDate ?? ""}
            error={error}
          />
        </div>
        <TextareaField
          label="Description"
          name="description"
          rows={6}
          maxLength={5000}
          hint="What the deal is about, who decides, and what stands between here and a signature. Guests see this too."
          defaultValue={v?.description ?? room.description}
          error={error}
        />
        <div className="form-actions">
          <SubmitButton pending={busy} pendingText="Saving…">
            Save changes
          </SubmitButton>
          <Link to={`/rooms/${room.id}`} className="button ghost">
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  );
}
