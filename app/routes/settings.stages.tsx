import { Form, useLoaderData, useNavigation } from "react-router";
import type { Route } from "./+types/settings.stages";
import { FormAlert } from "../components/form.tsx";
import { GuestIcon, LockIcon } from "../components/icons.tsx";
import { DownIcon, FormIcon, HandoffIcon, UpIcon } from "../components/stages/stage-icons.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { fieldError, type FormError } from "../lib/form-error.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";
import { FIELD_TYPE_LABELS, fieldKey, type FieldTypeName } from "../lib/stages.ts";
import stageStyles from "../styles/stages.css?url";
import type { FormField } from "../../server/sales/forms.ts";
import type { Stage } from "../../server/sales/stages.ts";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: stageStyles }];
export const meta: Route.MetaFunction = () => [{ title: "Sales cycle · Settings · Dealroom" }];

/**
 * The organization's sales cycle, for its admins: stages in order, which one hands the room
 * off, and the hand-off form asked for when a room leaves a stage. Every change goes through
 * server/sales/stages.ts, which checks the admin and validates; each form here works without
 * JavaScript (the form editor's buttons submit the whole form, so nothing typed is lost).
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const { organization } = await settingsOrganization(ctx, request);
    const stages = await services.stages.listOrgStages(ctx, organization.id);
    return { organization, fieldTypes: services.forms.FIELD_TYPES, stages: stages.map(({ id, name, position, handoff, form, formVisibility, buyerLabel }) => ({ id, name, position, handoff, form, formVisibility, buyerLabel })) };
  });
}

interface DraftField {
  key: string;
  label: string;
  type: string;
  required: boolean;
  options: string;
}

/** The form editor's rows as submitted (`field.<i>.<prop>`), plus the new-field row when it has a label. */
function draftFields(fields: Record<string, string>): DraftField[] {
  const count = Math.min(60, Number(fields.fieldCount) || 0);
  const rows: DraftField[] = [];
  for (let i = 0; i < count; i++) {
    const p = `field.${i}.`;
    if (fields[`${p}label`] === undefined) continue;
    rows.push({ key: fields[`${p}key`] ?? "", label: fields[`${p}label`] ?? "", type: fields[`${p}type`] ?? "text", required: fields[`${p}required`] === "on", options: fields[`${p}options`] ?? "" });
  }
  return rows;
}

/** Applies the button pressed (`op`: save, add, remove:i, up:i, down:i) to the rows. */
function applyOp(rows: DraftField[], op: string, fields: Record<string, string>): DraftField[] {
  const next = [...rows];
  const [verb, at] = op.split(":");
  const i = Number(at);
  if (verb === "remove" && next[i]) next.splice(i, 1);
  if (verb === "up" && i > 0 && next[i]) [next[i - 1], next[i]] = [next[i]!, next[i - 1]!];
  if (verb === "down" && next[i] && next[i + 1]) [next[i + 1], next[i]] = [next[i]!, next[i + 1]!];
  const label = fields["new.label"] ?? "";
  if (verb === "add" || label.trim()) {
    next.push({
      key: fieldKey(label || "field", next.map((r) => r.key)),
      label,
      type: fields["new.type"] ?? "text",
      required: fields["new.required"] === "on",
      options: fields["new.options"] ?? "",
    });
  }
  return next;
}

const toDefinition = (rows: DraftField[]) =>
  rows.map((r) => {
    const options = r.options.split(/\r?\n/).map((o) => o.trim()).filter(Boolean);
    return { key: r.key, label: r.label, type: r.type, required: r.required, ...(r.type === "choice" ? { options } : {}) };
  });

