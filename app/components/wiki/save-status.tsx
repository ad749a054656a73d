import type { CollabStatus } from "../../../collab/client.ts";

export type ConnectionStatus = CollabStatus;

const EDITOR_LABELS: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  saving: "Saving…",
  saved: "Saved",
  offline: "Offline — changes kept, reconnecting",
};

const READER_LABELS: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  saving: "Live",
  saved: "Live",
  offline: "Offline — reconnecting",
};

/** The pill next to the title: whether my edits are safely in the database. */
export function SaveStatus({ status, editable }: { status: ConnectionStatus; editable: boolean }) {
  const label = (editable ? EDITOR_LABELS : READER_LABELS)[status];
  return (
    <span className={`wiki-status wiki-status-${status}`} role="status" aria-live="polite" data-testid="save-status" data-status={status}>
      <span className="wiki-status-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
