import type { AuditEntry } from "../../server/services/audit.ts";
import { roleLabel, sideLabel } from "../lib/format.ts";
import { activityLabel } from "./threads/activity-text.ts";

// Words for the audit trail: the activity labels, plus what an auditor needs to know about each
// entry (who was granted what, what was refused, which link was replayed).

/**
 * The type filter's choices. A value is what the audit service's `type` filter takes: types or
 * type prefixes, separated by commas (the same value goes into the CSV export link).
 */
export const AUDIT_GROUPS = [
  { value: "", label: "Everything" },
  { value: "access", label: "Access refusals" },
  { value: "account.signed_in", label: "Sign-ins" },
  { value: "participant,invitation,room.ownership_transferred", label: "Grants and revocations" },
  { value: "page.visibility_changed,file.visibility_changed,plan.step_visibility_changed", label: "Visibility changes" },
  { value: "file.downloaded", label: "Downloads" },
] as const;

/** What a refused attempt tried to do, from the policy's action name. */
const ROOM_ACTION_WORDS: Record<string, string> = {
  "room.read": "open the room",
  "room.update": "edit the room details",
  "room.invite": "invite someone",
  "room.transferOwnership": "hand the room on",
  "room.moveStage": "move the stage",
  "room.readAudit": "read the audit trail",
  "room.readTimeline": "read the stage timeline",
  "participant.list": "list the participants",
  "participant.manage": "manage participants",
  "invitation.manage": "manage invitations",
  "internal.read": "read internal material",
  "page.create": "create a page",
  "thread.create": "start a thread",
  "thread.createInternal": "start an internal thread",
  "file.upload": "upload a file",
  "item.setVisibility": "decide what is shared",
  "plan.create": "add a plan step",
  "plan.createInternal": "add an internal plan step",
  "plan.reorder": "reorder the plan",
  "stakeholder.read": "read the stakeholders",
  "stakeholder.edit": "edit the stakeholders",
  "qualification.read": "read the qualification",
  "qualification.edit": "edit the qualification",
};
const ITEM_ACTION_VERBS: Record<string, string> = {
  "item.read": "open",
  "item.edit": "edit",
  "item.comment": "comment on",
  "item.editOwn": "change a message in",
  "item.changeVisibility": "change who can see",
  "item.setStatus": "change the status of",
};

const INVITATION_STATES: Record<string, string> = { accepted: "a used", revoked: "a withdrawn", expired: "an expired" };

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);