/** What a refused save echoes back: the rows as they would have been, numbered afresh. */
function echoRows(rows: DraftField[], visibility: string | undefined): Record<string, string> {
  const values: Record<string, string> = { fieldCount: String(rows.length), formVisibility: visibility ?? "internal" };
  rows.forEach((r, i) => {
    values[`field.${i}.key`] = r.key;
    values[`field.${i}.label`] = r.label;
    values[`field.${i}.type`] = r.type;
    values[`field.${i}.options`] = r.options;
    if (r.required) values[`field.${i}.required`] = "on";
  });
  return values;
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const fields = await formFields(request);
  const orgId = fields.organizationId;
  const stageId = fields.stageId ?? "";
  const intent = fields.intent ?? "";
  const ok = (extra: Record<string, string> = {}) => ({ ok: true as const, intent, stageId, ...extra });
  switch (intent) {
    case "add":
      return attempt(async () => {
        const stage = await services.stages.addStage(ctx, orgId, { name: fields.name ?? "" });
        return ok({ stageId: stage.id });
      }, { intent, values: { name: fields.name ?? "" } });
    case "rename":
      return attempt(async () => {
        await services.stages.updateStage(ctx, orgId, stageId, { name: fields.name ?? "" });
        return ok();
      }, { intent, values: { stageId, name: fields.name ?? "" } });
    case "up":
    case "down":
      return attempt(async () => {
        const position = Number(fields.position);
        if (!Number.isInteger(position)) throw new services.errors.AppError(400, "invalid_input", "Reload the page and try again.");
        await services.stages.updateStage(ctx, orgId, stageId, { position: Math.max(0, position + (intent === "up" ? -1 : 1)) });
        return ok();
      }, { intent, values: { stageId } });
    case "buyer-label":
      return attempt(async () => {
        // The buyer's side sees this label instead of the stage's name; hidden: no label (server/sales/buyer-stages.ts).
        const label = fields.hidden === "on" ? null : (fields.buyerLabel ?? "").trim() || null;
        await services.stages.updateStage(ctx, orgId, stageId, { buyerLabel: label });
        return ok();
      }, { intent, values: { stageId, buyerLabel: fields.buyerLabel ?? "" } });
    case "handoff":
      return attempt(async () => {
        await services.stages.updateStage(ctx, orgId, stageId, { handoff: fields.handoff === "true" });
        return ok();
      }, { intent, values: { stageId } });
    case "remove":
      return attempt(async () => {
        await services.stages.removeStage(ctx, orgId, stageId);
        return ok();
      }, { intent, values: { stageId } });
    case "save-form": {
      const rows = applyOp(draftFields(fields), fields.op ?? "save", fields);
      return attempt(async () => {
        await services.stages.updateStage(ctx, orgId, stageId, { form: toDefinition(rows), formVisibility: fields.formVisibility });
        return ok();
      }, { intent, values: { stageId, ...echoRows(rows, fields.formVisibility) } });
    }
    default:
      return attempt(async () => {
        throw new services.errors.AppError(400, "unknown_action", "Unknown action.");
      }, { intent });
  }
}

type LoaderStage = Route.ComponentProps["loaderData"]["stages"][number];
type ActionData = Route.ComponentProps["actionData"];

export default function SalesCycle({ loaderData, actionData }: Route.ComponentProps) {
  const { organization, stages } = loaderData;
  const addFailed = actionData && !actionData.ok && actionData.intent === "add" ? actionData : null;
  const unknownFailed = actionData && !actionData.ok && !actionData.intent ? actionData.error : null;
  return (
    <div className="settings-stages">
      <section className="card" aria-labelledby="cycle-heading">
        <div className="card-header">
          <div>
            <h2 id="cycle-heading">Sales cycle</h2>
            <p className="muted small">
              The stages every room of {organization.name} moves through, in order. Renaming a stage renames it in every room. A stage can ask for a hand-off form
              when a room leaves it, so what sales learned reaches whoever comes next.
            </p>
          </div>
        </div>
        <FormAlert error={unknownFailed} />
        <ol className="cycle-list">
          {stages.map((stage, i) => (
            <StageRow key={stage.id} stage={stage} first={i === 0} last={i === stages.length - 1} organizationId={organization.id} actionData={actionData} />
          ))}
        </ol>
        <Form method="post" className="cycle-add" preventScrollReset noValidate>
          <input type="hidden" name="intent" value="add" />
          <input type="hidden" name="organizationId" value={organization.id} />
          <div className="field">
            <label htmlFor="new-stage-name">New stage</label>
            <div className="cycle-add-row">
              <input
                id="new-stage-name"
                name="name"
                maxLength={60}
                placeholder="Security review"
                defaultValue={addFailed?.values.name ?? ""}
                aria-invalid={addFailed ? true : undefined}
                aria-describedby={addFailed ? "new-stage-error" : undefined}
              />
              <button type="submit" className="button secondary">
                Add stage
              </button>
            </div>
            {addFailed ? (
              <p className="field-error" id="new-stage-error">
                {addFailed.error.fields?.name ? `Name ${addFailed.error.fields.name}` : addFailed.error.message}
              </p>
            ) : (
              <p className="field-hint">Added at the end of the cycle; move it up to where it belongs.</p>
            )}
          </div>
        </Form>
      </section>
    </div>
  );
}

