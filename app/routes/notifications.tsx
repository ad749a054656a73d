import { Form, Link, useFetcher } from "react-router";
import type { Route } from "./+types/notifications";
import { usePersonalEvents, useDebouncedRevalidate } from "../components/threads/live.ts";
import { formatDateTime } from "../components/wiki/time.ts";
import { attempt, formFields } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import threadStyles from "../styles/threads.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: threadStyles }];
export const meta: Route.MetaFunction = () => [{ title: "Notifications · Dealroom" }];

/** Mentions, replies and new content in the reader's rooms, each checked again against what they may see. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const [inbox, preferences] = [await services.inbox.listNotifications(ctx), await services.preferences.getPreferences(ctx)];
  return {
    items: inbox.items.map((n) => ({ ...n, text: services.inbox.describeNotification(n) })),
    unreadCount: inbox.unreadCount,
    preferences,
    levels: services.preferences.LEVELS,
  };
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", notificationId, roomId, level, digest } = await formFields(request);
  return attempt(async () => {
    switch (intent) {
      case "read":
        await services.inbox.markNotificationRead(ctx, notificationId);
        break;
      case "read-all":
        await services.inbox.markAllNotificationsRead(ctx);
        break;
      case "level":
        await services.preferences.setRoomLevel(ctx, roomId, { level });
        break;
      case "digest":
        await services.preferences.setDigest(ctx, { enabled: digest === "on" });
        break;
      default:
        return { ok: false as const, intent, error: { code: "invalid", message: "Unknown action." } };
    }
    return { ok: true as const, intent, error: null };
  }, intent);
}

const LEVEL_LABELS = { everything: "Everything", mentions: "Mentions only", nothing: "Nothing" } as const;

export default function Notifications({ loaderData, actionData }: Route.ComponentProps) {
  const { items, unreadCount, preferences, levels } = loaderData;
  const refresh = useDebouncedRevalidate();
  usePersonalEvents({ "notification.created": refresh, "notifications.changed": refresh });
  const failed = actionData && !actionData.ok ? actionData.error : null;

  return (
    <main className="page narrow-page notifications-page">
      <div className="page-header">
        <h1>Notifications</h1>
        {unreadCount > 0 ? (
          <Form method="post">
            <input type="hidden" name="intent" value="read-all" />
            <button type="submit" className="button secondary small">
              Mark all as read ({unreadCount})
            </button>
          </Form>
        ) : null}
      </div>
      {failed ? (
        <div className="alert alert-error" role="alert">
          {failed.message}
        </div>
      ) : null}

      <section className="card" aria-label="Your notifications">
        {items.length === 0 ? (
          <p className="muted">Nothing yet. Mentions, replies to your threads and new pages, files and threads in your rooms show up here.</p>
        ) : (
          <ol className="notification-list">
            {items.map((n) => (
              <li key={n.id} className={`notification${n.readAt ? "" : " is-unread"}`}>
                <div className="notification-text">
                  <Link to={n.url}>{n.text}</Link>
                  <span className="muted small">
                    {n.roomName} · {formatDateTime(n.createdAt)}
                  </span>
                  {n.excerpt ? <p className="notification-excerpt">{n.excerpt}</p> : null}
                </div>
                {n.readAt ? null : <ReadButton id={n.id} />}
              </li>
            ))}
          </ol>
        )}
      </section>

      <section className="card notification-settings" aria-labelledby="settings-title">
        <h2 id="settings-title">What to tell you</h2>
        <PreferenceForm className="digest-form" intent="digest" label="Daily digest">
          <label>
            <input type="checkbox" name="digest" defaultChecked={preferences.digest} onChange={(e) => e.currentTarget.form?.requestSubmit()} /> Send me a daily
            e-mail digest of what I have not read
          </label>
        </PreferenceForm>
        {preferences.rooms.length > 0 ? (
          <table className="room-levels">
            <caption className="visually-hidden">Notifications per room</caption>
            <thead>
              <tr>
                <th scope="col">Room</th>
                <th scope="col">Notify me about</th>
              </tr>
            </thead>
            <tbody>
              {preferences.rooms.map((room) => (
                <tr key={room.roomId}>
                  <th scope="row">
                    <Link to={`/rooms/${room.roomId}`}>{room.roomName}</Link>
                  </th>
                  <td>
                    <PreferenceForm className="inline-form" intent="level" label={`Notifications for ${room.roomName}`}>
                      <input type="hidden" name="roomId" value={room.roomId} />
                      <label className="visually-hidden" htmlFor={`level-${room.roomId}`}>
                        Notifications for {room.roomName}
                      </label>
                      <select id={`level-${room.roomId}`} name="level" defaultValue={room.level} onChange={(e) => e.currentTarget.form?.requestSubmit()}>
                        {levels.map((l) => (
                          <option key={l} value={l}>
                            {LEVEL_LABELS[l]}
                          </option>
                        ))}
                      </select>
                    </PreferenceForm>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}

/**
 * A preference saved as soon as it changes: through a fetcher with JavaScript (no navigation,
 * "Saved" once the server has it), with a Save button without it.
 */
function PreferenceForm({ intent, label, className, children }: { intent: "digest" | "level"; label: string; className: string; children: React.ReactNode }) {
  const fetcher = useFetcher<typeof action>();
  const result = fetcher.state === "idle" ? fetcher.data : undefined;
  return (
    <fetcher.Form method="post" className={className} aria-label={label}>
      <input type="hidden" name="intent" value={intent} />
      {children}
      <noscript>
        <button type="submit" className="button secondary small">
          Save
        </button>
      </noscript>
      <span className={`small ${result && !result.ok ? "field-error" : "muted"}`} role="status">
        {fetcher.state !== "idle" ? "Saving…" : result ? (result.ok ? "Saved" : result.error?.message) : null}
      </span>
    </fetcher.Form>
  );
}

function ReadButton({ id }: { id: string }) {
  const fetcher = useFetcher();
  return (
    <fetcher.Form method="post">
      <input type="hidden" name="intent" value="read" />
      <input type="hidden" name="notificationId" value={id} />
      <button type="submit" className="button ghost small" disabled={fetcher.state !== "idle"}>
        Mark read
      </button>
    </fetcher.Form>
  );
}
