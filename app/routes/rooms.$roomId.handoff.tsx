import { Link } from "react-router";
import type { Route } from "./+types/rooms.$roomId.handoff";
import { StageBadge, StatusBadge } from "../components/deal.tsx";
import { CheckIcon, DocIcon, LockIcon } from "../components/icons.tsx";
import { Avatar, RoleBadge } from "../components/people.tsx";
import { VersionDiff } from "../components/wiki/version-diff.tsx";
import { VisibilityBadge } from "../components/wiki/visibility-badge.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { formatDate } from "../lib/format.ts";
import { formatMoney } from "../lib/money.ts";
import { actorContext } from "../lib/session.server.ts";
import { formatBytes } from "../../shared/format.ts";
import { nestHeadings } from "../../shared/headings.ts";
import type { HandoffRecord, RecordPage } from "../../server/sales/handoff-record.ts";
import handoffStyles from "../styles/handoff.css?url";
import wikiStyles from "../styles/wiki.css?url";

// wiki.css styles the read-only page content (wiki-prose) and the diff (wiki-diff).
export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: wikiStyles },
  { rel: "stylesheet", href: handoffStyles },
];

/** The hand-off record as this reader may see it (the service decides; externals get shared parts only). */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const record = await orErrorPage(() => services.handoffRecord.handoffRecord(ctx, params.roomId));
  return { record };
}

/** What handed the room off: the move made just before the hand-off ("Closing → Delivering"), or winning. */
function triggerText(record: HandoffRecord): string {
  const h = record.handoff!;
  if (h.trigger === "won") return "closed as won";
  const move = record.timeline.moves.filter((m) => m.kind === "move" && m.movedAt <= h.madeAt).at(-1);
  return move ? `${move.from} → ${move.to}` : "entered a hand-off stage";
}
const KIND_TEXT = { move: "Moved", close: "Closed", reopen: "Reopened" } as const;

function days(n: number): string {
  if (n < 1) return "< 1 day";
  const d = Math.round(n);
  return `${d} ${d === 1 ? "day" : "days"}`;
}