function StageRow({ stage, first, last, organizationId, actionData }: { stage: LoaderStage; first: boolean; last: boolean; organizationId: string; actionData: ActionData }) {
  const concerned = actionData ? (actionData.ok ? actionData.stageId : actionData.values.stageId) : undefined;
  const mine = concerned === stage.id ? actionData : null;
  const failed = mine && !mine.ok ? mine : null;
  const renameFailed = failed?.intent === "rename" ? failed : null;
  const rowError = failed && failed.intent !== "rename" && failed.intent !== "save-form" && failed.intent !== "buyer-label" ? failed.error : null;
  const hidden = (intent: string) => (
    <>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="organizationId" value={organizationId} />
      <input type="hidden" name="stageId" value={stage.id} />
    </>
  );
  const nameId = `stage-name-${stage.id}`;
  return (
    <li className={`cycle-stage${stage.handoff ? " is-handoff" : ""}`} data-stage={stage.name}>
      <div className="cycle-stage-row">
        <span className="cycle-stage-number" aria-hidden="true">
          {stage.position + 1}
        </span>
        <Form method="post" className="cycle-rename" preventScrollReset noValidate>
          {hidden("rename")}
          <label htmlFor={nameId} className="visually-hidden">
            Name of stage {stage.position + 1}
          </label>
          <input
            id={nameId}
            name="name"
            maxLength={60}
            defaultValue={renameFailed?.values.name ?? stage.name}
            key={stage.name}
            aria-invalid={renameFailed ? true : undefined}
            aria-describedby={renameFailed ? `${nameId}-error` : undefined}
          />
          <button type="submit" className="button ghost small" aria-label={`Rename ${stage.name}`}>
            Rename
          </button>
        </Form>
        <Form method="post" preventScrollReset>
          {hidden("handoff")}
          <input type="hidden" name="handoff" value={stage.handoff ? "false" : "true"} />
          <button type="submit" className={`handoff-toggle${stage.handoff ? " is-on" : ""}`} role="switch" aria-checked={stage.handoff} aria-label={`${stage.name} hands the room off`}>
            <span className="handoff-toggle-track" aria-hidden="true">
              <span className="handoff-toggle-thumb" />
            </span>
            <span className="handoff-toggle-label">
              <HandoffIcon size={12} /> Hands the room off
            </span>
          </button>
        </Form>
        <div className="cycle-stage-order">
          <Form method="post" preventScrollReset>
            {hidden("up")}
            <input type="hidden" name="position" value={stage.position} />
            <button type="submit" className="button ghost small icon-button" disabled={first} aria-label={`Move ${stage.name} up`} title="Move up">
              <UpIcon />
            </button>
          </Form>
          <Form method="post" preventScrollReset>
            {hidden("down")}
            <input type="hidden" name="position" value={stage.position} />
            <button type="submit" className="button ghost small icon-button" disabled={last} aria-label={`Move ${stage.name} down`} title="Move down">
              <DownIcon />
            </button>
          </Form>
        </div>
        {/* Remounted after a refusal, so it closes and the message below shows. */}
        <details className="stage-popover cycle-remove" key={failed?.intent === "remove" ? "refused" : "idle"}>
          <summary className="button danger-ghost small" aria-label={`Remove ${stage.name}`}>
            Remove
          </summary>
          <div className="card popover-card stage-popover-card">
            <h3>Remove {stage.name}?</h3>
            <p className="small">Rooms keep their history. A stage that rooms are in cannot be removed: move them first.</p>
            <Form method="post" preventScrollReset>
              {hidden("remove")}
              <div className="form-actions">
                <button type="submit" className="button danger small">
                  Yes, remove {stage.name}
                </button>
              </div>
            </Form>
          </div>
        </details>
      </div>
      <Form method="post" className="cycle-buyer-label" preventScrollReset noValidate key={`${stage.buyerLabel ?? ""}`}>
        {hidden("buyer-label")}
        <label htmlFor={`buyer-label-${stage.id}`}>Buyers see</label>
        <input
          id={`buyer-label-${stage.id}`}
          name="buyerLabel"
          maxLength={60}
          defaultValue={stage.buyerLabel ?? ""}
          placeholder="Hidden from buyers"
          aria-label={`What buyers see for ${stage.name}`}
        />
        <label className="cycle-buyer-hidden">
          <input type="checkbox" name="hidden" defaultChecked={stage.buyerLabel === null} aria-label={`Hide ${stage.name} from buyers`} /> Hidden
        </label>
        <button type="submit" className="button ghost small" aria-label={`Save what buyers see for ${stage.name}`}>
          Save
        </button>
        {failed?.intent === "buyer-label" ? (
          <span className="field-error" role="alert">
            {failed.error.fields?.buyerLabel ? `Label ${failed.error.fields.buyerLabel}` : failed.error.message}
          </span>
        ) : null}
      </Form>
      {renameFailed ? (
        <p className="field-error cycle-stage-error" id={`${nameId}-error`}>
          {renameFailed.error.fields?.name ? `Name ${renameFailed.error.fields.name}` : renameFailed.error.message}
        </p>
      ) : null}
      {rowError ? (
        <div className="alert alert-error cycle-stage-error" role="alert">
          {rowError.message}
        </div>
      ) : null}
      <FormEditor stage={stage} organizationId={organizationId} actionData={mine} />
    </li>
  );
}

