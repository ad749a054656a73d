import { Form, Link } from "react-router";
import type { Route } from "./+types/rooms.$roomId.audit";
import { actorless, AUDIT_GROUPS, auditWords } from "../components/audit-text.ts";
import { FormAlert } from "../components/form.tsx";
import { LockIcon } from "../components/icons.tsx";
import { LocalTime } from "../components/local-time.tsx";
import { Avatar } from "../components/people.tsx";
import { activityLink } from "../components/threads/activity-text.ts";
import { isAppError, orErrorPage } from "../lib/actions.server.ts";
import { useRoomData } from "../lib/room-data.ts";
import { actorContext } from "../lib/session.server.ts";
import adminStyles from "../styles/admin.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];

const FILTERS = ["type", "actorId", "from", "to"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
/** The trail shows this many entries; the CSV export takes up to the service's maximum. */
const SHOWN = 200;
const EXPORTED = 5000;

/** The filters asked for in the address; blank fields mean "any". */
function readFilters(params: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of FILTERS) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/**
 * The room's audit trail, for its owner and the organization's admins (the service decides:
 * anyone else gets its 403, or 404 for a room they may not see).
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const filters = readFilters(new URL(request.url).searchParams);
  return orErrorPage(async () => {
    try {
      return { filters, entries: await services.audit.listAudit(ctx, params.roomId, { ...filters, limit: SHOWN }), error: null };
    } catch (error) {
      // A filter the service cannot read (a hand-edited address): say so above the form. The
      // service checks access before it reads the filters, so a refusal never ends up here.
      if (isAppError(error) && error.status === 400) {
        return { filters, entries: [], error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
      }
      throw error;
    }
  });
}

export const meta: Route.MetaFunction = () => [{ title: "Audit trail · Dealroom" }];

function ActorlessName({ name, detail }: { name: string; detail?: string }) {
  return (
    <span>
      {name}
      {detail ? <span className="audit-detail">{detail}</span> : null}
    </span>
  );
}

export default function RoomAudit({ loaderData }: Route.ComponentProps) {
  const { filters, entries, error } = loaderData;
  const { room, participants } = useRoomData();
  const people = new Map(participants.map((p) => [p.userId, p]));
  const nameOf = (userId: string) => people.get(userId)?.name;
  const exportQuery = new URLSearchParams({ format: "csv", limit: String(EXPORTED), ...filters });
  const filtered = FILTERS.some((name) => filters[name]);

  return (
    <section className="card audit" aria-labelledby="audit-title">
      <div className="card-header">
        <div>
          <h2 id="audit-title">Audit trail</h2>
          <p className="muted small">
            Who was let in and refused, what was shared or downloaded, and from where. Only the owner and your organization's admins see this.
          </p>
        </div>
        <a className="button secondary small" href={`/api/v1/rooms/${room.id}/audit?${exportQuery}`} download>
          Export CSV
        </a>
      </div>

      <Form method="get" className="audit-filters" aria-label="Filter the audit trail">
        <div className="field">
          <label htmlFor="audit-type">What</label>
          <select id="audit-type" name="type" defaultValue={filters.type ?? ""}>
            {AUDIT_GROUPS.map((g) => (
              <option key={g.value} value={g.value}>
                {g.label}
              </option>
            ))}
            {filters.type && !AUDIT_GROUPS.some((g) => g.value === filters.type) ? <option value={filters.type}>{filters.type}</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-person">Person</label>
          <select id="audit-person" name="actorId" defaultValue={filters.actorId ?? ""}>
            <option value="">Anyone</option>
            {participants.map((p) => (
              <option key={p.userId} value={p.userId}>
                {p.name}
                {p.side === "external" ? " (guest)" : ""}
              </option>
            ))}
            {filters.actorId && !people.has(filters.actorId) ? <option value={filters.actorId}>Someone no longer in the room</option> : null}
          </select>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" name="from" defaultValue={filters.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" name="to" defaultValue={filters.to ?? ""} />
        </div>
        <div className="audit-filter-actions">
          <button type="submit" className="button primary small">
            Filter
          </button>
          {filtered ? (
            <Link to={`/rooms/${room.id}/audit`} className="button ghost small">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>

      {error ? <FormAlert error={error} /> : null}

      {entries.length === 0 ? (
        <p className="empty audit-empty">{filtered ? "Nothing matches these filters." : "Nothing has been recorded in this room yet."}</p>
      ) : (
        <div className="audit-table-wrap">
          <table className="room-table audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">From where</th>
                <th scope="col">Visibility</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const words = auditWords(entry, nameOf);
                const person = entry.actor ? (people.get(entry.actor.id) ?? { userId: entry.actor.id, name: entry.actor.name }) : null;
                const to = entry.type === "access.denied" ? null : activityLink(room.id, entry);
                return (
                  <tr key={entry.id} data-audit-type={entry.type}>
                    <td className="audit-when">
                      <LocalTime iso={entry.at} />
                    </td>
                    <td>
                      <span className="audit-who">
                        {person ? <Avatar person={person} size="sm" /> : <span className="avatar avatar-sm avatar-nobody" aria-hidden="true" />}
                        {person ? <span>{person.name}</span> : <ActorlessName {...actorless(entry, nameOf)} />}
                      </span>
                    </td>
                    <td>
                      <span className="audit-what">
                        {to ? <Link to={to}>{words.summary}</Link> : words.summary}
                        {words.outcome ? <span className="badge badge-refused">{words.outcome}</span> : null}
                      </span>
                      {words.detail ? <span className="audit-detail">{words.detail}</span> : null}
                    </td>
                    <td className="audit-ip">{entry.ip ? entry.ip.replace(/^::ffff:/, "") : "—"}</td>
                    <td>
                      {entry.visibility === "internal" ? (
                        <span className="badge badge-internal">
                          <LockIcon size={11} /> Internal
                        </span>
                      ) : (
                        <span className="badge badge-shared">Shared</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {entries.length === SHOWN ? (
        <p className="muted small audit-more">The latest {SHOWN} entries are shown. Narrow the filters, or export the CSV for up to {EXPORTED}.</p>
      ) : null}
    </section>
  );
}
