/** Whether live updates are arriving: "Live", or "Connecting…" until the server let the socket in. */
export function LiveStatus({ live }: { live: boolean }) {
  return (
    <span className={`live-status${live ? " is-live" : ""}`} data-live={live} title={live ? "Updates appear as they happen" : "Connecting for live updates"}>
      <span className="live-dot" aria-hidden="true" />
      {live ? "Live" : "Connecting…"}
    </span>
  );
}
