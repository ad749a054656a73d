import { useId } from "react";
import { fieldError, type FormError } from "../../lib/form-error.ts";
import { sideLabel } from "../../lib/format.ts";
import type { FormField } from "../../../server/sales/forms.ts";

export interface FieldPerson {
  userId: string;
  name: string;
  side: "internal" | "external";
}

/**
 * One field of a hand-off form, by its type: text → textarea, number, date, choice → select,
 * person → select of the room's participants (with their side). Required fields are marked;
 * the service's message shows under the field ("Go-live date is required").
 */
export function HandoffField({
  field,
  name,
  value,
  error,
  people,
  hint,
}: {
  field: FormField;
  name: string;
  value: string | undefined;
  error: FormError | null;
  people: FieldPerson[];
  hint?: string;
}) {
  const base = useId();
  const ids = { input: `${base}-input`, error: `${base}-error`, hint: `${base}-hint` };
  const message = fieldError(error, name);
  const describedBy = [hint ? ids.hint : null, message ? ids.error : null].filter(Boolean).join(" ") || undefined;
  const common = {
    id: ids.input,
    name,
    "aria-invalid": message ? true : undefined,
    "aria-required": field.required || undefined,
    "aria-describedby": describedBy,
  } as const;
  let input: React.ReactNode;
  switch (field.type) {
    case "text":
      input = <textarea {...common} rows={3} maxLength={2000} defaultValue={value ?? ""} />;
      break;
    case "number":
      input = <input {...common} type="text" inputMode="decimal" autoComplete="off" defaultValue={value ?? ""} className="handoff-number" />;
      break;
    case "date":
      input = <input {...common} type="date" defaultValue={value ?? ""} className="handoff-date" />;
      break;
    case "choice":
      input = (
        <select {...common} defaultValue={value ?? ""}>
          <option value="">{field.required ? "Choose…" : "—"}</option>
          {(field.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case "person":
      input = (
        <select {...common} defaultValue={value ?? ""}>
          <option value="">{field.required ? "Choose someone in the room…" : "—"}</option>
          {(["internal", "external"] as const).map((side) => {
            const group = people.filter((p) => p.side === side);
            return group.length ? (
              <optgroup key={side} label={side === "internal" ? "Internal team" : "Guests"}>
                {group.map((p) => (
                  <option key={p.userId} value={p.userId}>
                    {p.name} ({sideLabel(p.side)})
                  </option>
                ))}
              </optgroup>
            ) : null;
          })}
        </select>
      );
      break;
  }
  return (
    <div className={`field handoff-field is-${field.type}`} data-field={field.key}>
      <label htmlFor={ids.input}>
        {field.label}
        {field.required ? (
          <span className="required-mark" aria-hidden="true">
            required
          </span>
        ) : (
          <span className="optional-mark" aria-hidden="true">
            optional
          </span>
        )}
      </label>
      {input}
      {hint ? (
        <p className="field-hint" id={ids.hint}>
          {hint}
        </p>
      ) : null}
      {message ? (
        <p className="field-error" id={ids.error}>
          {field.label} {message}
        </p>
      ) : null}
    </div>
  );
}
