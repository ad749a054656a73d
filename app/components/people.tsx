import { avatarColour, initials, roleLabel } from "../lib/format.ts";
import { GuestIcon, LockIcon } from "./icons.tsx";

export interface Person {
  userId: string;
  name: string;
  side?: "internal" | "external";
}

/** Initials on a colour that belongs to the person; guests get a dashed ring so sides stay apparent. */
export function Avatar({ person, size = "md" }: { person: Person; size?: "sm" | "md" | "lg" }) {
  const guest = person.side === "external";
  return (
    <span
      className={`avatar avatar-${size}${guest ? " avatar-guest" : ""}`}
      style={{ backgroundColor: avatarColour(person.userId) }}
      title={person.side ? `${person.name} · ${guest ? "Guest" : "Internal"}` : person.name}
      aria-hidden="true"
    >
      {initials(person.name)}
    </span>
  );
}

/** Overlapping avatars with a "+N" when there are more than fit. */
export function AvatarStack({ people, max = 5, label }: { people: Person[]; max?: number; label: string }) {
  const shown = people.slice(0, max);
  const rest = people.length - shown.length;
  return (
    <div className="avatar-stack" role="img" aria-label={`${label}: ${people.map((p) => p.name).join(", ")}`}>
      {shown.map((p) => (
        <Avatar key={p.userId} person={p} size="sm" />
      ))}
      {rest > 0 ? <span className="avatar avatar-sm avatar-more">+{rest}</span> : null}
    </div>
  );
}

/** "Internal" (the seller's team, with a lock) or "Guest" (the buyer's side). */
export function SideBadge({ side }: { side: "internal" | "external" }) {
  return side === "internal" ? (
    <span className="badge badge-internal">
      <LockIcon size={12} /> Internal
    </span>
  ) : (
    <span className="badge badge-guest">
      <GuestIcon size={12} /> Guest
    </span>
  );
}

export function RoleBadge({ role }: { role: string }) {
  return <span className={`badge badge-role${role === "owner" ? " badge-owner" : ""}`}>{roleLabel(role)}</span>;
}
