import { Form, Link, redirect, useNavigation, useSearchParams } from "react-router";
import type { Route } from "./+types/signup";
import { FormAlert, SubmitButton, TextField } from "../components/form.tsx";
import { attempt, echo, formFields } from "../lib/actions.server.ts";
import { safeRedirect } from "../lib/redirect.ts";
import { redirectWithSession, requestMeta } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Create your workspace · Dealroom" }];

const FIELDS = ["email", "password", "name", "organization"] as const;

export function loader({ request, context }: Route.LoaderArgs) {
  if (context.auth.actor) throw redirect(safeRedirect(new URL(request.url).searchParams.get("redirectTo")));
  return null;
}

export async function action({ request, context }: Route.ActionArgs) {
  const { services } = context.app;
  const fields = await formFields(request);
  return attempt(
    async () => {
      const result = await services.accounts.signup(context.app, fields, "cookie", requestMeta(request, context));
      return redirectWithSession(safeRedirect(fields.redirectTo), result, request, context);
    },
    { values: echo(fields) },
  );
}

export default function Signup({ actionData }: Route.ComponentProps) {
  const [params] = useSearchParams();
  const redirectTo = params.get("redirectTo") ?? "";
  const busy = useNavigation().state === "submitting";
  const error = actionData?.error;
  const values = actionData?.values ?? {};
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <h1>Create your workspace</h1>
        <p className="muted">Your organization gets its own deal rooms. You will be its administrator.</p>
        <Form method="post" className="stack" noValidate>
          <FormAlert error={error} fields={FIELDS} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <TextField label="Your name" name="name" autoComplete="name" required defaultValue={values.name} error={error} />
          <TextField label="Work e-mail" name="email" type="email" autoComplete="email" required defaultValue={values.email} error={error} />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            hint="At least 8 characters."
            error={error}
          />
          <TextField
            label="Organization"
            name="organization"
            autoComplete="organization"
            required
            placeholder="Northwind Software"
            defaultValue={values.organization}
            error={error}
          />
          <SubmitButton className="button primary block" pending={busy} pendingText="Creating workspace…">
            Create workspace
          </SubmitButton>
        </Form>
        <p className="auth-switch">
          Already have an account?{" "}
          <Link to={redirectTo ? `/login?${new URLSearchParams({ redirectTo })}` : "/login"}>Sign in</Link>
        </p>
      </div>
    </main>
  );
}
