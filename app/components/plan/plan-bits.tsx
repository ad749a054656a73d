import { LockIcon } from "../icons.tsx";

// Small pieces shared by the Plan and Internal planning tabs.

/** The wiki's lock badge: this exists for the seller's team only. */
export function InternalBadge({ what = "step" }: { what?: string }) {
  return (
    <span className="badge badge-internal plan-badge" title={`Internal: only your team can see this ${what}`}>
      <LockIcon size={11} /> Internal
    </span>
  );
}

export interface PersonOption {
  id: string;
  name: string;
  side: "internal" | "external";
}

/** Owner choices labelled with their side; `internalOnly` for internal steps (a guest could not see them). */
export function OwnerOptions({ people, internalOnly = false }: { people: PersonOption[]; internalOnly?: boolean }) {
  const team = people.filter((p) => p.side === "internal");
  const guests = internalOnly ? [] : people.filter((p) => p.side === "external");
  return (
    <>
      <option value="">No owner yet</option>
      {team.length ? (
        <optgroup label="Seller team">
          {team.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} (Internal)
            </option>
          ))}
        </optgroup>
      ) : null}
      {guests.length ? (
        <optgroup label="Buyer team">
          {guests.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name} (Guest)
            </option>
          ))}
        </optgroup>
      ) : null}
    </>
  );
}

/** A thin bar showing how far along something is. */
export function ProgressBar({ done, total, label }: { done: number; total: number; label: string }) {
  const percent = total ? Math.round((done / total) * 100) : 0;
  return (
    <div className="plan-progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}
