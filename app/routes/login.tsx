import { Form, Link, redirect, useNavigation, useSearchParams } from "react-router";
import type { Route } from "./+types/login";
import { FormAlert, SubmitButton, TextField } from "../components/form.tsx";
import { attempt, echo, formFields } from "../lib/actions.server.ts";
import { safeRedirect } from "../lib/redirect.ts";
import { redirectWithSession, requestMeta } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Sign in · Dealroom" }];

const FIELDS = ["email", "password"] as const;

export function loader({ request, context }: Route.LoaderArgs) {
  if (context.auth.actor) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const fields = await formFields(request);
  if (fields.intent === "link") {
    return attempt(
      async () => {
        await services.signInLinks.requestSignInLink(context.app, { email: fields.email }, requestMeta(request, context));
        return { ok: true as const, intent: "link", linkSentTo: fields.email ?? "", error: null, values: echo(fields) };
      },
      { intent: "link", values: echo(fields) },
    );
  }
  // The service never says which of e-mail or password was wrong, and rate-limits attempts.
  return attempt(
    async () => {
      const result = await services.accounts.login(context.app, { email: fields.email, password: fields.password }, "cookie", requestMeta(request, context));
      return redirectWithSession(safeRedirect(fields.redirectTo), result, request, context);
    },
    { values: echo(fields) },
  );
}

export default function Login({ actionData }: Route.ComponentProps) {
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const busy = useNavigation().state === "submitting";
  const passwordError = actionData?.intent === "link" ? null : actionData?.error;
  const linkError = actionData?.intent === "link" ? actionData.error : null;
  const linkSentTo = actionData && "linkSentTo" in actionData ? actionData.linkSentTo : null;
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <h1>Sign in</h1>
        <p className="muted">Welcome back. Your deal rooms are waiting.</p>
        <Form method="post" className="stack" noValidate>
          <FormAlert error={passwordError} fields={FIELDS} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField
            label="E-mail"
            name="email"
            type="email"
            autoComplete="username"
            required
            defaultValue={actionData?.values.email}
            error={passwordError}
          />
          <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={passwordError} />
          <SubmitButton className="button primary block" pending={busy} pendingText="Signing in…">
            Sign in
          </SubmitButton>
        </Form>
        <details className="sign-in-link" open={Boolean(linkError || linkSentTo)}>
          <summary>No password? E-mail me a sign-in link</summary>
          {linkSentTo ? (
            <p className="notice" role="status">
              If {linkSentTo} has a Dealroom account, a sign-in link is on its way. It works once, for 15 minutes.
            </p>
          ) : (
            <Form method="post" className="stack" noValidate>
              <FormAlert error={linkError} fields={["email"]} />
              <input type="hidden" name="intent" value="link" />
              <TextField label="E-mail for the link" name="email" type="email" autoComplete="email" required error={linkError} />
              <SubmitButton className="button block" pending={busy} pendingText="Sending…">
                E-mail me a link
              </SubmitButton>
            </Form>
          )}
        </details>
        <p className="auth-switch">
          New to Dealroom?{" "}
          <Link to={redirectTo ? `/signup?${new URLSearchParams({ redirectTo })}` : "/signup"}>Create your workspace</Link>
        </p>
      </div>
    </main>
  );
}
