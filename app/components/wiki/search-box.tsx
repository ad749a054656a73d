import { useEffect, useRef } from "react";
import { Form, Link, useLocation, useNavigation, useSubmit } from "react-router";
import type { SearchHit } from "./search-snippet.tsx";
import { SearchSnippet } from "./search-snippet.tsx";
import { VisibilityBadge } from "./visibility-badge.tsx";

const TYPE_LABEL = { page: "Page", message: "Message", file: "File" } as const;

/** Where a result leads: the page, the message's thread, the file's page. */
function hitPath(roomId: string, hit: SearchHit): string {
  if (hit.type === "message" && hit.threadId) return `/rooms/${roomId}/threads/${hit.threadId}#message-${hit.id}`;
  if (hit.type === "file") return `/rooms/${roomId}/files/${hit.id}`;
  return `/rooms/${roomId}/pages/${hit.id}`;
}

const TYPE_DELAY_MS = 250;

/**
 * Search in the whole room: pages, thread messages and files (`server/search.ts`). The query lives in the URL (?q=), so results survive a reload
 * and the form works before the JavaScript loads; with it, results follow the typing.
 */
export function SearchBox({ roomId, q, results }: { roomId: string; q: string; results: SearchHit[] | null }) {
  const location = useLocation();
  const submit = useSubmit();
  const navigation = useNavigation();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  const searching = navigation.state === "loading" && new URLSearchParams(navigation.location?.search).has("q");

  useEffect(() => () => clearTimeout(timer.current), []);
  // Keep the box in step with the URL (back button, clearing).
  useEffect(() => {
    if (input.current && document.activeElement !== input.current) input.current.value = q;
  }, [q]);

  return (
    <div className="wiki-search">
      <Form method="get" action={location.pathname} role="search" aria-label="Search this room" preventScrollReset>
        <label className="visually-hidden" htmlFor="wiki-search-q">Search this room</label>
        <input
          ref={input}
          id="wiki-search-q"
          type="search"
          name="q"
          defaultValue={q}
          placeholder="Search pages, threads, files…"
          autoComplete="off"
          maxLength={200}
          onChange={(event) => {
            const form = event.currentTarget.form;
            clearTimeout(timer.current);
            timer.current = setTimeout(() => submit(form, { replace: true, preventScrollReset: true }), TYPE_DELAY_MS);
          }}
        />
      </Form>
      {q && (
        <section className="wiki-search-results" aria-label={`Results for “${q}”`} aria-busy={searching} data-testid="search-results">
          <div className="wiki-search-results-head">
            <span>{results === null ? "Searching…" : results.length === 0 ? `Nothing found for “${q}”` : `${results.length} ${results.length === 1 ? "result" : "results"}`}</span>
            <Link to={location.pathname} replace preventScrollReset className="wiki-search-clear">Clear</Link>
          </div>
          {results && results.length > 0 && (
            <ul>
              {results.map((hit) => (
                <li key={`${hit.type ?? "page"}:${hit.id}`}>
                  <Link to={hitPath(roomId, hit)} className="wiki-search-hit" data-testid="search-hit" data-type={hit.type ?? "page"}>
                    <span className="wiki-search-hit-meta">
                      <span className="wiki-search-type">{TYPE_LABEL[hit.type ?? "page"]}</span>
                      {hit.visibility && <VisibilityBadge visibility={hit.visibility} />}
                    </span>
                    <strong>{hit.title}</strong>
                    <SearchSnippet hit={hit} />
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
