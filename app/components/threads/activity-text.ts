// Words for activity types. Types are dotted event names recorded by every service; unknown
// ones fall back to a readable form of the name itself.

const LABELS: Record<string, string> = {
  "room.created": "created the room",
  "room.updated": "updated the room details",
  "room.stage_changed": "moved the stage",
  "room.ownership_transferred": "handed the room on",
  "room_template.saved": "saved the room's pages as a template",
  "room_template.deleted": "deleted a room template",
  // Audit-only events (the audit trail, app/components/audit-text.ts, adds the details).
  "account.signed_in": "signed in",
  "access.denied": "was refused",
  "access.invitation_refused": "opened an invitation link that no longer works",
  "access.out_of_bounds": "sent a page change past its limits",
  "member.deactivated": "deactivated a member",
  "member.reactivated": "reactivated a member",
  "participant.joined": "joined the room",
  "participant.invited": "invited someone",
  "participant.removed": "removed a participant",
  "participant.role_changed": "changed a participant's role",
  "invitation.revoked": "revoked an invitation",
  "page.created": "created the page",
  "page.updated": "edited the page",
  "page.visibility_changed": "changed who can see the page",
  "page.archived": "archived the page",
  "page.unarchived": "restored the page",
  "page.version.created": "saved a version of",
  "file.uploaded": "uploaded",
  "file.version_added": "uploaded a new version of",
  "file.updated": "updated the file",
  "file.visibility_changed": "changed who can see",
  "file.archived": "archived the file",
  "file.downloaded": "downloaded",
  "folder.created": "created the folder",
  "folder.updated": "updated the folder",
  "folder.deleted": "deleted the folder",
  "thread.created": "started the thread",
  "thread.updated": "edited the thread",
  "thread.resolved": "resolved the thread",
  "thread.reopened": "reopened the thread",
  "message.created": "replied in",
  "message.edited": "edited a message in",
  "message.deleted": "deleted a message in",
  "plan.step_added": "added the plan step",
  "plan.step_updated": "edited the plan step",
  "plan.step_visibility_changed": "changed who can see the plan step",
  "plan.step_done": "completed the plan step",
  "plan.step_blocked": "marked as blocked the plan step",
  "plan.step_reopened": "reopened the plan step",
  "plan.step_removed": "removed a plan step",
  "plan.reordered": "reordered the plan of",
  "stakeholder.added": "added a stakeholder",
  "stakeholder.updated": "updated a stakeholder",
  "stakeholder.removed": "removed a stakeholder",
  "qualification.updated": "updated the qualification",
};

export function activityLabel(type: string): string {
  return LABELS[type] ?? type.replace(/[._]/g, " ");
}

/** What a page version entry says, by why it was made (server/wiki/versions.ts VersionReason). */
const VERSION_LABELS: Record<string, string> = {
  auto: "edited",
  manual: "saved a version of",
  stage: "kept a version at the stage change of",
  handoff: "kept the hand-off version of",
};

interface PersonRef {
  id: string;
  name: string;
}

/** One feed entry as the activity page says it: who, what they did, to what (the object, after `label`), and how often. */
export interface ActivityEntryText {
  who: string;
  /** Whose avatar stands for the entry. */
  person: PersonRef | null;
  label: string;
  /** After the object: " · 14 times" for folded autosaves. */
  suffix: string;
}

const names = (people: PersonRef[]) =>
  people.length <= 2 ? people.map((p) => p.name).join(" and ") : `${people[0]!.name} and ${people.length - 1} others`;

/**
 * "Maya Chen edited Business case · 14 times", "Maya Chen restored version 2 of Business case":
 * an autosave is told as the edits of the people it saved (the system's own when nobody's), a
 * restore by the version it brought back (when the reader may see that version).
 */
export function activityEntryText(item: {
  type: string;
  actor: PersonRef | null;
  count?: number;
  version?: { reason: string; authors: PersonRef[]; restoredFrom: number | null };
}): ActivityEntryText {
  const count = item.count ?? 1;
  const suffix = count > 1 ? ` · ${count} times` : "";
  const v = item.version;
  if (item.type === "page.version.created" && v) {
    if (v.reason === "restore") {
      return { who: item.actor?.name ?? "Dealroom", person: item.actor, label: v.restoredFrom ? `restored version ${v.restoredFrom} of` : "restored an earlier version of", suffix };
    }
    if (v.reason === "auto" && !item.actor && v.authors.length > 0) {
      return { who: names(v.authors), person: v.authors[0]!, label: VERSION_LABELS.auto!, suffix };
    }
    return { who: item.actor?.name ?? "Dealroom", person: item.actor, label: VERSION_LABELS[v.reason] ?? activityLabel(item.type), suffix };
  }
  return { who: item.actor?.name ?? "Dealroom", person: item.actor, label: activityLabel(item.type), suffix };
}

/** Where an activity's object lives in the app, when it has a page of its own. */
export function activityLink(roomId: string, item: { objectType: string | null; objectId: string | null; threadId?: string }): string | null {
  if (!item.objectId) return null;
  switch (item.objectType) {
    case "message":
      return item.threadId ? `/rooms/${roomId}/threads/${item.threadId}#message-${item.objectId}` : null;
    case "thread":
      return `/rooms/${roomId}/threads/${item.objectId}`;
    case "page":
      return `/rooms/${roomId}/pages/${item.objectId}`;
    case "file":
    case "folder":
      return `/rooms/${roomId}/files`;
    case "plan_step":
      return `/rooms/${roomId}/plan`;
    case "stakeholder":
    case "qualification":
      return `/rooms/${roomId}/planning`;
    default:
      return null;
  }
}