function FormEditor({ stage, organizationId, actionData }: { stage: LoaderStage; organizationId: string; actionData: ActionData | null }) {
  const navigation = useNavigation();
  const busy = navigation.state === "submitting" && navigation.formData?.get("stageId") === stage.id && navigation.formData?.get("intent") === "save-form";
  const failed = actionData && !actionData.ok && actionData.intent === "save-form" ? actionData : null;
  const saved = actionData?.ok && actionData.intent === "save-form";
  const values = failed?.values;
  const rows: DraftField[] = values
    ? Array.from({ length: Number(values.fieldCount) || 0 }, (_, i) => ({
        key: values[`field.${i}.key`] ?? "",
        label: values[`field.${i}.label`] ?? "",
        type: values[`field.${i}.type`] ?? "text",
        required: values[`field.${i}.required`] === "on",
        options: values[`field.${i}.options`] ?? "",
      }))
    : stage.form.map((f: FormField) => ({ key: f.key, label: f.label, type: f.type, required: f.required, options: (f.options ?? []).join("\n") }));
  // The service names rows as form.<i>.<prop>; here they are field.<i>.<prop>.
  const error: FormError | null = failed
    ? { ...failed.error, fields: Object.fromEntries(Object.entries(failed.error.fields ?? {}).map(([k, v]) => [k.replace(/^form\./, "field."), v])) }
    : null;
  const shown = rows.flatMap((_, i) => [`field.${i}`]).concat(["formVisibility"]);
  const visibility = values?.formVisibility ?? stage.formVisibility;
  const editorKey = failed ? `failed-${navigation.state}-${values?.fieldCount}` : JSON.stringify(stage.form) + stage.formVisibility;
  return (
    <details className="form-editor" open={failed || saved ? true : undefined}>
      <summary>
        <FormIcon size={13} /> Hand-off form
        <span className="muted small">
          {stage.form.length === 0 ? " · none" : ` · ${stage.form.length} ${stage.form.length === 1 ? "field" : "fields"}, asked when a room leaves ${stage.name}`}
        </span>
        {stage.form.length ? (
          <span className={`timeline-form-visibility is-${stage.formVisibility}`}>
            {stage.formVisibility === "internal" ? <LockIcon size={11} /> : <GuestIcon size={11} />}
            {stage.formVisibility === "internal" ? "Internal" : "Shared"}
          </span>
        ) : null}
      </summary>
      <Form method="post" className="form-editor-body" preventScrollReset noValidate key={editorKey} aria-label={`Hand-off form of ${stage.name}`}>
        <input type="hidden" name="intent" value="save-form" />
        <input type="hidden" name="organizationId" value={organizationId} />
        <input type="hidden" name="stageId" value={stage.id} />
        <input type="hidden" name="fieldCount" value={rows.length} />
        <FormAlert error={error} fields={shown} />
        {saved ? (
          <p className="form-editor-saved" role="status">
            Saved.
          </p>
        ) : null}
        {rows.length === 0 ? <p className="muted small">No fields yet: rooms leave {stage.name} without a form.</p> : null}
        <ol className="form-editor-fields">
          {rows.map((row, i) => (
            <FieldRow key={`${row.key}-${i}`} row={row} index={i} count={rows.length} error={error} stageName={stage.name} />
          ))}
        </ol>
        <fieldset className="form-editor-new">
          <legend>Add a field</legend>
          <FieldInputs prefix="new" row={{ key: "", label: "", type: "text", required: false, options: "" }} error={null} labelPrefix="New field" />
          <div className="form-actions">
            <button type="submit" name="op" value="add" className="button secondary small">
              Add field
            </button>
          </div>
        </fieldset>
        <div className="form-editor-footer">
          <div className="field form-editor-visibility">
            <label htmlFor={`visibility-${stage.id}`}>Who reads the filled form</label>
            <select id={`visibility-${stage.id}`} name="formVisibility" defaultValue={visibility}>
              <option value="internal">Internal: the seller's side only</option>
              <option value="shared">Shared: the guests read it too</option>
            </select>
          </div>
          <button type="submit" name="op" value="save" className="button primary" disabled={busy}>
            {busy ? "Saving…" : "Save form"}
          </button>
        </div>
      </Form>
    </details>
  );
}

