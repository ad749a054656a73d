import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/root";
import { ErrorPage } from "./components/error-page.tsx";
import { TopBar } from "./components/top-bar.tsx";
import { useOfflineOwner } from "./offline/forget.ts";
import "./load-context";
import stylesheet from "./styles/app.css?url";

/** The title of a page that ends in the root error page (a refusal, a missing page); routes set their own otherwise. */
export const meta: Route.MetaFunction = ({ error }) => {
  if (!error) return [{ title: "Dealroom" }];
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const what = status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 401 ? "Sign in" : "Something went wrong";
  return [{ title: `${what} · Dealroom` }];
};

export const links: Route.LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

/**
 * Who is signed in, for the top bar on every page, and their organizations with the abilities
 * the access policy gives them there (org.*): the top bar shows actions from these.
 */
export async function loader({ context }: Route.LoaderArgs) {
  const actor = context.auth.actor;
  if (!actor) return { user: null, organizations: [] };
  const organizations = await context.app.services.accounts.organizationsWithAbilities(context.app.sql, actor.userId);
  return {
    user: { userId: actor.userId, name: actor.name, email: actor.email },
    organizations: organizations.map(({ id, name, abilities }) => ({ id, name, abilities })),
  };
}

export function Layout({ children }: { children: React.ReactNode }) {
  // Undefined when the root loader itself failed; the page then renders signed out.
  const root = useRouteLoaderData<typeof loader>("root");
  // Offline copies belong to whoever left them: another person (or nobody) signed in deletes them.
  useOfflineOwner(root ? (root.user?.userId ?? null) : undefined);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <TopBar user={root?.user ?? null} organizations={root?.organizations ?? []} />
        <div id="main">{children}</div>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <ErrorPage error={error} />;
}
