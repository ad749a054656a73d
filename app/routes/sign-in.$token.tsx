import { Form, useNavigation } from "react-router";
import type { Route } from "./+types/sign-in.$token";
import { FormAlert, SubmitButton } from "../components/form.tsx";
import { attempt } from "../lib/actions.server.ts";
import { redirectWithSession, requestMeta } from "../lib/session.server.ts";

export const meta: Route.MetaFunction = () => [{ title: "Sign in · Dealroom" }];

// The link is consumed by a POST, not by opening it: mail scanners that prefetch links
// would otherwise use it up before the person clicks.
export async function action({ request, params, context }: Route.ActionArgs) {
  const { services } = context.app;
  return attempt(async () => {
    const result = await services.signInLinks.consumeSignInLink(context.app, params.token, "cookie", requestMeta(request, context));
    return redirectWithSession("/rooms", result, request, context);
  });
}

export default function SignInWithLink({ actionData }: Route.ComponentProps) {
  const busy = useNavigation().state === "submitting";
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <h1>Sign in to Dealroom</h1>
        <p className="muted">This link signs you in once. Continue to open your deal rooms.</p>
        <Form method="post" className="stack">
          <FormAlert error={actionData?.error} />
          <SubmitButton className="button primary block" pending={busy} pendingText="Signing in…">
            Continue
          </SubmitButton>
        </Form>
      </div>
    </main>
  );
}
