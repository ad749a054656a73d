import { useEffect, useState } from "react";
import type { Awareness } from "y-protocols/awareness";
import { avatarColour } from "../lib/format.ts";

/** One person on the page now, however many tabs they have open. */
export interface PresentUser {
  key: string;
  id: string | null;
  name: string;
  color: string;
  isMe: boolean;
}

interface AwarenessUser {
  id?: unknown;
  name?: unknown;
}

/**
 * People on the page from the awareness states. The collab server stamps id and name from
 * the session, so what is shown here is who is really connected, not what a client claims.
 */
export function presentUsers(awareness: Awareness): PresentUser[] {
  const byKey = new Map<string, PresentUser>();
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: AwarenessUser } | null)?.user;
    if (!user || typeof user.name !== "string") continue;
    const id = typeof user.id === "string" ? user.id : null;
    const key = id ?? `client-${clientId}`;
    const isMe = clientId === awareness.clientID;
    const existing = byKey.get(key);
    if (existing) {
      existing.isMe ||= isMe;
      continue;
    }
    // Colour from the id, as for avatars and carets everywhere else.
    byKey.set(key, { key, id, name: user.name, color: id ? avatarColour(id) : "#6e7685", isMe });
  }
  // Me first, then everyone else by name: a stable order that does not jump as people type.
  return [...byKey.values()].sort((a, b) => Number(b.isMe) - Number(a.isMe) || a.name.localeCompare(b.name));
}

export function usePresence(awareness: Awareness | null): PresentUser[] {
  const [users, setUsers] = useState<PresentUser[]>([]);
  useEffect(() => {
    if (!awareness) {
      setUsers([]);
      return;
    }
    // "update" also fires on every 15 s keep-alive; "change" only when a state really changed.
    const refresh = () => setUsers(presentUsers(awareness));
    refresh();
    awareness.on("change", refresh);
    return () => awareness.off("change", refresh);
  }, [awareness]);
  return users;
}
