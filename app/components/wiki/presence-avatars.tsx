import type { PresentUser } from "../../editor/presence.ts";
import { initials } from "../../lib/format.ts";

const SHOWN = 5;

/** Who is on this page right now. */
export function PresenceAvatars({ users }: { users: PresentUser[] }) {
  if (users.length === 0) return null;
  const shown = users.slice(0, SHOWN);
  const hidden = users.slice(SHOWN);
  const names = users.map((u) => (u.isMe ? `${u.name} (you)` : u.name));
  return (
    <div className="wiki-presence" aria-label={`On this page now: ${names.join(", ")}`} data-testid="presence">
      {shown.map((u) => (
        <span
          key={u.key}
          className="avatar avatar-sm wiki-avatar"
          style={{ backgroundColor: u.color }}
          title={u.isMe ? `${u.name} (you)` : u.name}
          data-name={u.name}
        >
          {initials(u.name)}
        </span>
      ))}
      {hidden.length > 0 && (
        <span className="avatar avatar-sm avatar-more wiki-avatar" title={hidden.map((u) => u.name).join(", ")}>
          +{hidden.length}
        </span>
      )}
    </div>
  );
}
