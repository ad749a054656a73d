import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/settings.templates";
import { FormAlert } from "../components/form.tsx";
import { DocIcon, LockIcon } from "../components/icons.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";
import type { RoomTemplateSummary } from "../../server/services/room-templates.ts";

export const meta: Route.MetaFunction = () => [{ title: "Room templates · Settings · Dealroom" }];

/**
 * The organization's room templates, for its admins (decision 020): the built-in set and the
 * templates saved from its rooms, which admins delete here or save from a room of theirs.
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    const [templates, rooms] = await Promise.all([services.roomTemplates.listRoomTemplates(ctx, organization.id), services.rooms.listRooms(ctx)]);
    // Rooms whose pages an admin may save: the organization's, read from its side.
    const own = rooms.filter((r) => r.organizationId === organization.id && r.myParticipation?.side !== "external").map((r) => ({ id: r.id, name: r.name }));
    return { organization, templates, rooms: own };
  });
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const intent = fields.intent === "delete" ? "delete" : "save";
  return attempt(
    async () => {
      if (fields.intent === "delete") {
        await services.roomTemplates.deleteRoomTemplate(ctx, fields.organizationId, fields.templateId);
        return { ok: true as const, intent, name: fields.name ?? "" };
      }
      if (fields.intent === "save") {
        const saved = await services.roomTemplates.saveRoomAsTemplate(ctx, fields.organizationId, { name: fields.name ?? "", roomId: fields.roomId ?? "" });
        return { ok: true as const, intent, name: saved.name };
      }
      throw new services.errors.AppError(400, "unknown_action", "Unknown action.");
    },
    { intent, values: { name: fields.name ?? "", roomId: fields.roomId ?? "" } },
  );
}

export default function RoomTemplates({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, templates, rooms } = loaderData;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const failed = actionData && !actionData.ok ? actionData : null;
  const done = actionData && actionData.ok ? actionData : null;
  const own = templates.filter((t) => !t.builtIn);
  return (
    <div className="settings-templates">
      <section className="card" aria-labelledby="templates-heading">
        <div className="card-header">
          <div>
            <h2 id="templates-heading">Room templates</h2>
            <p className="muted small">
              The pages a new room of {organization.name} can start with, chosen in the “New room” form. Internal pages stay internal in the new room.
            </p>
          </div>
        </div>
        {failed?.intent === "delete" ? <FormAlert error={failed.error} /> : null}
        {done ? (
          <p className="alert alert-success" role="status">
            {done.intent === "delete" ? `Deleted the template “${done.name}”.` : `Saved the template “${done.name}”.`}
          </p>
        ) : null}
        <ul className="template-list">
          {templates.map((t) => (
            <TemplateItem key={t.id} template={t} organizationId={organization.id} busy={busy} />
          ))}
        </ul>
        {own.length === 0 ? (
          <p className="muted small template-none">
            No templates of your own yet. Save a room's pages as one below, or with “Save as template” under a room's page list.
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="save-template-heading">
        <h2 id="save-template-heading">Save a room as a template</h2>
        <p className="muted small">
          Its pages as they are now: their titles, text, order and who can see them, for every member who creates a room to read. Files and threads are not
          copied.
        </p>
        <Form method="post" className="template-save" noValidate>
          <input type="hidden" name="intent" value="save" />
          <input type="hidden" name="organizationId" value={organization.id} />
          {failed?.intent === "save" ? <FormAlert error={failed.error} fields={["name", "roomId"]} /> : null}
          <div className="field">
            <label htmlFor="template-room">Room</label>
            <select id="template-room" name="roomId" defaultValue={failed?.intent === "save" ? failed.values.roomId : ""} disabled={rooms.length === 0}>
              <option value="">{rooms.length ? "Choose a room…" : "No rooms yet"}</option>
              {rooms.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="template-name">Template name</label>
            <input
              id="template-name"
              name="name"
              maxLength={100}
              autoComplete="off"
              placeholder="e.g. Enterprise rollout"
              defaultValue={failed?.intent === "save" ? failed.values.name : ""}
              aria-invalid={failed?.intent === "save" && failed.error.fields?.name ? true : undefined}
            />
          </div>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={busy || rooms.length === 0}>
              Save as template
            </button>
          </div>
        </Form>
      </section>
    </div>
  );
}

function TemplateItem({ template, organizationId, busy }: { template: RoomTemplateSummary; organizationId: string; busy: boolean }) {
  const headingId = `template-${template.id.replace(/[^a-z0-9-]/gi, "-")}`;
  return (
    <li className="template-item" data-template-id={template.id} aria-labelledby={headingId}>
      <div className="template-item-head">
        <div>
          <h3 id={headingId}>
            {template.name} {template.builtIn ? <span className="badge badge-builtin">Built in</span> : null}
          </h3>
          <p className="muted small">
            {template.builtIn
              ? template.description
              : `${template.description}${template.createdBy ? ` · saved by ${template.createdBy.name}` : ""}${template.createdAt ? ` on ${formatDate(template.createdAt)}` : ""}`}
          </p>
        </div>
        {template.builtIn ? null : (
          <Form method="post" preventScrollReset>
            <input type="hidden" name="intent" value="delete" />
            <input type="hidden" name="organizationId" value={organizationId} />
            <input type="hidden" name="templateId" value={template.id} />
            <input type="hidden" name="name" value={template.name} />
            <button type="submit" className="button danger-ghost small" disabled={busy} aria-label={`Delete the template ${template.name}`}>
              Delete
            </button>
          </Form>
        )}
      </div>
      <ul className="template-pages" aria-label={`Pages of ${template.name}`}>
        {template.pages.map((p, i) => (
          <li key={i} style={{ paddingInlineStart: `${p.depth * 18}px` }}>
            <DocIcon size={13} /> {p.title}
            {p.visibility === "internal" ? (
              <span className="badge badge-internal">
                <LockIcon size={11} /> Internal
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </li>
  );
}
