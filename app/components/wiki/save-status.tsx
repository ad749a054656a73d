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

const changes = (n: number) => (n === 1 ? "1 change" : `${n} changes`);

/**
 * The pill next to the title: whether my edits are safely in the database. "Saved" only once the
 * server has acknowledged storing them (collab/protocol.ts, MESSAGE_SAVED); offline, how many of
 * my changes wait, and whether this device keeps them when the tab is closed.
 */
export function SaveStatus({ status, editable, unsaved }: { status: ConnectionStatus; editable: boolean; unsaved?: { count: number; kept: boolean } | undefined }) {
  const waiting = editable && status === "offline" && unsaved && unsaved.count > 0 ? unsaved : null;
  const label = waiting
    ? `Offline — ${changes(waiting.count)} kept ${waiting.kept ? "on this device" : "until reconnected"}`
    : (editable ? EDITOR_LABELS : READER_LABELS)[status];
  return (
    <span className={`wiki-status wiki-status-${status}`} role="status" aria-live="polite" data-testid="save-status" data-status={status}>
      <span className="wiki-status-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
