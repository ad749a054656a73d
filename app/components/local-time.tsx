import { useEffect, useState } from "react";
import { formatDateTime } from "./wiki/time.ts";

const localFormat = () => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/**
 * A moment in the reader's own time zone. The server does not know it, so the first render
 * (server HTML and hydration) shows UTC and the browser then switches to local time.
 */
export function LocalTime({ iso, className }: { iso: string; className?: string }) {
  const [local, setLocal] = useState<string | null>(null);
  useEffect(() => {
    const date = new Date(iso);
    if (!Number.isNaN(date.getTime())) setLocal(localFormat().format(date));
  }, [iso]);
  return (
    <time dateTime={iso} className={className} title={formatDateTime(iso)}>
      {local ?? formatDateTime(iso)}
    </time>
  );
}
