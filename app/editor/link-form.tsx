import type { Editor } from "@tiptap/react";
import { useState, type FormEvent } from "react";
import { isAllowedLink } from "./extensions.ts";

/** What the user typed, as an href the shared link rule allows ("acme.com" becomes https://acme.com), or null. */
export function linkHref(raw: string): string | null {
  // Browsers drop whitespace and control characters inside a URL ("java\tscript:"): so do we, first.
  const text = raw.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  if (!text) return null;
  const href = /^([a-z][a-z0-9+.-]*:|[/#?.])/i.test(text) ? text : `https://${text}`;
  return isAllowedLink(href) ? href : null;
}

/**
 * The link address form of the toolbar and of the bubble over a selection: one rule for what a
 * link may be (`linkHref`), one error, one way to set or remove the link mark.
 */
export function LinkForm(props: {
  editor: Editor;
  onDone: () => void;
  /** The form's own class (each toolbar lays it out its own way) and its input's id (both may be on one page). */
  className: string;
  inputId: string;
  removeLabel: string;
  /** The toolbar's form stays open until closed; the bubble closes when the selection goes. */
  withCancel?: boolean;
}) {
  const { editor, onDone } = props;
  const current = (editor.getAttributes("link").href as string | undefined) ?? "";
  const [value, setValue] = useState(current);
  const [error, setError] = useState<string | null>(null);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const href = linkHref(value);
    if (!href) {
      setError("Enter a web address (https://…) or an e-mail link (mailto:…).");
      return;
    }
    editor.chain().focus().extendMarkRange("link").setLink({ href }).run();
    onDone();
  };
  const remove = () => {
    editor.chain().focus().extendMarkRange("link").unsetLink().run();
    onDone();
  };

  return (
    <form className={props.className} onSubmit={apply}>
      <label className="visually-hidden" htmlFor={props.inputId}>Link address</label>
      <input
        id={props.inputId}
        autoFocus
        type="text"
        inputMode="url"
        placeholder="https://example.com"
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => e.key === "Escape" && onDone()}
      />
      <button type="submit" className="button small">Apply</button>
      {current && (
        <button type="button" className="button small ghost" onClick={remove}>{props.removeLabel}</button>
      )}
      {props.withCancel && <button type="button" className="button small ghost" onClick={onDone}>Cancel</button>}
      {error && <p className="wiki-linkform-error" role="alert">{error}</p>}
    </form>
  );
}
