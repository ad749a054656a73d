import { useRef } from "react";
import { Form, Link, NavLink, useSubmit } from "react-router";
import { forgetOfflineCopies } from "../offline/forget.ts";
import type { OrgAbilities } from "../../server/access/policy.ts";
import { Avatar } from "./people.tsx";
import { NotificationBell } from "./threads/notification-bell.tsx";

export interface SignedInUser {
  userId: string;
  name: string;
  email: string;
}

/**
 * Signing out first deletes what this browser keeps of the person's pages for offline use
 * (their documents and the cached page HTML; docs/access.md, "Offline copies"), then posts.
 * Without JavaScript the form posts as it is: nothing was kept then.
 */
function SignOutForm({ userId }: { userId: string }) {
  const submit = useSubmit();
  const forgotten = useRef(false);
  return (
    <Form
      method="post"
      action="/logout"
      onSubmit={(event) => {
        if (forgotten.current) return;
        event.preventDefault();
        const form = event.currentTarget;
        // A browser that does not answer within 3 s does not keep anyone from signing out.
        const timeout = new Promise((resolve) => setTimeout(resolve, 3000));
        void Promise.race([forgetOfflineCopies(userId).catch(() => undefined), timeout]).then(() => {
          forgotten.current = true;
          void submit(form);
        });
      }}
    >
      <button type="submit" className="button ghost small">
        Sign out
      </button>
    </Form>
  );
}

export function Logo() {
  return (
    <Link to="/" className="logo" aria-label="Dealroom home">
      <svg width="26" height="26" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="8" fill="var(--accent)" />
        <path d="M9 9h7.5a7 7 0 0 1 0 14H9z" fill="none" stroke="#fff" strokeWidth="3" />
      </svg>
      <span>Dealroom</span>
    </Link>
  );
}

/** One of the signed-in user's organizations, with what the access policy lets them do in it. */
export interface UserOrganization {
  id: string;
  name: string;
  abilities: OrgAbilities;
}

/** Product name, the main navigation (Settings where the user may change settings), and who is signed in (with sign out). */
export function TopBar({ user, organizations = [] }: { user: SignedInUser | null; organizations?: UserOrganization[] }) {
  const settings = organizations.some((o) => o.abilities["org.manageSettings"]);
  const pipeline = organizations.some((o) => o.abilities["org.readPipeline"]);
  return (
    <header className="top-bar">
      <div className="top-bar-inner">
        <Logo />
        {user ? (
          <nav className="top-nav" aria-label="Main">
            <NavLink to="/rooms" end={false}>
              Rooms
            </NavLink>
            {/* Decided by the access policy (org.readPipeline, org.manageSettings, serialized by the root loader). */}
            {pipeline ? <NavLink to="/pipeline">Pipeline</NavLink> : null}
            {settings ? <NavLink to="/settings">Settings</NavLink> : null}
          </nav>
        ) : null}
        <div className="top-bar-end">
          {user ? (
            <>
              <NotificationBell />
              <span className="user-chip">
                <Avatar person={user} size="sm" />
                <span className="user-chip-text">
                  <span className="user-name">{user.name}</span>
                  <span className="user-email">{user.email}</span>
                </span>
              </span>
              <SignOutForm userId={user.userId} />
            </>
          ) : (
            <>
              <Link to="/login" className="button ghost small">
                Sign in
              </Link>
              <Link to="/signup" className="button primary small">
                Create your workspace
              </Link>
            </>
          )}
        </div>
      </div>
    </header>
  );
}
