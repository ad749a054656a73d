// The permission rules of docs/design.md, as small named predicates. Pure: no I/O here,
// so the truth tables in tests/unit cover every rule exactly as it runs.

export type Side = "internal" | "external";
export type ParticipantRole = "owner" | "editor" | "commenter" | "viewer";
export type Visibility = "internal" | "shared";
export type OrgRole = "admin" | "member";

/** Where one user stands in one organization: the only facts an organization-level decision is made from. */
export interface OrgStanding {
  userId: string;
  organizationId: string;
  /** Null: not a member (the organization does not exist for them). */
  orgRole: OrgRole | null;
}

/** Where one user stands in one room: the only facts a room-level decision is made from. */
export interface Standing extends OrgStanding {
  roomId: string;
  participation: { side: Side; role: ParticipantRole } | null;
}

/** Anything in a room that carries a visibility: pages, threads, files, activity. */
export interface ScopedItem {
  visibility: Visibility;
  /** Who wrote it, for rules about one's own items (e.g. editing one's own message). */
  createdBy?: string | null;
  /** Who is responsible for it (plan steps), for rules about one's own assignments. */
  assigneeId?: string | null;
}

const ROLE_RANK: Record<ParticipantRole, number> = { viewer: 0, commenter: 1, editor: 2, owner: 3 };

export const isOrgAdmin = (s: OrgStanding) => s.orgRole === "admin";
export const isOrgMember = (s: OrgStanding) => s.orgRole !== null;
export const isParticipant = (s: Standing) => s.participation !== null;
/** Organization admins see every room of their organization (pipeline inspection), as internal readers. */
export const seesRoom = (s: Standing) => isParticipant(s) || isOrgAdmin(s);
export const effectiveSide = (s: Standing): Side | null => s.participation?.side ?? (isOrgAdmin(s) ? "internal" : null);
export const isInternal = (s: Standing) => effectiveSide(s) === "internal";
export const isExternal = (s: Standing) => effectiveSide(s) === "external";
/** An admin who is not a participant reads like an internal viewer. */
export const effectiveRole = (s: Standing): ParticipantRole | null => s.participation?.role ?? (isOrgAdmin(s) ? "viewer" : null);
export const roleAtLeast = (s: Standing, role: ParticipantRole) => {
  const mine = effectiveRole(s);
  return mine !== null && ROLE_RANK[mine] >= ROLE_RANK[role];
};
export const isRoomOwner = (s: Standing) => s.participation?.role === "owner";
export const canReadItem = (s: Standing, item: ScopedItem) => seesRoom(s) && (isInternal(s) || item.visibility === "shared");

/**
 * One entry of an item's history (a page version, a file version), with the visibility it was
 * made under: the item's visibility at that moment (for a file version, also "shared" once it
 * was the file's content at a moment the file was made shared). docs/decisions/012-history-visibility.md.
 */
export interface HistoryEntry {
  visibility: Visibility;
}

/**
 * What was written while an item was internal stays internal: a reader sees an entry of an
 * item's history when they may read the item now and the entry was made while they could have
 * read it. For internal readers that is all of it; for external readers, the shared entries only.
 */
export const canReadHistory = (s: Standing, item: ScopedItem, entry: HistoryEntry) =>
  canReadItem(s, item) && (isInternal(s) || entry.visibility === "shared");

