import { Link } from "react-router";
import type { Route } from "./+types/outbox";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { organizationFor } from "../../server/services/accounts.ts";
import { listOutbox } from "../../server/services/sign-in-links.ts";

export const meta: Route.MetaFunction = () => [{ title: "Outbox · Dealroom" }];

/** Without SMTP, e-mail stays here: an admin can pass an invitation or sign-in link on by hand. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    // The policy picks the organization (the first whose outbox the user may read: org.readOutbox) and refuses the rest.
    const { organization } = await organizationFor(ctx, "org.readOutbox");
    return { organization, messages: await listOutbox(ctx, organization.id), smtp: Boolean(context.app.config.smtpUrl) };
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
        {smtp ? "Messages are sent over SMTP; unsent ones show their state." : "SMTP_URL is not set, so messages wait here (and in the server log)."}
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
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
