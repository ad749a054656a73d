import type { Visibility } from "../../../server/access/policy.ts";
import { LockIcon } from "../icons.tsx";

/** "Internal" wears a lock: the buyer's side never sees these pages. Shared pages carry no badge in lists. */
export function VisibilityBadge({ visibility, showShared = false }: { visibility: Visibility; showShared?: boolean }) {
  if (visibility === "internal") {
    return (
      <span className="badge badge-internal wiki-badge" title="Internal: only your team can see this page">
        <LockIcon size={11} /> Internal
      </span>
    );
  }
  if (!showShared) return null;
  return (
    <span className="badge badge-shared wiki-badge" title="Shared: everyone in the room, including the buyer's team, can see this page">
      Shared with buyer
    </span>
  );
}
