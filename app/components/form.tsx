import { useId } from "react";
import { fieldError, formMessage, type FormError } from "../lib/form-error.ts";

// Labelled inputs whose error text is tied to them with aria-describedby, and a form-level
// alert. Field messages from the services complete the label: "Password" + "must be at least 8 characters".

interface FieldFrame {
  label: string;
  name: string;
  error?: FormError | null | undefined;
  hint?: React.ReactNode;
  className?: string;
}

function useFieldIds(name: string) {
  const base = useId();
  return { input: `${base}-${name}`, hint: `${base}-${name}-hint`, error: `${base}-${name}-error` };
}

function describedBy(ids: { hint: string; error: string }, hasHint: boolean, message: string | undefined) {
  const list = [hasHint ? ids.hint : null, message ? ids.error : null].filter(Boolean);
  return list.length ? list.join(" ") : undefined;
}

function FieldMessages({ ids, hint, label, message }: { ids: { hint: string; error: string }; hint?: React.ReactNode; label: string; message: string | undefined }) {
  return (
    <>
      {hint ? <p className="field-hint" id={ids.hint}>{hint}</p> : null}
      {message ? (
        <p className="field-error" id={ids.error}>
          {label} {message}
        </p>
      ) : null}
    </>
  );
}

type InputProps = FieldFrame & Omit<React.InputHTMLAttributes<HTMLInputElement>, "name">;

export function TextField({ label, name, error, hint, className, ...input }: InputProps) {
  const ids = useFieldIds(name);
  const message = fieldError(error, name);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={ids.input}>{label}</label>
      <input
        id={ids.input}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy(ids, Boolean(hint), message)}
        {...input}
      />
      <FieldMessages ids={ids} hint={hint} label={label} message={message} />
    </div>
  );
}

type TextareaProps = FieldFrame & Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, "name">;

export function TextareaField({ label, name, error, hint, className, ...input }: TextareaProps) {
  const ids = useFieldIds(name);
  const message = fieldError(error, name);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={ids.input}>{label}</label>
      <textarea
        id={ids.input}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy(ids, Boolean(hint), message)}
        {...input}
      />
      <FieldMessages ids={ids} hint={hint} label={label} message={message} />
    </div>
  );
}

type SelectProps = FieldFrame &
  Omit<React.SelectHTMLAttributes<HTMLSelectElement>, "name"> & {
    options: readonly (string | { value: string; label: string })[];
  };

export function SelectField({ label, name, error, hint, className, options, ...select }: SelectProps) {
  const ids = useFieldIds(name);
  const message = fieldError(error, name);
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={ids.input}>{label}</label>
      <select
        id={ids.input}
        name={name}
        aria-invalid={message ? true : undefined}
        aria-describedby={describedBy(ids, Boolean(hint), message)}
        {...select}
      >
        {options.map((o) => {
          const option = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          );
        })}
      </select>
      <FieldMessages ids={ids} hint={hint} label={label} message={message} />
    </div>
  );
}

/**
 * An amount with its currency: two inputs under one label. Errors for `value`,
 * `value.amount` and `value.currency` all show here.
 */
export function MoneyField({
  label,
  error,
  amount,
  currency,
  currencies,
}: {
  label: string;
  error?: FormError | null | undefined;
  amount: string;
  currency: string;
  currencies: readonly string[];
}) {
  const ids = useFieldIds("value");
  const message = fieldError(error, "value");
  const choices = currencies.includes(currency) ? currencies : [currency, ...currencies];
  return (
    <fieldset className="field money-field">
      <legend>{label}</legend>
      <div className="input-group">
        <label className="visually-hidden" htmlFor={`${ids.input}-currency`}>
          Currency
        </label>
        <select id={`${ids.input}-currency`} name="currency" defaultValue={currency} aria-describedby={message ? ids.error : undefined}>
          {choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor={ids.input}>
          Amount
        </label>
        <input
          id={ids.input}
          name="amount"
          inputMode="decimal"
          autoComplete="off"
          placeholder="0"
          defaultValue={amount}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? ids.error : undefined}
        />
      </div>
      {message ? (
        <p className="field-error" id={ids.error}>
          {label} {message}
        </p>
      ) : null}
    </fieldset>
  );
}

/** The form-level message, announced when it appears. */
export function FormAlert({ error, fields = [] }: { error?: FormError | null | undefined; fields?: readonly string[] }) {
  const message = formMessage(error, fields);
  if (!message) return null;
  return (
    <div className="alert alert-error" role="alert">
      {message}
    </div>
  );
}

export function SubmitButton({
  children,
  pending,
  pendingText,
  className = "button primary",
  ...rest
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { pending?: boolean; pendingText?: string }) {
  return (
    <button type="submit" className={className} aria-disabled={pending || undefined} {...rest}>
      {pending && pendingText ? pendingText : children}
    </button>
  );
}