function FieldRow({ row, index, count, error, stageName }: { row: DraftField; index: number; count: number; error: FormError | null; stageName: string }) {
  const name = row.label || `field ${index + 1}`;
  return (
    <li className="form-editor-field" data-field={row.key}>
      <input type="hidden" name={`field.${index}.key`} value={row.key} />
      <FieldInputs prefix={`field.${index}`} row={row} error={error} labelPrefix={`Field ${index + 1} of ${stageName}:`} />
      <div className="form-editor-field-actions">
        <button type="submit" name="op" value={`up:${index}`} className="button ghost small icon-button" disabled={index === 0} aria-label={`Move ${name} up`} title="Move up">
          <UpIcon />
        </button>
        <button type="submit" name="op" value={`down:${index}`} className="button ghost small icon-button" disabled={index === count - 1} aria-label={`Move ${name} down`} title="Move down">
          <DownIcon />
        </button>
        <button type="submit" name="op" value={`remove:${index}`} className="button danger-ghost small" aria-label={`Remove ${name}`}>
          Remove
        </button>
      </div>
    </li>
  );
}

/** Label, type, required and (for a choice) options of one field; labels name the row for assistive tech. */
function FieldInputs({ prefix, row, error, labelPrefix }: { prefix: string; row: DraftField; error: FormError | null; labelPrefix: string }) {
  const { fieldTypes } = useLoaderData<typeof loader>();
  const id = prefix.replace(/\./g, "-");
  const message = (prop: string) => fieldError(error, `${prefix}.${prop}`);
  const labelError = message("label") ?? message("key");
  const typeError = message("type");
  const optionsError = message("options");
  return (
    <div className="form-editor-inputs">
      <div className="field form-editor-label">
        <label htmlFor={`${id}-label`}>
          <span className="visually-hidden">{labelPrefix} </span>Label
        </label>
        <input
          id={`${id}-label`}
          name={`${prefix}.label`}
          defaultValue={row.label}
          maxLength={120}
          placeholder={prefix === "new" ? "Decision maker" : undefined}
          aria-invalid={labelError ? true : undefined}
          aria-describedby={labelError ? `${id}-label-error` : undefined}
        />
        {labelError ? (
          <p className="field-error" id={`${id}-label-error`}>
            Label {labelError}
          </p>
        ) : null}
      </div>
      <div className="field form-editor-type">
        <label htmlFor={`${id}-type`}>
          <span className="visually-hidden">{labelPrefix} </span>Type
        </label>
        <select id={`${id}-type`} name={`${prefix}.type`} defaultValue={row.type} aria-invalid={typeError ? true : undefined}>
          {fieldTypes.map((t) => (
            <option key={t} value={t}>
              {FIELD_TYPE_LABELS[t as FieldTypeName]}
            </option>
          ))}
        </select>
        {typeError ? <p className="field-error">Type {typeError}</p> : null}
      </div>
      <label className="checkbox form-editor-required" htmlFor={`${id}-required`}>
        <input id={`${id}-required`} type="checkbox" name={`${prefix}.required`} defaultChecked={row.required} />
        <span>
          <span className="visually-hidden">{labelPrefix} </span>Required
        </span>
      </label>
      <div className="field form-editor-options">
        <label htmlFor={`${id}-options`}>
          <span className="visually-hidden">{labelPrefix} </span>Choices <span className="muted small">(for a choice: one per line)</span>
        </label>
        <textarea
          id={`${id}-options`}
          name={`${prefix}.options`}
          rows={2}
          defaultValue={row.options}
          aria-invalid={optionsError ? true : undefined}
          aria-describedby={optionsError ? `${id}-options-error` : undefined}
        />
        {optionsError ? (
          <p className="field-error" id={`${id}-options-error`}>
            Choices {optionsError}
          </p>
        ) : null}
      </div>
    </div>
  );
}