function anItem(what: string | undefined): string {
  if (!what || /^that /i.test(what)) return "an item";
  const word = what.toLowerCase();
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/**
 * Who an entry without a person is: a refused attempt by someone not signed in, or Dealroom
 * itself (an autosave, a stage change's or hand-off's versions), with the authors it saved for.
 */
export function actorless(entry: Pick<AuditEntry, "type" | "data">, nameOf: (userId: string) => string | undefined): { name: string; detail?: string } {
  if (entry.type.startsWith("access.")) return { name: "Someone not signed in" };
  const data = entry.data ?? {};
  const reason = text(data.reason);
  const name = reason === "auto" ? "Dealroom (autosave)" : "Dealroom (system)";
  const authors = Array.isArray(data.authorIds)
    ? data.authorIds.filter((id): id is string => typeof id === "string").map((id) => nameOf(id) ?? "someone no longer in the room")
    : [];
  return authors.length > 0 ? { name, detail: `edits by ${[...new Set(authors)].join(", ")}` } : { name };
}

/** "open a page", "edit the room details", or the address asked for when the action is not known. */
function refusedAttempt(data: Record<string, unknown>): string {
  const action = text(data.action);
  if (action && ITEM_ACTION_VERBS[action]) return `${ITEM_ACTION_VERBS[action]} ${anItem(text(data.what))}`;
  if (action && ROOM_ACTION_WORDS[action]) return ROOM_ACTION_WORDS[action];
  const where = [text(data.method), text(data.path)].filter(Boolean).join(" ");
  return where || action || "something";
}

const OBJECT_NOUNS: Record<string, string> = {
  page: "a page",
  thread: "a thread",
  message: "a thread",
  file: "a file",
  folder: "a folder",
  plan_step: "a plan step",
};

/**
 * Activity labels leave room for the object's title ("uploaded …", "replied in …"); the trail
 * has no titles, so it names the file when the entry carries it, or the kind of object.
 */
function withObject(label: string, objectType: string | null, name: string | undefined): string {
  const open = / (of|in|see)$/.test(label) || ["uploaded", "downloaded"].includes(label);
  if (!open) return label;
  if (name) return `${label} “${name}”`;
  return objectType && OBJECT_NOUNS[objectType] ? `${label} ${OBJECT_NOUNS[objectType]}` : label;
}

export interface AuditWords {
  /** Follows the person's name: "was refused: open a page". */
  summary: string;
  /** A second, quieter line: the address, the e-mail invited, the roles. */
  detail?: string;
  /** For refusals: "not visible" (404) or "not allowed" (403). */
  outcome?: string;
}

/** Human words for one audit entry. `nameOf` turns a user id into a name when the room knows it. */
export function auditWords(entry: Pick<AuditEntry, "type" | "data" | "objectType" | "objectId" | "visibility">, nameOf: (userId: string) => string | undefined): AuditWords {
  const data = entry.data ?? {};
  const person = (id: unknown) => (typeof id === "string" ? (nameOf(id) ?? "someone no longer in the room") : "someone");
  const target = entry.objectType === "user" && entry.objectId ? person(entry.objectId) : undefined;
  switch (entry.type) {
    case "access.denied": {
      const status = Number(data.status);
      const path = [text(data.method), text(data.path)].filter(Boolean).join(" ");
      return {
        summary: `was refused: ${refusedAttempt(data)}`,
        outcome: status === 404 ? "not visible" : status === 403 ? "not allowed" : undefined,
        detail: path || undefined,
      };
    }
    case "access.out_of_bounds": {
      // A live edit the collab server refused (docs/access.md, "Resource bounds"): the bound it hit.
      const status = Number(data.status);
      return {
        summary: `was refused: a change to ${anItem(text(entry.objectType) ?? "page")} past its limits`,
        outcome: status === 413 ? "too large" : "too complex",
        detail: [text(data.method), text(data.path)].filter(Boolean).join(" ") || text(data.reason),
      };
    }
    case "access.invitation_refused":
      return { summary: `opened ${INVITATION_STATES[text(data.reason) ?? ""] ?? "an unusable"} invitation link`, outcome: "refused" };
    case "account.signed_in":
      return { summary: "signed in", detail: text(data.via) === "link" ? "with a one-time sign-in link" : undefined };
    case "participant.invited":
      return {
        summary: `invited ${text(data.email) ?? "someone"}`,
        detail: [text(data.side) && sideLabel(String(data.side)), text(data.role) && roleLabel(String(data.role))].filter(Boolean).join(" · ") || undefined,
      };
    case "participant.joined":
      return {
        summary: "joined the room",
        detail: [text(data.side) && sideLabel(String(data.side)), text(data.role) && roleLabel(String(data.role))].filter(Boolean).join(" · ") || undefined,
      };
    case "participant.role_changed":
      return {
        summary: `changed the role of ${target ?? "a participant"}`,
        detail: text(data.from) && text(data.to) ? `${roleLabel(String(data.from))} → ${roleLabel(String(data.to))}` : undefined,
      };
    case "participant.removed":
      return { summary: `removed ${target ?? "a participant"} from the room`, detail: text(data.role) ? `was ${roleLabel(String(data.role))}` : undefined };
    case "invitation.revoked":
      return { summary: `revoked the invitation for ${text(data.email) ?? "someone"}` };
    case "room.ownership_transferred":
      return {
        summary: `made ${person(data.to ?? entry.objectId)} the owner`,
        detail: [
          data.from ? `${person(data.from)} became an editor` : undefined,
          data.because === "member_deactivated" ? "because the previous owner was deactivated" : undefined,
        ].filter(Boolean).join(", ") || undefined,
      };
    case "page.visibility_changed":
    case "file.visibility_changed":
    case "plan.step_visibility_changed": {
      const kind = entry.type.startsWith("page") ? "a page" : entry.type.startsWith("file") ? "a file" : "a plan step";
      // Pages record where they went; files and plan steps carry their new visibility on the entry.
      const to = text(data.to) ?? entry.visibility;
      const name = text(data.name);
      return { summary: `made ${name ? `“${name}”` : kind} ${to === "shared" ? "shared with the buyer" : "internal"}` };
    }
    case "file.downloaded":
      return { summary: `downloaded ${text(data.name) ? `“${text(data.name)}”` : "a file"}`, detail: data.version ? `version ${String(data.version)}` : undefined };
    default:
      return { summary: withObject(activityLabel(entry.type), entry.objectType, text(data.name) ?? text(data.title)) };
  }
}
