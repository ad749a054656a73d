import { useEffect, useRef } from "react";
import { Form, Link, useLocation, useNavigation, useSubmit } from "react-router";
import type { SearchHit } from "./search-snippet.tsx";
import { SearchSnippet } from "./search-snippet.tsx";

const TYPE_DELAY_MS = 250;

/**
 * Search in the room's pages. The query lives in the URL (?q=), so results survive a reload
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
      <Form method="get" action={location.pathname} role="search" aria-label="Search pages" preventScrollReset>
        <label className="visually-hidden" htmlFor="wiki-search-q">Search pages</label>
        <input
          ref={input}
          id="wiki-search-q"
          type="search"
          name="q"
          defaultValue={q}
          placeholder="Search pages…"
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
            <span>{results === null ? "Searching…" : results.length === 0 ? `Nothing found for “${q}”` : `${results.length} ${results.length === 1 ? "page" : "pages"}`}</span>
            <Link to={location.pathname} replace preventScrollReset className="wiki-search-clear">Clear</Link>
          </div>
          {results && results.length > 0 && (
            <ul>
              {results.map((hit) => (
                <li key={hit.id}>
                  <Link to={`/rooms/${roomId}/pages/${hit.id}`} className="wiki-search-hit">
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