/** Room-level actions. Item-level actions take the item as a third argument. */
const roomRules = {
  "room.read": seesRoom,
  "room.update": (s: Standing) => isRoomOwner(s) || (isInternal(s) && roleAtLeast(s, "editor")),
  "room.invite": isRoomOwner,
  "room.transferOwnership": (s: Standing) => isRoomOwner(s) || isOrgAdmin(s),
  "room.moveStage": isRoomOwner,
  /** The stage timeline is shared knowledge; a filled form inside it follows its own visibility (item.read). */
  "room.readTimeline": seesRoom,
  /** The hand-off record (docs/api.md): everyone in the room, each reading only what they may see in it. */
  "handoff.read": seesRoom,
  /**
   * The whole room as an archive: everyone in the room. It holds exactly what the reader could
   * read item by item (externals: shared items only), so it gives nobody anything new.
   */
  "room.export": seesRoom,
  "room.readAudit": (s: Standing) => isRoomOwner(s) || isOrgAdmin(s),
  "participant.list": seesRoom,
  "participant.seeEmail": isInternal,
  "participant.manage": isRoomOwner,
  "invitation.manage": isRoomOwner,
  "internal.read": isInternal,
  "page.create": (s: Standing) => roleAtLeast(s, "editor"),
  "thread.create": (s: Standing) => roleAtLeast(s, "commenter"),
  /** Anyone commenter+ starts a shared thread; only internal participants start an internal one. */
  "thread.createInternal": (s: Standing) => isInternal(s) && roleAtLeast(s, "commenter"),
  "file.upload": (s: Standing) => roleAtLeast(s, "editor"),
  /** Only internal editors decide what is shared (docs/design.md). */
  "item.setVisibility": (s: Standing) => isInternal(s) && roleAtLeast(s, "editor"),
  /** The mutual action plan (decision 009): editors of either side add shared steps; only internal editors add internal ones. */
  "plan.create": (s: Standing) => roleAtLeast(s, "editor"),
  "plan.createInternal": (s: Standing) => isInternal(s) && roleAtLeast(s, "editor"),
  /** Reordering moves only the steps the reader sees; internal steps keep their places for externals. */
  "plan.reorder": (s: Standing) => roleAtLeast(s, "editor"),
  /** The buying organization's people and the qualification checklist are internal by construction. */
  "stakeholder.read": isInternal,
  "stakeholder.edit": (s: Standing) => isInternal(s) && roleAtLeast(s, "editor"),
  "qualification.read": isInternal,
  "qualification.edit": (s: Standing) => isInternal(s) && roleAtLeast(s, "editor"),
  /** Everyone's reading time and the "gone quiet" flags: the seller's side only (docs/decisions/025-engagement.md). */
  "engagement.read": isInternal,
  /** What is recorded about oneself ("What the seller sees about me"): everyone in the room. */
  "engagement.readOwn": seesRoom,
  /** Turning engagement tracking off (or on again) for one room: its owner and internal editors. */
  "engagement.manage": (s: Standing) => isRoomOwner(s) || (isInternal(s) && roleAtLeast(s, "editor")),
  /** The room's event-based forecast (decision 027): internal by construction. */
  "forecast.read": isInternal,
  "forecast.edit": (s: Standing) => isInternal(s) && roleAtLeast(s, "editor"),
  /**
   * The room's deal team, the roles its internal members play (decision 021, team selling):
   * internal readers see it; the owner, who composes the team, and organization admins, who
   * set the targets it is credited against, set the roles.
   */
  "dealTeam.read": isInternal,
  "dealTeam.edit": (s: Standing) => isRoomOwner(s) || isOrgAdmin(s),
} as const satisfies Record<string, (s: Standing) => boolean>;

const itemRules = {
  "item.read": canReadItem,
  "item.edit": (s: Standing, item: ScopedItem) => canReadItem(s, item) && roleAtLeast(s, "editor"),
  "item.comment": (s: Standing, item: ScopedItem) => canReadItem(s, item) && roleAtLeast(s, "commenter"),
  /** Editing or deleting what one wrote (messages) needs the right to comment still. */
  "item.editOwn": (s: Standing, item: ScopedItem) =>
    canReadItem(s, item) && roleAtLeast(s, "commenter") && !!item.createdBy && item.createdBy === s.userId,
  "item.changeVisibility": (s: Standing, item: ScopedItem) =>
    canReadItem(s, item) && isInternal(s) && roleAtLeast(s, "editor"),
  /** A plan step's status: its editors, and a commenter the step is assigned to (decision 009). */
  "item.setStatus": (s: Standing, item: ScopedItem) =>
    canReadItem(s, item) &&
    (roleAtLeast(s, "editor") || (roleAtLeast(s, "commenter") && !!item.assigneeId && item.assigneeId === s.userId)),
} as const satisfies Record<string, (s: Standing, item: ScopedItem) => boolean>;

/**
 * Organization-level actions, decided from an OrgStanding (a room's Standing is one too: its
 * room's organization). Whoever is not a member is refused everything, and learns nothing (404).
 */
