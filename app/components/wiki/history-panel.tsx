import { useEffect, useRef } from "react";
import { Form, Link, useNavigation, useSearchParams } from "react-router";
import type { VersionDiff as VersionDiffData, VersionSummary, VersionView } from "../../../server/wiki/versions.ts";
import type { FormError } from "../../lib/form-error.ts";
import { Avatar } from "../people.tsx";
import { formatDateTime } from "./time.ts";
import { VersionDiff } from "./version-diff.tsx";

type ActionResult =
  | { ok: true; intent: string; version: number; created: boolean; restoredFrom?: number }
  | { ok: false; intent: string | null; error: FormError }
  | null;

const REASONS: Record<VersionSummary["reason"], string> = {
  auto: "Autosaved",
  manual: "Saved",
  stage: "Stage change",
  handoff: "Hand-off",
  restore: "Restored",
};

function reasonText(v: VersionSummary): string {
  if (v.reason === "restore" && v.restoredFrom) return `Restored from version ${v.restoredFrom}`;
  if (v.reason === "manual" && v.createdBy) return `Saved by ${v.createdBy.name}`;
  return REASONS[v.reason];
}

export function HistoryPanel(props: {
  base: string;
  canEdit: boolean;
  versions: VersionSummary[];
  version: VersionView | null;
  diff: VersionDiffData | null;
  result: ActionResult;
}) {
  const { base, canEdit, versions, version, diff, result } = props;
  const history = `${base}/history`;
  const wide = Boolean(version || diff);

  return (
    <aside className={`wiki-history${wide ? " wide" : ""}`} aria-label="Page history" data-testid="history-panel">
      <header className="wiki-history-header">
        <h2>History</h2>
        <Link to={base} className="wiki-icon-button" aria-label="Close history" title="Close history" preventScrollReset>
          ✕
        </Link>
      </header>

      <ResultNote result={result} />
      {canEdit && <SaveVersionForm result={result} />}

      {version && <VersionReader version={version} history={history} canEdit={canEdit} />}
      {diff && (
        <section className="wiki-history-view" aria-label="Comparison">
          <div className="wiki-history-view-bar">
            <Link to={history} className="button small ghost" preventScrollReset>← All versions</Link>
          </div>
          <VersionDiff blocks={diff.blocks} fromLabel={`version ${diff.from}`} toLabel={`version ${diff.to}`} />
        </section>
      )}

      {versions.length > 1 && <CompareForm versions={versions} history={history} diff={diff} />}

      {versions.length === 0 ? (
        <p className="muted wiki-history-empty">
          No versions yet. A version is saved automatically a minute after editing stops{canEdit ? ", or save one now" : ""}.
        </p>
      ) : (
        <ol className="wiki-versions" data-testid="version-list">
          {versions.map((v, index) => (
            <VersionItem key={v.number} v={v} previous={versions[index + 1]} history={history} selected={version?.number === v.number} canEdit={canEdit} />
          ))}
        </ol>
      )}
    </aside>
  );
}

function ResultNote({ result }: { result: ActionResult }) {
  if (!result) return null;
  if (!result.ok) return <div className="alert alert-error" role="alert">{result.error.message}</div>;
  let text: string;
  if (result.intent === "restore") {
    text = result.created
      ? `Version ${result.restoredFrom} restored. It is now version ${result.version}; everyone editing sees it.`
      : `The page already matches version ${result.restoredFrom}; nothing changed.`;
  } else {
    text = result.created ? `Saved as version ${result.version}.` : `No changes since version ${result.version}; nothing new to save.`;
  }
  return <div className="alert wiki-alert-success" role="status">{text}</div>;
}

function SaveVersionForm({ result }: { result: ActionResult }) {
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.formData?.get("intent") === "save";
  const form = useRef<HTMLFormElement>(null);
  // A saved version empties the label box, ready for the next one; a refused save keeps it.
  useEffect(() => {
    if (result?.ok && result.intent === "save") form.current?.reset();
  }, [result]);
  return (
    <Form method="post" className="wiki-save-version" preventScrollReset ref={form}>
      <input type="hidden" name="intent" value="save" />
      <label className="visually-hidden" htmlFor="version-label">Version label (optional)</label>
      <input id="version-label" name="label" maxLength={200} placeholder="Label, e.g. Sent to Acme legal" />
      <button type="submit" className="button small primary" disabled={busy}>{busy ? "Saving…" : "Save version"}</button>
    </Form>
  );
}

