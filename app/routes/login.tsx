import { Form, Link, redirect, useNavigation, useSearchParams } from "react-router";
import type { Route } from "./+types/login";
import { FormAlert, SubmitButton, TextField } from "../components/form.tsx";
import { attempt, echo, formFields } from "../lib/actions.server.ts";
import { safeRedirect } from "../lib/redirect.ts";
import { redirectWithSession, requestMeta } from "../lib/session.server.ts";
import { login } from "../../server/services/accounts.ts";

export const meta: Route.MetaFunction = () => [{ title: "Sign in · Dealroom" }];

const FIELDS = ["email", "password"] as const;

export function loader({ request, context }: Route.LoaderArgs) {
  if (context.auth.actor) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: Route.ActionArgs) {
  const fields = await formFields(request);
  // The service never says which of e-mail or password was wrong, and rate-limits attempts.
  return attempt(
    async () => {
      const result = await login(context.app, { email: fields.email, password: fields.password }, "cookie", requestMeta(request, context));
      return redirectWithSession(safeRedirect(fields.redirectTo), result, request, context);
    },
    { values: echo(fields) },
  );
}

export default function Login({ actionData }: Route.ComponentProps) {
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const busy = useNavigation().state === "submitting";
  const error = actionData?.error;
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <h1>Sign in</h1>
        <p className="muted">Welcome back. Your deal rooms are waiting.</p>
        <Form method="post" className="stack" noValidate>
          <FormAlert error={error} fields={FIELDS} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField
            label="E-mail"
            name="email"
            type="email"
            autoComplete="username"
            required
            defaultValue={actionData?.values.email}
            error={error}
          />
          <TextField label="Password" name="password" type="password" autoComplete="current-password" required error={error} />
          <SubmitButton className="button primary block" pending={busy} pendingText="Signing in…">
            Sign in
          </SubmitButton>
        </Form>
        <p className="auth-switch">
          New to Dealroom?{" "}
          <Link to={redirectTo ? `/signup?${new URLSearchParams({ redirectTo })}` : "/signup"}>Create your workspace</Link>
        </p>
      </div>
    </main>
  );
}
