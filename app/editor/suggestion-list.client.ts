import type { SuggestionKeyDownProps, SuggestionOptions, SuggestionProps } from "@tiptap/suggestion";

/**
 * The popup of a TipTap suggestion (the slash menu, @mentions): a listbox of options placed by
 * the suggestion's own `mount` (Floating UI), driven from the editor's keyboard — ↑/↓ move,
 * Enter or Tab choose, Escape closes — or by pointer. The active option is announced through
 * a polite live region, since focus stays in the editor (WCAG 4.1.2 / 4.1.3).
 */

export interface ListItem {
  /** What the option reads. */
  title: string;
  /** A second, muted line. */
  hint?: string;
  /** A short glyph shown before the title (decorative). */
  icon?: string;
}

let lists = 0;

export function suggestionList<I extends ListItem>(options: { label: string; empty: string; testId: string }): NonNullable<SuggestionOptions<I, I>["render"]> {
  return () => {
    const id = `suggestion-${++lists}`;
    let props: SuggestionProps<I, I> | null = null;
    let active = 0;
    let unmount: (() => void) | null = null;
    const root = document.createElement("div");
    root.className = "suggestion-popup";
    root.dataset.testid = options.testId;
    const list = document.createElement("ul");
    list.id = id;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", options.label);
    const status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    root.append(list, status);
    // Keep the editor's selection: a mousedown inside would otherwise blur it.
    root.addEventListener("mousedown", (e) => e.preventDefault());

    const choose = (index: number) => {
      const item = props?.items[index];
      if (item && props) props.command(item);
    };

    const draw = () => {
      const items = props?.items ?? [];
      if (active >= items.length) active = Math.max(0, items.length - 1);
      list.replaceChildren(
        ...(items.length
          ? items.map((item, index) => {
              const li = document.createElement("li");
              li.id = `${id}-${index}`;
              li.setAttribute("role", "option");
              li.setAttribute("aria-selected", String(index === active));
              li.className = `suggestion-option${index === active ? " is-active" : ""}`;
              if (item.icon) {
                const icon = document.createElement("span");
                icon.className = "suggestion-icon";
                icon.setAttribute("aria-hidden", "true");
                icon.textContent = item.icon;
                li.append(icon);
              }
              const body = document.createElement("span");
              body.className = "suggestion-body";
              const title = document.createElement("span");
              title.className = "suggestion-title";
              title.textContent = item.title;
              body.append(title);
              if (item.hint) {
                const hint = document.createElement("span");
                hint.className = "suggestion-hint";
                hint.textContent = item.hint;
                body.append(hint);
              }
              li.append(body);
              li.addEventListener("click", () => choose(index));
              li.addEventListener("mousemove", () => {
                if (active !== index) {
                  active = index;
                  draw();
                }
              });
              return li;
            })
          : [Object.assign(document.createElement("li"), { className: "suggestion-empty", textContent: options.empty, role: "presentation" })]),
      );
      const current = items[active];
      status.textContent = current ? `${current.title}, ${active + 1} of ${items.length}` : options.empty;
      list.querySelector(".is-active")?.scrollIntoView({ block: "nearest" });
    };

    return {
      onStart: (p) => {
        props = p;
        active = 0;
        draw();
        unmount = p.mount(root);
      },
      onUpdate: (p) => {
        props = p;
        active = 0;
        draw();
      },
      onKeyDown: ({ event }: SuggestionKeyDownProps) => {
        const count = props?.items.length ?? 0;
        // Escape: the suggestion plugin closes the popup itself (onExit).
        if (event.key === "Escape") return true;
        if (!count) return false;
        if (event.key === "ArrowDown") {
          active = (active + 1) % count;
          draw();
          return true;
        }
        if (event.key === "ArrowUp") {
          active = (active - 1 + count) % count;
          draw();
          return true;
        }
        if (event.key === "Enter" || event.key === "Tab") {
          choose(active);
          return true;
        }
        return false;
      },
      onExit: () => {
        unmount?.();
        unmount = null;
        root.remove();
        props = null;
      },
    };
  };
}
