import { Form, Link, data, redirect, useNavigation } from "react-router";
import type { Route } from "./+types/invite.$token";
import { FormAlert, SubmitButton, TextField } from "../components/form.tsx";
import { GuestIcon, LockIcon } from "../components/icons.tsx";
import { attempt, echo, formFields, isAppError } from "../lib/actions.server.ts";
import { roleLabel } from "../lib/format.ts";
import { loginUrl } from "../lib/redirect.ts";
import { redirectWithSession, requestMeta } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData?.preview ? `Join ${loaderData.preview.roomName} · Dealroom` : "Invitation · Dealroom" },
];

export async function loader({ context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const actor = context.auth.actor;
  const signedInAs = actor ? { name: actor.name, email: actor.email } : null;
  try {
    const preview = await services.invitations.previewInvitation(context.app, params.token);
    return { preview, signedInAs };
  } catch (error) {
    if (isAppError(error) && error.status === 404) return data({ preview: null, signedInAs }, { status: 404 });
    throw error;
  }
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const actor = context.auth.actor;
  const fields = await formFields(request);
  return attempt(
    async () => {
      const result = await services.invitations.acceptInvitation(
        context.app,
        params.token,
        actor ? { userId: actor.userId, email: actor.email } : null,
        actor ? {} : { name: fields.name, ...(fields.password ? { password: fields.password } : {}) },
        "cookie",
        requestMeta(request, context),
      );
      const room = `/rooms/${result.roomId}`;
      // A new account starts its cookie session here; a signed-in user keeps theirs.
      return result.token && result.session
        ? redirectWithSession(room, { token: result.token, session: result.session }, request, context)
        : redirect(room);
    },
    { values: echo(fields) },
  );
}

const CLOSED = {
  accepted: { title: "This invitation has been used", text: "Each invitation link works once. If it was you who accepted it, sign in to open the room." },
  revoked: { title: "This invitation was withdrawn", text: "The room owner revoked it. Ask them for a new invitation if you still need access." },
  expired: { title: "This invitation has expired", text: "Invitations are valid for seven days. Ask the room owner to send you a new one." },
} as const;

export default function Invite({ loaderData, actionData, params }: Route.ComponentProps) {
  const { preview, signedInAs } = loaderData;
  const busy = useNavigation().state === "submitting";
  const error = actionData?.error;

  if (!preview) {
    return (
      <InviteFrame>
        <h1>This invitation link is not valid</h1>
        <p className="muted">Check that you opened the whole link from your invitation, or ask the person who invited you to send a new one.</p>
        <Link to="/" className="button secondary">
          Go to Dealroom
        </Link>
      </InviteFrame>
    );
  }

  if (preview.status !== "pending") {
    const closed = CLOSED[preview.status];
    return (
      <InviteFrame>
        <h1>{closed.title}</h1>
        <p className="muted">{closed.text}</p>
        <Link to={signedInAs ? "/rooms" : "/login"} className="button secondary">
          {signedInAs ? "Go to your rooms" : "Sign in"}
        </Link>
      </InviteFrame>
    );
  }

  const here = `/invite/${params.token}`;
  return (
    <InviteFrame>
      <p className="eyebrow">Invitation</p>
      <h1>Join {preview.roomName}</h1>
      <p className="lead-small">
        <strong>{preview.inviterName}</strong> invited <strong>{preview.email}</strong> to the deal room for{" "}
        <strong>{preview.account}</strong>.
      </p>
      <div className="invite-access">
        {preview.side === "external" ? (
          <span className="badge badge-guest">
            <GuestIcon size={12} /> Guest
          </span>
        ) : (
          <span className="badge badge-internal">
            <LockIcon size={12} /> Internal
          </span>
        )}
        <span className="badge badge-role">{roleLabel(preview.role)}</span>
        <span className="muted small">
          {preview.side === "external"
            ? "You will see what the team shares with you."
            : "You will join the internal team and see everything in the room."}
        </span>
      </div>

      <FormAlert error={error} fields={signedInAs ? [] : ["name", "password"]} />

      {signedInAs ? (
        <Form method="post" className="stack">
          <p className="muted small">
            Signed in as {signedInAs.name} ({signedInAs.email}).
          </p>
          <SubmitButton className="button primary block" pending={busy} pendingText="Joining…">
            Accept and open room
          </SubmitButton>
        </Form>
      ) : preview.hasAccount ? (
        <div className="stack">
          <p className="muted">You already have a Dealroom account for {preview.email}. Sign in to accept.</p>
          <Link to={loginUrl(here)} className="button primary block">
            Sign in to accept
          </Link>
        </div>
      ) : (
        <Form method="post" className="stack" noValidate>
          <p className="muted small">Tell us your name and you are in. Next time, sign in with {preview.email}: a one-time link by e-mail, or a password if you set one.</p>
          <input type="email" name="email" value={preview.email} autoComplete="username" readOnly hidden />
          <TextField label="Your name" name="name" autoComplete="name" required defaultValue={actionData?.values.name} error={error} />
          <TextField
            label="Password (optional)"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            hint="At least 8 characters. Leave it empty to sign in with e-mailed links."
            error={error}
          />
          <SubmitButton className="button primary block" pending={busy} pendingText="Joining…">
            Accept and join room
          </SubmitButton>
        </Form>
      )}
    </InviteFrame>
  );
}

function InviteFrame({ children }: { children: React.ReactNode }) {
  return (
    <main className="auth-page">
      <div className="card auth-card invite-card">{children}</div>
    </main>
  );
}
