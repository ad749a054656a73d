import { Link } from "react-router";
import type { Route } from "./+types/outbox";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Outbox · Dealroom" }];

/**
 * Without SMTP, e-mail stays here. Credentials (sign-in links) are shown only in the reader's own
 * mail; in everyone else's they are replaced (docs/decisions/011-credentials-in-the-outbox.md).
 */
export async function loader({ request, context }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    // The policy picks the organization (the first whose outbox the user may read: org.readOutbox) and refuses the rest.
    const { organization } = await services.accounts.organizationFor(ctx, "org.readOutbox");
    return { organization, messages: await services.signInLinks.listOutbox(ctx, organization.id), smtp: Boolean(context.app.config.smtpUrl) };
  });
}

export default function Outbox({ loaderData }: Route.ComponentProps) {
  const { organization, messages, smtp } = loaderData;
  return (
    <main className="page">
      <p><Link to="/rooms">← Rooms</Link></p>
      <h1>Outbox</h1>
      <p className="muted">
        E-mail to the people of {organization.name} and its deal rooms.{" "}
        {smtp ? "Messages are sent over SMTP; unsent ones show their state." : "SMTP_URL is not set, so messages wait here."}{" "}
        Sign-in links are shown only to the person they were sent to.
      </p>
      {messages.length === 0 ? (
        <p className="empty">No e-mail yet.</p>
      ) : (
        <ul className="outbox stack">
          {messages.map((m) => (
            <li key={m.id} className="card">
              <p>
                <strong>{m.subject}</strong> — to {m.to}{" "}
                <span className="muted">· {new Date(m.createdAt).toUTCString()} · {m.sentAt ? "sent" : "not sent"}</span>
              </p>
              <pre className="mail-text">{m.text}</pre>
              {m.redacted ? <p className="muted">The link that signs {m.to} in is hidden: only they can see it.</p> : null}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
