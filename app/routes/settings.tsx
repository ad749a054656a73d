import { useEffect, useRef } from "react";
import { Form, NavLink, Outlet, useLocation } from "react-router";
import type { Route } from "./+types/settings";
import { ErrorPage } from "../components/error-page.tsx";
import { orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";
import { settingsOrganization } from "../lib/settings.server.ts";
import adminStyles from "../styles/admin.css?url";

export const links: Route.LinksFunction = () => [{ rel: "stylesheet", href: adminStyles }];
export const meta: Route.MetaFunction = ({ loaderData }) => [
  { title: loaderData ? `Settings · ${loaderData.organization.name} · Dealroom` : "Settings · Dealroom" },
];

/**
 * The settings tabs. One line per tab; `to` gets `?org=` added when the admin runs several
 * organizations. The outbox keeps its own address.
 */
export const SETTINGS_TABS: { to: string; label: string }[] = [
  { to: "/settings/members", label: "Members" },
  { to: "/settings/stages", label: "Sales cycle" },
  { to: "/settings/delivery-team", label: "Delivery team" },
  { to: "/settings/templates", label: "Room templates" },
  { to: "/settings/targets", label: "Targets" },
  { to: "/settings/forecast", label: "Forecast" },
  { to: "/settings/engagement", label: "Engagement" },
  { to: "/settings/webhooks", label: "Webhooks" },
  { to: "/outbox", label: "Outbox" },
];

/** Organization settings, for its admins. Each tab checks access in its own loader as well. */
export async function loader({ request, context }: Route.LoaderArgs) {
  const ctx = actorContext(request, context);
  const { organization, administered, explicit } = await orErrorPage(() => settingsOrganization(ctx, request));
  return { organization, administered, orgQuery: explicit || administered.length > 1 ? `?org=${organization.id}` : "" };
}

export default function Settings({ loaderData }: Route.ComponentProps) {
  const { organization, administered, orgQuery } = loaderData;
  const { pathname } = useLocation();
  const tabs = useRef<HTMLElement>(null);
  // On a phone the tabs scroll sideways (app.css): bring the active one into view, as the room's tabs do.
  useEffect(() => {
    const nav = tabs.current;
    const active = nav?.querySelector<HTMLElement>("a.active");
    if (!nav || !active) return;
    const box = nav.getBoundingClientRect();
    const tab = active.getBoundingClientRect();
    if (tab.left < box.left || tab.right > box.right) nav.scrollLeft += tab.left - box.left - 16;
  }, [pathname]);
  return (
    <main className="page settings-page">
      <header className="page-header">
        <div>
          <p className="room-account-label">Settings</p>
          <h1>{organization.name}</h1>
          <p className="muted">Your organization's people and how it works. Only its admins see these pages.</p>
        </div>
        {administered.length > 1 ? (
          <Form method="get" className="org-switch" aria-label="Choose an organization">
            <label htmlFor="settings-org">Organization</label>
            <select id="settings-org" name="org" defaultValue={organization.id}>
              {administered.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <button type="submit" className="button secondary small">
              Open
            </button>
          </Form>
        ) : null}
      </header>

      <nav className="tabs" aria-label="Settings sections" ref={tabs}>
        {SETTINGS_TABS.map((tab) => (
          <NavLink key={tab.to} to={`${tab.to}${orgQuery}`}>
            {tab.label}
          </NavLink>
        ))}
      </nav>

      <Outlet />
    </main>
  );
}

export function ErrorBoundary({ error }: Route.ErrorBoundaryProps) {
  return <ErrorPage error={error} />;
}