function formValue(value: unknown, type: string, people: { id: string; name: string }[]): string {
  if (value === null || value === undefined || value === "") return "—";
  if (type === "person") return people.find((p) => p.id === value)?.name ?? "—";
  if (type === "date" && typeof value === "string") return formatDate(value);
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

export default function HandoffPage({ loaderData }: Route.ComponentProps) {
  const { record } = loaderData;
  const { room, handoff } = record;
  const api = `/api/v1/rooms/${room.id}`;
  const changed = record.pages.filter((p) => p.changedSinceHandoff).length;

  return (
    <div className="handoff" data-testid="handoff-record">
      <header className="card handoff-header">
        <div className="handoff-header-text">
          <p className="handoff-eyebrow">Hand-off record</p>
          {handoff ? (
            <h2 data-testid="handoff-line">
              Handed off on {formatDate(handoff.madeAt)} by {handoff.madeBy.name}
              <span className="handoff-trigger"> · {triggerText(record)}</span>
            </h2>
          ) : (
            <h2 data-testid="handoff-line">Deal summary so far</h2>
          )}
          <p className="muted small">
            {handoff
              ? `Every page below is shown at the version frozen at the hand-off${changed ? `; ${changed} ${changed === 1 ? "page has" : "pages have"} changed since.` : ", and none has changed since."}`
              : record.internalReader
                ? "This room has not been handed off yet: pages show their current content. Moving it into the hand-off stage (or closing it as won) freezes a hand-off version of every page."
                : "This room has not been handed off yet: pages show their current content. When delivery starts, a version of every page is kept as the hand-off record."}
            {record.internalReader ? "" : " You see the parts shared with your team."}
          </p>
        </div>
        <div className="handoff-downloads" aria-label="Downloads">
          <a className="button small secondary" href={`${api}/handoff?format=markdown`} download>Markdown</a>
          <a className="button small secondary" href={`${api}/handoff?format=pdf`} download>PDF</a>
          <a className="button small secondary" href={`${api}/export`} download>Room archive (.zip)</a>
        </div>
      </header>

      <SummaryCard record={record} />

      <nav className="card handoff-toc" aria-labelledby="toc-heading" data-testid="handoff-toc">
        <h3 id="toc-heading">Contents</h3>
        <ol>
          <li><a href="#summary-heading">Summary</a></li>
          <li><a href="#glance-heading">Deal at a glance</a></li>
          <li><a href="#people-heading">People</a></li>
          <li><a href="#timeline-heading">Stage timeline</a></li>
          <li>
            <a href="#pages-heading">Pages</a>
            {record.pages.length ? (
              <ol>
                {record.pages.map((p) => (
                  <li key={p.id} style={{ marginLeft: `${p.depth}em` }}>
                    <a href={`#page-${p.id}`}>{p.title}</a>
                    {p.changedSinceHandoff ? <span className="handoff-changed-flag small"> · changed</span> : null}
                  </li>
                ))}
              </ol>
            ) : null}
          </li>
          <li><a href="#decisions-heading">Decisions</a></li>
          <li><a href="#plan-heading">Mutual action plan</a></li>
          <li><a href="#questions-heading">Open questions</a></li>
          <li><a href="#files-heading">Files</a></li>
          {record.stakeholders ? <li><a href="#stakeholders-heading">Stakeholder map</a></li> : null}
          {record.qualification ? <li><a href="#qualification-heading">Qualification</a></li> : null}
        </ol>
      </nav>

      <div className="handoff-grid">
        <section className="card" aria-labelledby="glance-heading">
          <h3 id="glance-heading">Deal at a glance</h3>
          <dl className="handoff-facts">
            <div><dt>Account</dt><dd>{room.account}</dd></div>
            <div><dt>Value</dt><dd>{formatMoney(room.value)}</dd></div>
            <div><dt>Stage</dt><dd><StageBadge stage={room.stage} /> <StatusBadge status={room.status} /></dd></div>
            <div><dt>Expected close</dt><dd>{formatDate(room.expectedCloseDate)}</dd></div>
            <div><dt>Projected close</dt><dd>{formatDate(room.projectedCloseDate)}</dd></div>
            <div><dt>Room opened</dt><dd>{formatDate(room.createdAt)}</dd></div>
          </dl>
          {room.description.trim() ? <p className="handoff-description">{room.description}</p> : null}
        </section>

        <section className="card" aria-labelledby="people-heading">
          <h3 id="people-heading">People</h3>
          <div className="handoff-people">
            <PeopleList title="Seller's team" people={record.people.internal} />
            <PeopleList title="Buyer's team" people={record.people.external} />
          </div>
        </section>
      </div>

      <section className="card" aria-labelledby="timeline-heading">
        <h3 id="timeline-heading">Stage timeline</h3>
        <ol className="handoff-stages">
          {record.timeline.timeInStages.map((s) => (
            <li key={s.stageId ?? s.stage} className={s.stage === room.stage ? "current" : undefined}>
              <span className="handoff-stage-name">{s.stage}</span>
              <span className="handoff-stage-days">{days(s.days)}</span>
            </li>
          ))}
        </ol>
        {record.timeline.moves.length === 0 ? (
          <p className="muted small">No moves yet.</p>
        ) : (
          <ol className="handoff-moves">
            {record.timeline.moves.map((m) => (
              <li key={m.id}>
                <div className="handoff-move-line">
                  <time dateTime={m.movedAt}>{formatDate(m.movedAt)}</time>
                  <span>
                    {m.kind === "move" ? <><strong>{m.from}</strong> → <strong>{m.to}</strong></> : <>{KIND_TEXT[m.kind]} {m.kind === "close" ? <strong>{m.status}</strong> : null}</>}
                    {m.movedBy ? <span className="muted"> by {m.movedBy.name}</span> : null}
                  </span>
                </div>
                {m.reason ? <p className="small">Reason: {m.reason}</p> : null}
                {m.form ? (
                  <div className="handoff-form">
                    <p className="handoff-form-title">
                      Hand-off form {m.form.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}
                    </p>
                    <dl>
                      {m.form.fields.map((f) => (
                        <div key={f.key}>
                          <dt>{f.label}</dt>
                          <dd>{formValue(m.form!.values[f.key], f.type, m.form!.people)}</dd>
                        </div>
                      ))}
                    </dl>
                  </div>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="pages-heading" className="handoff-pages">
        <h3 id="pages-heading" className="handoff-section-title">Pages</h3>
        {record.pages.length === 0 ? <div className="card muted">No pages.</div> : null}
        {record.pages.map((page) => (
          <PageSection key={page.id} page={page} roomId={room.id} handedOff={handoff !== null} />
        ))}
        {record.omitted.pages ? <p className="muted small">{record.omitted.pages} more pages are not shown here.</p> : null}
      </section>

      <section className="card" aria-labelledby="decisions-heading" data-testid="handoff-decisions">
        <h3 id="decisions-heading">Decisions</h3>
        {record.decisions.length === 0 ? (
          <p className="muted small">No resolved threads.</p>
        ) : (
          <ul className="handoff-questions">
            {record.decisions.map((d) => (
              <li key={d.threadId}>
                <Link to={`/rooms/${room.id}/threads/${d.threadId}`}>{d.title}</Link>{" "}
                {d.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}
                <p className="muted small">Resolved {formatDate(d.resolvedAt)}{d.resolvedBy ? ` by ${d.resolvedBy.name}` : ""}</p>
                {d.message ? <p className="handoff-excerpt">{d.message.author?.name ?? "Someone"}: {d.message.excerpt}</p> : null}
              </li>
            ))}
          </ul>
        )}
      </section>

      <div className="handoff-grid">
        <section className="card" aria-labelledby="plan-heading">
          <h3 id="plan-heading">Mutual action plan</h3>
          {record.plan.items.length === 0 ? (
            <p className="muted small">No steps.</p>
          ) : (
            <ul className="handoff-checklist">
              {record.plan.items.map((s) => (
                <li key={s.id} className={s.status === "done" ? "done" : undefined}>
                  <span className="handoff-check" role="img" aria-label={s.status === "done" ? "Done" : "Not done"}>{s.status === "done" ? <CheckIcon size={12} /> : null}</span>
                  <span className="handoff-step">
                    <span>{s.title} {s.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}</span>
                    <span className="muted small">
                      {s.owner?.name ?? "No owner"} · {s.dueDate ? `due ${formatDate(s.dueDate)}` : "no date"}
                      {s.status === "blocked" ? " · blocked" : s.overdue ? " · overdue" : ""}
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="questions-heading">
          <h3 id="questions-heading">Open questions</h3>
          {record.openQuestions.length === 0 ? (
            <p className="muted small">No unresolved threads.</p>
          ) : (
            <ul className="handoff-questions">
              {record.openQuestions.map((q) => (
                <li key={q.threadId}>
                  <Link to={`/rooms/${room.id}/threads/${q.threadId}`}>{q.title}</Link>{" "}
                  {q.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}
                  <p className="muted small">
                    {q.messageCount} {q.messageCount === 1 ? "message" : "messages"} · last {formatDate(q.lastMessageAt ?? q.createdAt)}
                  </p>
                  {q.lastMessage ? <p className="handoff-excerpt">{q.lastMessage.author?.name ?? "Someone"}: {q.lastMessage.excerpt}</p> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section className="card table-card" aria-labelledby="files-heading">
        <h3 id="files-heading" className="handoff-table-title">Files</h3>
        {record.files.length === 0 ? (
          <p className="muted small handoff-table-empty">No files.</p>
        ) : (
          <table className="room-table handoff-table">
            <thead>
              <tr><th>Name</th><th>Version</th><th>Size</th><th>Uploaded</th></tr>
            </thead>
            <tbody>
              {record.files.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Link to={`/rooms/${room.id}/files/${f.id}`}>{f.name}</Link>{" "}
                    {f.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}
                  </td>
                  <td>v{f.version}</td>
                  <td>{formatBytes(f.size)}</td>
                  <td>{formatDate(f.createdAt)}{f.uploadedBy ? ` · ${f.uploadedBy.name}` : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {record.stakeholders || record.qualification ? (
        <div className="handoff-grid">
          {record.stakeholders ? <Stakeholders items={record.stakeholders} /> : null}
          {record.qualification ? <QualificationCard qualification={record.qualification} /> : null}
        </div>
      ) : null}
    </div>
  );
}

function SummaryCard({ record }: { record: HandoffRecord }) {
  const { summary } = record;
  return (
    <section className="card handoff-summary" aria-labelledby="summary-heading" data-testid="handoff-summary">
      <h3 id="summary-heading">Summary</h3>
      <h4>Hand-off form</h4>
      {summary.form ? (
        <div className="handoff-form" data-testid="handoff-summary-form">
          <p className="handoff-form-title">
            Filled leaving {summary.form.stage} on {formatDate(summary.form.filledAt)}{summary.form.filledBy ? ` by ${summary.form.filledBy.name}` : ""}{" "}
            {summary.form.visibility === "internal" ? <span className="badge badge-internal"><LockIcon size={11} /> Internal</span> : null}
          </p>
          <dl>
            {summary.form.fields.map((f) => (
              <div key={f.key}><dt>{f.label}</dt><dd>{f.value || "—"}</dd></div>
            ))}
          </dl>
        </div>
      ) : (
        <p className="muted small">No hand-off form was filled.</p>
      )}
      <div className="handoff-grid">
        <div>
          <h4>Key dates</h4>
          <ul className="handoff-checklist">
            {summary.keyDates.map((d) => <li key={`${d.label}-${d.date}`}><span className="handoff-step"><span>{d.label}</span><span className="muted small">{formatDate(d.date)}</span></span></li>)}
          </ul>
        </div>
        <div>
          <h4>People to contact</h4>
          <ul className="handoff-people-list">
            {summary.contacts.map((c) => (
              <li key={c.userId}>
                <span className="handoff-person">
                  <span>{c.name} <span className="muted small">· {c.side === "internal" ? "seller" : "buyer"}, {c.role}</span></span>
                  {c.email ? <a className="small" href={`mailto:${c.email}`}>{c.email}</a> : null}
                </span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      <div className="handoff-grid">
        <div>
          <h4>Open risks</h4>
          {summary.risks.length === 0 ? <p className="muted small">None recorded.</p> : (
            <ul className="handoff-questions">
              {summary.risks.map((r, i) => <li key={i}><strong>{r.title}</strong> <span className="muted small">— {r.detail}</span></li>)}
            </ul>
          )}
        </div>
        <div>
          <h4>Open questions</h4>
          {summary.openQuestions.length === 0 ? <p className="muted small">None.</p> : (
            <ul className="handoff-questions">
              {summary.openQuestions.map((q) => <li key={q.threadId}><Link to={`/rooms/${record.room.id}/threads/${q.threadId}`}>{q.title}</Link></li>)}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

function PeopleList({ title, people }: { title: string; people: HandoffRecord["people"]["internal"] }) {
  return (
    <div>
      <p className="handoff-people-title">{title}</p>
      {people.length === 0 ? (
        <p className="muted small">Nobody yet.</p>
      ) : (
        <ul className="handoff-people-list">
          {people.map((p) => (
            <li key={p.userId}>
              <Avatar person={{ userId: p.userId, name: p.name, side: p.side }} size="sm" />
              <span className="handoff-person">
                <span>{p.name}</span>
                {p.email ? <span className="muted small">{p.email}</span> : null}
              </span>
              <RoleBadge role={p.role} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function PageSection({ page, roomId, handedOff }: { page: RecordPage; roomId: string; handedOff: boolean }) {
  const v = page.handoffVersion;
  const html = v ? v.html : page.currentHtml;
  return (
    <article className="card handoff-page" data-testid="handoff-page" data-page-id={page.id}>
      <header className="handoff-page-header">
        <h4 id={`page-${page.id}`}>
          <DocIcon size={15} /> <Link to={`/rooms/${roomId}/pages/${page.id}`}>{page.title}</Link> <VisibilityBadge visibility={page.visibility} />
        </h4>
        <p className="muted small">
          {v
            ? `Hand-off version ${v.number} · ${formatDate(v.createdAt)}${v.authors.length ? ` · ${v.authors.map((a) => a.name).join(", ")}` : ""}`
            : page.addedSinceHandoff
              ? "Added after the hand-off"
              : "Current content"}
          {handedOff && v && !page.changedSinceHandoff ? <span className="handoff-unchanged"> · unchanged since</span> : null}
          {page.changedSinceHandoff && v ? <span className="handoff-changed-flag"> · changed since hand-off</span> : null}
          {v ? <> · <Link to={`/rooms/${roomId}/pages/${page.id}/history?v=${v.number}`}>history</Link></> : null}
        </p>
      </header>
      {page.summary ? <p className="handoff-page-summary" data-testid="handoff-page-summary">{page.summary}</p> : null}
      {page.addedSinceHandoff ? null : html.trim() ? (
        <details className="handoff-page-full" data-testid="handoff-page-full">
          <summary>{v ? "The page at the hand-off" : "The whole page"}</summary>
          {/* Rendered on the server from the version's document with the page schema (text escaped, links filtered). */}
          {/* A scroll box of its own (tall pages): focusable, so it scrolls from the keyboard too. */}
          {/* The page's own headings sit below its <h4> title here (shared/headings.ts), so the outline does not skip levels. */}
          <div className="wiki-prose handoff-page-content" tabIndex={0} role="region" aria-label={`Content of ${page.title}`} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: nestHeadings(html, 4) }} />
        </details>
      ) : (
        <p className="muted small">This page was empty.</p>
      )}
      {page.diff ? (
        <section className="handoff-diff" aria-label={`What changed since hand-off in ${page.title}`} data-testid="handoff-diff">
          <h5>What changed since hand-off</h5>
          <VersionDiff blocks={page.diff.blocks} fromLabel={page.diff.from ? `the hand-off version ${page.diff.from}` : "an empty page"} toLabel="now" />
        </section>
      ) : null}
    </article>
  );
}

const STANCE_CLASS: Record<string, string> = { supporter: "good", neutral: "", skeptic: "warn", opponent: "bad", unknown: "" };

function Stakeholders({ items }: { items: NonNullable<HandoffRecord["stakeholders"]> }) {
  return (
    <section className="card handoff-internal" aria-labelledby="stakeholders-heading">
      <h3 id="stakeholders-heading"><LockIcon size={13} /> Stakeholder map</h3>
      {items.length === 0 ? (
        <p className="muted small">No stakeholders mapped.</p>
      ) : (
        <ul className="handoff-stakeholders">
          {items.map((s) => (
            <li key={s.id}>
              <span className="handoff-person">
                <strong>{s.name}</strong>
                <span className="muted small">{[s.title, s.decisionRole.replace(/_/g, " ")].filter(Boolean).join(" · ")}</span>
              </span>
              <span className="handoff-tags">
                <span className="badge">{s.influence} influence</span>
                <span className={`badge handoff-stance ${STANCE_CLASS[s.stance] ?? ""}`}>{s.stance}</span>
              </span>
              {s.notes.trim() ? <p className="small handoff-note">{s.notes}</p> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function QualificationCard({ qualification }: { qualification: NonNullable<HandoffRecord["qualification"]> }) {
  return (
    <section className="card handoff-internal" aria-labelledby="qualification-heading">
      <h3 id="qualification-heading"><LockIcon size={13} /> Qualification · {qualification.qualified} of {qualification.total}</h3>
      <ul className="handoff-qualification">
        {qualification.items.map((q) => (
          <li key={q.item}>
            <span className={`handoff-answer ${q.status}`}>{q.status === "yes" ? "Yes" : q.status === "no" ? "No" : "?"}</span>
            <span>
              {q.label}
              {q.requiredBy ? <span className="muted small"> · by {formatDate(q.requiredBy)}</span> : null}
              {q.note ? <span className="muted small"> — {q.note}</span> : null}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
