import { useRef, useState } from "react";

export interface Mentionable {
  id: string;
  name: string;
}

type Props = Omit<React.TextareaHTMLAttributes<HTMLTextAreaElement>, "onKeyDown" | "onInput"> & {
  /** Who may be mentioned here: the participants who can see the thread (from the server). */
  people: Mentionable[];
};

/** The token a mention is written as; the server renders it as "@Name" (server/threads/markdown.ts). */
export const mentionToken = (person: Mentionable) => `@[${person.name.replace(/[\[\]\n]/g, " ")}](${person.id})`;

/**
 * A textarea that offers people after "@": arrows pick, Enter or Tab inserts. Ctrl/⌘+Enter
 * sends the form. Uncontrolled, so the form also works before JavaScript has loaded.
 */
export function MentionTextarea({ people, className, ...textarea }: Props) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [query, setQuery] = useState<{ start: number; text: string } | null>(null);
  const [active, setActive] = useState(0);
  const matches = query ? people.filter((p) => p.name.toLowerCase().includes(query.text.toLowerCase())).slice(0, 6) : [];

  function track() {
    const el = ref.current;
    if (!el) return;
    const before = el.value.slice(0, el.selectionStart);
    const match = /(?:^|\s)@([^\s@[\]()]{0,40})$/.exec(before);
    setQuery(match ? { start: el.selectionStart - match[1]!.length - 1, text: match[1]! } : null);
    setActive(0);
  }

  function insert(person: Mentionable) {
    const el = ref.current;
    if (!el || !query) return;
    el.setRangeText(`${mentionToken(person)} `, query.start, el.selectionStart, "end");
    setQuery(null);
    el.focus();
  }

  function onKeyDown(event: React.KeyboardEvent<HTMLTextAreaElement>) {
    if (matches.length > 0) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((i) => (i + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        insert(matches[active]!);
        return;
      }
      if (event.key === "Escape") {
        setQuery(null);
        return;
      }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    }
  }

  const listId = `${textarea.id ?? textarea.name ?? "mention"}-people`;
  return (
    <div className="mention-field">
      <textarea
        ref={ref}
        className={className}
        onInput={track}
        onClick={track}
        onKeyDown={onKeyDown}
        aria-autocomplete="list"
        aria-controls={matches.length ? listId : undefined}
        {...textarea}
      />
      {matches.length > 0 ? (
        <ul className="mention-menu" role="listbox" id={listId} aria-label="People you can mention">
          {matches.map((person, i) => (
            <li
              key={person.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? "is-active" : undefined}
              // mousedown, not click: keep the textarea's focus and caret.
              onMouseDown={(event) => {
                event.preventDefault();
                insert(person);
              }}
            >
              @{person.name}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