const orgRules = {
  /** The organization exists for its members: its name, its sales cycle (they create rooms in it). */
  "org.read": isOrgMember,
  "org.createRoom": isOrgMember,
  /** The settings pages (members, stages, delivery team): admins only. */
  "org.manageSettings": isOrgAdmin,
  "org.manageMembers": isOrgAdmin,
  /** The sales cycle and the delivery team (decision 008). */
  "org.manageSales": isOrgAdmin,
  /**
   * Saving a room's pages as one of the organization's room templates, and deleting them
   * (decision 020): a template publishes a room's pages, internal ones too, to every member who
   * creates a room, so it is the admins' call, like the sales cycle. Members use templates
   * (org.createRoom); guests have no organization to see them in.
   */
  "org.manageTemplates": isOrgAdmin,
  /** The outbox holds sign-in and invitation links for the organization's people. */
  "org.readOutbox": isOrgAdmin,
  /** Pipeline inspection: admins see every room of the organization (as internal viewers). */
  "org.seeAllRooms": isOrgAdmin,
  /**
   * The pipeline page and GET /api/v1/pipeline (decision 021): every member, each over the rooms
   * they may see there (admins: all of them, org.seeAllRooms; members: their internal ones).
   * Guests are not members: the pipeline does not exist for them (404).
   */
  "org.readPipeline": isOrgMember,
  /** Targets for the organization's members, and everyone's attainment (decision 021): admins. */
  "org.manageTargets": isOrgAdmin,
  /** The forecast's statuses and matrices (decision 027): members read them, admins edit them. */
  "org.readForecast": isOrgMember,
  "org.manageForecast": isOrgAdmin,
  /** The organization's webhooks and their deliveries (decision 022): admins. */
  "org.manageWebhooks": isOrgAdmin,
  /** Engagement tracking for all rooms and the "gone quiet" threshold (docs/decisions/025-engagement.md): admins. */
  "org.manageEngagement": isOrgAdmin,
} as const satisfies Record<string, (s: OrgStanding) => boolean>;

/**
 * Who may be made the owner of a room: an internal participant (the seller's side owns the
 * deal) who does not own it already. A rule about the target, applied with `room.transferOwnership`.
 */
export const mayBecomeOwner = (target: { side: Side; role: ParticipantRole }) => target.side === "internal" && target.role !== "owner";
/** The owner's role is changed and the owner removed only by transferring ownership first. */
export const isManageableParticipant = (target: { role: ParticipantRole }) => target.role !== "owner";

export type RoomAction = keyof typeof roomRules;
export type ItemAction = keyof typeof itemRules;
export type OrgAction = keyof typeof orgRules;
export type Action = RoomAction | ItemAction | OrgAction;
export const ROOM_ACTIONS = Object.keys(roomRules) as RoomAction[];
export const ITEM_ACTIONS = Object.keys(itemRules) as ItemAction[];
export const ORG_ACTIONS = Object.keys(orgRules) as OrgAction[];

function isItemAction(action: Action): action is ItemAction {
  return action in itemRules;
}
export function isOrgAction(action: Action): action is OrgAction {
  return action in orgRules;
}

export function can(s: OrgStanding, action: OrgAction): boolean;
export function can(s: Standing, action: RoomAction): boolean;
export function can(s: Standing, action: ItemAction, item: ScopedItem): boolean;
export function can(s: Standing | OrgStanding, action: Action, item?: ScopedItem): boolean {
  if (isOrgAction(action)) return isOrgMember(s) && orgRules[action](s);
  if (!("roomId" in s)) throw new TypeError(`${action} needs a room standing`);
  if (!seesRoom(s)) return false;
  if (isItemAction(action)) {
    if (!item) throw new TypeError(`${action} needs the item it applies to`);
    return itemRules[action](s, item);
  }
  return roomRules[action as RoomAction](s);
}

export type RoomAbilities = Record<RoomAction, boolean>;
export type ItemAbilities = Record<ItemAction, boolean>;
export type OrgAbilities = Record<OrgAction, boolean>;

/** The organization actions, serialized for the UI (the root loader) like room abilities. */
export function orgAbilities(s: OrgStanding): OrgAbilities {
  return Object.fromEntries(ORG_ACTIONS.map((a) => [a, can(s, a)])) as OrgAbilities;
}

/** Serialized into loader and API answers; the UI shows actions from this and never re-derives a rule. */
export function abilities(s: Standing): RoomAbilities;
export function abilities(s: Standing, item: ScopedItem): ItemAbilities;
export function abilities(s: Standing, item?: ScopedItem): RoomAbilities | ItemAbilities {
  if (item) {
    return Object.fromEntries(ITEM_ACTIONS.map((a) => [a, can(s, a, item)])) as ItemAbilities;
  }
  return Object.fromEntries(ROOM_ACTIONS.map((a) => [a, can(s, a)])) as RoomAbilities;
}
