// Words for activity types. Types are dotted event names recorded by every service; unknown
// ones fall back to a readable form of the name itself.

const LABELS: Record<string, string> = {
  "room.created": "created the room",
  "room.updated": "updated the room details",
  "room.stage_changed": "moved the stage",
  "room.ownership_transferred": "handed the room on",
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