function CompareForm({ versions, history, diff }: { versions: VersionSummary[]; history: string; diff: VersionDiffData | null }) {
  const [search] = useSearchParams();
  const newest = versions[0]!.number;
  const from = diff?.from ?? versions[1]?.number ?? newest;
  const to = diff?.to ?? newest;
  const options = versions.map((v) => (
    <option key={v.number} value={v.number}>
      v{v.number}{v.label ? ` · ${v.label}` : ""}
    </option>
  ));
  return (
    <Form method="get" action={history} className="wiki-compare" aria-label="Compare two versions" key={search.toString()} preventScrollReset>
      <span className="wiki-compare-label">Compare</span>
      <label>
        <span className="visually-hidden">Compare from</span>
        <select name="from" defaultValue={from}>{options}</select>
      </label>
      <span aria-hidden="true">→</span>
      <label>
        <span className="visually-hidden">Compare to</span>
        <select name="to" defaultValue={to}>{options}</select>
      </label>
      <button type="submit" className="button small secondary">Show</button>
    </Form>
  );
}

function VersionItem(props: { v: VersionSummary; previous: VersionSummary | undefined; history: string; selected: boolean; canEdit: boolean }) {
  const { v, previous, history, selected, canEdit } = props;
  return (
    <li className={`wiki-version${selected ? " selected" : ""}`} data-version={v.number}>
      <div className="wiki-version-top">
        <Link to={`${history}?v=${v.number}`} className="wiki-version-name" preventScrollReset>
          Version {v.number}
        </Link>
        <span className={`wiki-version-reason reason-${v.reason}`}>{reasonText(v)}</span>
      </div>
      {v.label && <p className="wiki-version-label">{v.label}</p>}
      <p className="wiki-version-time">
        <time dateTime={v.createdAt}>{formatDateTime(v.createdAt)}</time>
      </p>
      {v.authors.length > 0 && (
        <ul className="wiki-version-authors" aria-label="Edited by">
          {v.authors.map((a) => (
            <li key={a.id}>
              <Avatar person={{ userId: a.id, name: a.name }} size="sm" /> {a.name}
            </li>
          ))}
        </ul>
      )}
      <div className="wiki-version-actions">
        <Link to={`${history}?v=${v.number}`} className="button small ghost" preventScrollReset>View</Link>
        {previous && (
          <Link to={`${history}?from=${previous.number}&to=${v.number}`} className="button small ghost" preventScrollReset>
            Changes
          </Link>
        )}
        {canEdit && <RestoreButton number={v.number} />}
      </div>
    </li>
  );
}

function RestoreButton({ number }: { number: number }) {
  return (
    <Form
      method="post"
      className="wiki-inline-form"
      preventScrollReset
      onSubmit={(event) => {
        if (!window.confirm(`Restore version ${number}? The page's current text is replaced for everyone; the current state stays in the history.`)) {
          event.preventDefault();
        }
      }}
    >
      <input type="hidden" name="intent" value="restore" />
      <input type="hidden" name="number" value={number} />
      <button type="submit" className="button small ghost" aria-label={`Restore version ${number}`}>Restore</button>
    </Form>
  );
}

function VersionReader({ version, history, canEdit }: { version: VersionView; history: string; canEdit: boolean }) {
  return (
    <section className="wiki-history-view" aria-label={`Version ${version.number}`} data-testid="version-view">
      <div className="wiki-history-view-bar">
        <Link to={history} className="button small ghost" preventScrollReset>← All versions</Link>
        <strong>Version {version.number}</strong>
        <span className="muted small">{formatDateTime(version.createdAt)}</span>
        {canEdit && <RestoreButton number={version.number} />}
      </div>
      <h3 className="wiki-history-view-title">{version.title}</h3>
      {/* Rendered on the server from the version's document with the page schema (text escaped, links filtered). */}
      <div className="wiki-prose wiki-version-content" suppressHydrationWarning dangerouslySetInnerHTML={{ __html: version.html }} />
    </section>
  );
}
