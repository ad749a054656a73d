import { describe, expect, it } from "vitest";
import {
  ITEM_ACTIONS,
  ORG_ACTIONS,
  ROOM_ACTIONS,
  abilities,
  authorize,
  authorizeHistory,
  authorizeOrg,
  can,
  canReadHistory,
  isManageableParticipant,
  mayBecomeOwner,
  orgAbilities,
  type ItemAction,
  type OrgAction,
  type OrgRole,
  type ParticipantRole,
  type RoomAction,
  type ScopedItem,
  type Side,
  type Standing,
} from "../../server/access/index.ts";
import { AppError } from "../../server/errors.ts";

// The access policy as truth tables: who (side × role, plus organization admins and members
// who take no part, and outsiders) × what (every room and item action) → allowed or not.
// The expectations are written out by hand from the rules of docs/design.md, never computed from them.
// A new action in server/access/policy.ts fails these tests until it has its column here.

const ME = "00000000-0000-4000-8000-00000000000a";
const SOMEONE_ELSE = "00000000-0000-4000-8000-00000000000b";

function standing(participation: { side: Side; role: ParticipantRole } | null, orgRole: OrgRole | null): Standing {
  return { userId: ME, roomId: "room", organizationId: "org", participation, orgRole };
}

const WHO = {
  internalOwnerAdmin: standing({ side: "internal", role: "owner" }, "admin"),
  internalOwner: standing({ side: "internal", role: "owner" }, "member"),
  internalEditorAdmin: standing({ side: "internal", role: "editor" }, "admin"),
  internalEditor: standing({ side: "internal", role: "editor" }, "member"),
  internalCommenter: standing({ side: "internal", role: "commenter" }, "member"),
  internalViewer: standing({ side: "internal", role: "viewer" }, "member"),
  externalEditor: standing({ side: "external", role: "editor" }, null),
  externalCommenter: standing({ side: "external", role: "commenter" }, null),
  externalViewer: standing({ side: "external", role: "viewer" }, null),
  adminNotInRoom: standing(null, "admin"),
  memberNotInRoom: standing(null, "member"),
  outsider: standing(null, null),
} satisfies Record<string, Standing>;
type Who = keyof typeof WHO;

/** Parses a whitespace-aligned table: a header of column names, then one row per standing; Y allows, . denies. */
function parseTable<C extends string>(text: string, columns: Record<string, C>) {
  const [header, ...rows] = text.trim().split("\n").map((line) => line.trim().split(/\s+/));
  const names = header!.slice(1);
  for (const name of names) if (!(name in columns)) throw new Error(`unknown column ${name}`);
  const table = {} as Record<Who, Record<C, boolean>>;
  for (const [who, ...cells] of rows) {
    if (!(who! in WHO)) throw new Error(`unknown standing ${who}`);
    if (cells.length !== names.length) throw new Error(`row ${who} has ${cells.length} cells, expected ${names.length}`);
    table[who as Who] = Object.fromEntries(
      names.map((name, i) => {
        if (cells[i] !== "Y" && cells[i] !== ".") throw new Error(`row ${who}, ${name}: "${cells[i]}" is neither Y nor .`);
        return [columns[name]!, cells[i] === "Y"];
      }),
    ) as Record<C, boolean>;
  }
  return { table, columns: names.map((n) => columns[n]!) };
}

const ROOM_COLUMNS = {
  read: "room.read",
  update: "room.update",
  invite: "room.invite",
  transfer: "room.transferOwnership",
  stage: "room.moveStage",
  audit: "room.readAudit",
  people: "participant.list",
  emails: "participant.seeEmail",
  manage: "participant.manage",
  invites: "invitation.manage",
  internal: "internal.read",
  newPage: "page.create",
  newThread: "thread.create",
  newIntThread: "thread.createInternal",
  upload: "file.upload",
  setVis: "item.setVisibility",
} as const satisfies Record<string, RoomAction>;

const ROOM = parseTable(
  `
  who                  read update invite transfer stage audit people emails manage invites internal newPage newThread newIntThread upload setVis
  internalOwnerAdmin   Y    Y      Y      Y        Y     Y     Y      Y      Y      Y       Y        Y       Y         Y            Y      Y
  internalOwner        Y    Y      Y      Y        Y     Y     Y      Y      Y      Y       Y        Y       Y         Y            Y      Y
  internalEditorAdmin  Y    Y      .      Y        .     Y     Y      Y      .      .       Y        Y       Y         Y            Y      Y
  internalEditor       Y    Y      .      .        .     .     Y      Y      .      .       Y        Y       Y         Y            Y      Y
  internalCommenter    Y    .      .      .        .     .     Y      Y      .      .       Y        .       Y         Y            .      .
  internalViewer       Y    .      .      .        .     .     Y      Y      .      .       Y        .       .         .            .      .
  externalEditor       Y    .      .      .        .     .     Y      .      .      .       .        Y       Y         .            Y      .
  externalCommenter    Y    .      .      .        .     .     Y      .      .      .       .        .       Y         .            .      .
  externalViewer       Y    .      .      .        .     .     Y      .      .      .       .        .       .         .            .      .
  adminNotInRoom       Y    .      .      Y        .     Y     Y      Y      .      .       Y        .       .         .            .      .
  memberNotInRoom      .    .      .      .        .     .     .      .      .      .       .        .       .         .            .      .
  outsider             .    .      .      .        .     .     .      .      .      .       .        .       .         .            .      .
  `,
  ROOM_COLUMNS,
);

// The mutual action plan and internal deal planning (decision 009).
const PLANNING_COLUMNS = {
  newStep: "plan.create",
  newIntStep: "plan.createInternal",
  reorder: "plan.reorder",
  readPeople: "stakeholder.read",
  editPeople: "stakeholder.edit",
  readQual: "qualification.read",
  editQual: "qualification.edit",
  engagement: "engagement.read",
  ownEngagement: "engagement.readOwn",
  offEngagement: "engagement.manage",
  forecast: "forecast.read",
  editForecast: "forecast.edit",
  dealTeam: "dealTeam.read",
  editDealTeam: "dealTeam.edit",
} as const satisfies Record<string, RoomAction>;

const PLANNING = parseTable(
  `
  who                 newStep newIntStep reorder readPeople editPeople readQual editQual engagement ownEngagement offEngagement forecast editForecast dealTeam editDealTeam
  internalOwnerAdmin  Y       Y          Y       Y          Y          Y        Y        Y          Y             Y             Y        Y            Y        Y
  internalOwner       Y       Y          Y       Y          Y          Y        Y        Y          Y             Y             Y        Y            Y        Y
  internalEditorAdmin Y       Y          Y       Y          Y          Y        Y        Y          Y             Y             Y        Y            Y        Y
  internalEditor      Y       Y          Y       Y          Y          Y        Y        Y          Y             Y             Y        Y            Y        .
  internalCommenter   .       .          .       Y          .          Y        .        Y          Y             .             Y        .            Y        .
  internalViewer      .       .          .       Y          .          Y        .        Y          Y             .             Y        .            Y        .
  externalEditor      Y       .          Y       .          .          .        .        .          Y             .             .        .            .        .
  externalCommenter   .       .          .       .          .          .        .        .          Y             .             .        .            .        .
  externalViewer      .       .          .       .          .          .        .        .          Y             .             .        .            .        .
  adminNotInRoom      .       .          .       Y          .          Y        .        Y          Y             .             Y        .            Y        Y
  memberNotInRoom     .       .          .       .          .          .        .        .          .             .             .        .            .        .
  outsider            .       .          .       .          .          .        .        .          .             .             .        .            .        .
  `,
  PLANNING_COLUMNS,
);

// The sales process (decision 008): everyone in the room reads the stage timeline and the hand-off record and exports
// the room (each only what they may see); moving is the owner's (ROOM: stage).
const SALES = parseTable(
  `
  who                  timeline handoff export
  internalOwnerAdmin   Y        Y       Y
  internalOwner        Y        Y       Y
  internalEditorAdmin  Y        Y       Y
  internalEditor       Y        Y       Y
  internalCommenter    Y        Y       Y
  internalViewer       Y        Y       Y
  externalEditor       Y        Y       Y
  externalCommenter    Y        Y       Y
  externalViewer       Y        Y       Y
  adminNotInRoom       Y        Y       Y
  memberNotInRoom      .        .       .
  outsider             .        .       .
  `,
  { timeline: "room.readTimeline", handoff: "handoff.read", export: "room.export" } as const satisfies Record<string, RoomAction>,
);

// Organization actions (org.*): decided by the organization role alone. Where someone stands in
// a room changes nothing here; a guest from the buyer's side is in no organization of the seller.
const ORG_COLUMNS = {
  read: "org.read",
  newRoom: "org.createRoom",
  settings: "org.manageSettings",
  members: "org.manageMembers",
  sales: "org.manageSales",
  outbox: "org.readOutbox",
  allRooms: "org.seeAllRooms",
  pipeline: "org.readPipeline",
  targets: "org.manageTargets",
  templates: "org.manageTemplates",
  forecast: "org.readForecast",
  editForecast: "org.manageForecast",
  webhooks: "org.manageWebhooks",
  engagement: "org.manageEngagement",
} as const satisfies Record<string, OrgAction>;

const ORG = parseTable(
  `
  who                 read newRoom settings members sales outbox allRooms pipeline targets templates forecast editForecast webhooks engagement
  internalOwnerAdmin  Y    Y       Y        Y       Y     Y      Y        Y        Y       Y         Y        Y            Y        Y
  internalOwner       Y    Y       .        .       .     .      .        Y        .       .         Y        .            .        .
  internalEditorAdmin Y    Y       Y        Y       Y     Y      Y        Y        Y       Y         Y        Y            Y        Y
  internalEditor      Y    Y       .        .       .     .      .        Y        .       .         Y        .            .        .
  internalCommenter   Y    Y       .        .       .     .      .        Y        .       .         Y        .            .        .
  internalViewer      Y    Y       .        .       .     .      .        Y        .       .         Y        .            .        .
  externalEditor      .    .       .        .       .     .      .        .        .       .         .        .            .        .
  externalCommenter   .    .       .        .       .     .      .        .        .       .         .        .            .        .
  externalViewer      .    .       .        .       .     .      .        .        .       .         .        .            .        .
  adminNotInRoom      Y    Y       Y        Y       Y     Y      Y        Y        Y       Y         Y        Y            Y        Y
  memberNotInRoom     Y    Y       .        .       .     .      .        Y        .       .         Y        .            .        .
  outsider            .    .       .        .       .     .      .        .        .       .         .        .            .        .
  `,
  ORG_COLUMNS,
);

// Item actions, per visibility of the item, on an item someone else wrote and on one's own.
const ITEM_COLUMN_ACTIONS = { read: "item.read", edit: "item.edit", comment: "item.comment", editOwn: "item.editOwn", chVis: "item.changeVisibility", status: "item.setStatus" } as const satisfies Record<
  string,
  ItemAction
>;
type ItemColumn = `${"int" | "shr"}:${keyof typeof ITEM_COLUMN_ACTIONS}`;
const ITEM_COLUMNS = Object.fromEntries(
  (["int", "shr"] as const).flatMap((v) => Object.keys(ITEM_COLUMN_ACTIONS).map((a) => [`${v}:${a}`, `${v}:${a}`])),
) as Record<ItemColumn, ItemColumn>;

const OTHERS_ITEM = parseTable(
  `
  who                 int:read int:edit int:comment int:editOwn int:chVis int:status  shr:read shr:edit shr:comment shr:editOwn shr:chVis shr:status
  internalOwnerAdmin  Y        Y        Y           .           Y         Y           Y        Y        Y           .           Y         Y
  internalOwner       Y        Y        Y           .           Y         Y           Y        Y        Y           .           Y         Y
  internalEditorAdmin Y        Y        Y           .           Y         Y           Y        Y        Y           .           Y         Y
  internalEditor      Y        Y        Y           .           Y         Y           Y        Y        Y           .           Y         Y
  internalCommenter   Y        .        Y           .           .         .           Y        .        Y           .           .         .
  internalViewer      Y        .        .           .           .         .           Y        .        .           .           .         .
  externalEditor      .        .        .           .           .         .           Y        Y        Y           .           .         Y
  externalCommenter   .        .        .           .           .         .           Y        .        Y           .           .         .
  externalViewer      .        .        .           .           .         .           Y        .        .           .           .         .
  adminNotInRoom      Y        .        .           .           .         .           Y        .        .           .           .         .
  memberNotInRoom     .        .        .           .           .         .           .        .        .           .           .         .
  outsider            .        .        .           .           .         .           .        .        .           .           .         .
  `,
  ITEM_COLUMNS,
);

const OWN_ITEM = parseTable(
  `
  who                 int:read int:edit int:comment int:editOwn int:chVis int:status  shr:read shr:edit shr:comment shr:editOwn shr:chVis shr:status
  internalOwnerAdmin  Y        Y        Y           Y           Y         Y           Y        Y        Y           Y           Y         Y
  internalOwner       Y        Y        Y           Y           Y         Y           Y        Y        Y           Y           Y         Y
  internalEditorAdmin Y        Y        Y           Y           Y         Y           Y        Y        Y           Y           Y         Y
  internalEditor      Y        Y        Y           Y           Y         Y           Y        Y        Y           Y           Y         Y
  internalCommenter   Y        .        Y           Y           .         .           Y        .        Y           Y           .         .
  internalViewer      Y        .        .           .           .         .           Y        .        .           .           .         .
  externalEditor      .        .        .           .           .         .           Y        Y        Y           Y           .         Y
  externalCommenter   .        .        .           .           .         .           Y        .        Y           Y           .         .
  externalViewer      .        .        .           .           .         .           Y        .        .           .           .         .
  adminNotInRoom      Y        .        .           .           .         .           Y        .        .           .           .         .
  memberNotInRoom     .        .        .           .           .         .           .        .        .           .           .         .
  outsider            .        .        .           .           .         .           .        .        .           .           .         .
  `,
  ITEM_COLUMNS,
);

const WHO_NAMES = Object.keys(WHO) as Who[];

describe("the truth tables cover the policy", () => {
  it("has a column for every room action and item action, and a row for every standing", () => {
    expect([...ROOM.columns, ...PLANNING.columns, ...SALES.columns].sort()).toEqual([...ROOM_ACTIONS].sort());
    expect(Object.values(ITEM_COLUMN_ACTIONS).sort()).toEqual([...ITEM_ACTIONS].sort());
    for (const t of [ROOM, PLANNING, SALES, OTHERS_ITEM, OWN_ITEM]) {
      expect(Object.keys(t.table).sort()).toEqual([...WHO_NAMES].sort());
      expect(t.columns).toHaveLength(new Set(t.columns).size);
    }
    expect(OTHERS_ITEM.columns).toHaveLength(ITEM_ACTIONS.length * 2);
    expect([...ORG.columns].sort()).toEqual([...ORG_ACTIONS].sort());
    expect(Object.keys(ORG.table).sort()).toEqual([...WHO_NAMES].sort());
  });
});

describe("organization actions", () => {
  it.each(WHO_NAMES)("%s: can() and orgAbilities() match the table, from a room standing or the organization's alone", (who) => {
    const s = WHO[who];
    const orgOnly = { userId: s.userId, organizationId: s.organizationId, orgRole: s.orgRole };
    const expected = ORG.table[who];
    expect(Object.fromEntries(ORG_ACTIONS.map((a) => [a, can(s, a)]))).toEqual(expected);
    expect(Object.fromEntries(ORG_ACTIONS.map((a) => [a, can(orgOnly, a)]))).toEqual(expected);
    expect(orgAbilities(orgOnly)).toEqual(expected);
  });

  it("a room action asked of an organization standing is a programming error", () => {
    const orgOnly = { userId: ME, organizationId: "org", orgRole: "admin" as const };
    expect(() => (can as (s: unknown, a: string) => boolean)(orgOnly, "room.read")).toThrow(TypeError);
  });

  it("authorizeOrg: 404 outside the organization, 403 for a member who may not, with what was refused", () => {
    const outcome = (fn: () => void): "ok" | number => {
      try {
        fn();
        return "ok";
      } catch (error) {
        if (error instanceof AppError) return error.status;
        throw error;
      }
    };
    const cases: [Who, OrgAction, "ok" | 403 | 404][] = [
      ["adminNotInRoom", "org.manageMembers", "ok"],
      ["adminNotInRoom", "org.readOutbox", "ok"],
      ["memberNotInRoom", "org.read", "ok"],
      ["memberNotInRoom", "org.manageMembers", 403],
      ["memberNotInRoom", "org.manageSales", 403],
      ["memberNotInRoom", "org.readOutbox", 403],
      ["internalOwner", "org.manageSettings", 403],
      ["externalEditor", "org.read", 404],
      ["externalViewer", "org.readPipeline", 404],
      ["memberNotInRoom", "org.readPipeline", "ok"],
      ["outsider", "org.readOutbox", 404],
    ];
    for (const [who, action, expected] of cases) {
      expect([who, action, outcome(() => authorizeOrg(WHO[who], action))]).toEqual([who, action, expected]);
    }
    expect(() => authorizeOrg(WHO.memberNotInRoom, "org.manageSales", "change the sales cycle")).toThrow(
      expect.objectContaining({ status: 403, message: "Only organization admins can change the sales cycle." }),
    );
    expect(() => authorizeOrg(WHO.outsider, "org.manageMembers")).toThrow(
      expect.objectContaining({ status: 404, message: expect.stringMatching(/^Organization does not exist/) }),
    );
  });
});

describe("rules about the person acted on", () => {
  it("only an internal participant who is not the owner can be made owner; the owner is managed by transfer only", () => {
    const TARGETS = `
      who       owner manage
      intOwner  .     .
      intEditor Y     Y
      intViewer Y     Y
      extEditor .     Y
      extViewer .     Y`;
    const targets = {
      intOwner: { side: "internal", role: "owner" },
      intEditor: { side: "internal", role: "editor" },
      intViewer: { side: "internal", role: "viewer" },
      extEditor: { side: "external", role: "editor" },
      extViewer: { side: "external", role: "viewer" },
    } as const;
    const rows = TARGETS.trim().split("\n").slice(1).map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(Object.keys(targets).length);
    for (const [name, owner, manage] of rows) {
      const t = targets[name as keyof typeof targets];
      expect([name, mayBecomeOwner(t), isManageableParticipant(t)]).toEqual([name, owner === "Y", manage === "Y"]);
    }
  });
});

describe("room actions", () => {
  it.each(WHO_NAMES)("%s: can() and abilities() match the table", (who) => {
    const s = WHO[who];
    const expected = { ...ROOM.table[who], ...PLANNING.table[who], ...SALES.table[who] };
    const actual = Object.fromEntries(ROOM_ACTIONS.map((a) => [a, can(s, a)]));
    expect(actual).toEqual(expected);
    expect(abilities(s)).toEqual(expected);
  });
});

describe("item actions", () => {
  const itemRow = (who: Who, createdBy: string | null, table: typeof OTHERS_ITEM.table) =>
    (["internal", "shared"] as const).map((visibility) => {
      const item: ScopedItem = { visibility, createdBy };
      const prefix = visibility === "internal" ? "int" : "shr";
      const expected = Object.fromEntries(
        Object.entries(ITEM_COLUMN_ACTIONS).map(([col, action]) => [action, table[who][`${prefix}:${col}` as ItemColumn]]),
      );
      return { item, expected };
    });

  it.each(WHO_NAMES)("%s on someone else's items: can() and abilities() match the table", (who) => {
    for (const { item, expected } of itemRow(who, SOMEONE_ELSE, OTHERS_ITEM.table)) {
      expect(Object.fromEntries(ITEM_ACTIONS.map((a) => [a, can(WHO[who], a, item)]))).toEqual(expected);
      expect(abilities(WHO[who], item)).toEqual(expected);
    }
  });

  it.each(WHO_NAMES)("%s on their own items: can() and abilities() match the table", (who) => {
    for (const { item, expected } of itemRow(who, ME, OWN_ITEM.table)) {
      expect(abilities(WHO[who], item)).toEqual(expected);
    }
  });

  it("a plan step's status: editors who see it, and a commenter it is assigned to", () => {
    // Assigned to me: commenters who may read the step join the editors; viewers never.
    const ASSIGNED = `
      who                  int shr
      internalOwnerAdmin   Y   Y
      internalOwner        Y   Y
      internalEditorAdmin  Y   Y
      internalEditor       Y   Y
      internalCommenter    Y   Y
      internalViewer       .   .
      externalEditor       .   Y
      externalCommenter    .   Y
      externalViewer       .   .
      adminNotInRoom       .   .
      memberNotInRoom      .   .
      outsider             .   .`;
    const { table } = parseTable(ASSIGNED, { int: "internal", shr: "shared" } as const);
    for (const who of WHO_NAMES) {
      for (const visibility of ["internal", "shared"] as const) {
        const got = can(WHO[who], "item.setStatus", { visibility, createdBy: SOMEONE_ELSE, assigneeId: ME });
        expect([who, visibility, got]).toEqual([who, visibility, table[who][visibility]]);
        // Assigned to someone else: the editors' column of the item tables.
        const other = can(WHO[who], "item.setStatus", { visibility, createdBy: ME, assigneeId: SOMEONE_ELSE });
        expect([who, visibility, other]).toEqual([who, visibility, OTHERS_ITEM.table[who][visibility === "internal" ? "int:edit" : "shr:edit"]]);
      }
    }
  });

  it("an item with no known author is nobody's own", () => {
    for (const who of WHO_NAMES) {
      for (const visibility of ["internal", "shared"] as const) {
        expect(can(WHO[who], "item.editOwn", { visibility, createdBy: null })).toBe(false);
        expect(can(WHO[who], "item.editOwn", { visibility })).toBe(false);
      }
    }
  });

  it("an item action without its item is a programming error", () => {
    expect(() => (can as (s: Standing, a: string) => boolean)(WHO.internalOwner, "item.read")).toThrow(TypeError);
  });
});

describe("authorize: 404 for what must stay unknown, 403 for visible but forbidden", () => {
  const outcome = (fn: () => void): "ok" | number => {
    try {
      fn();
      return "ok";
    } catch (error) {
      if (error instanceof AppError) return error.status;
      throw error;
    }
  };
  const internalItem: ScopedItem = { visibility: "internal", createdBy: SOMEONE_ELSE };
  const sharedItem: ScopedItem = { visibility: "shared", createdBy: SOMEONE_ELSE };

  it("room actions", () => {
    const cases: [Who, RoomAction, "ok" | 403 | 404][] = [
      ["internalOwner", "room.invite", "ok"],
      ["internalEditor", "room.update", "ok"],
      ["internalEditor", "room.invite", 403],
      ["internalViewer", "room.update", 403],
      ["externalEditor", "room.update", 403],
      ["externalEditor", "room.read", "ok"],
      ["externalViewer", "internal.read", 403],
      ["adminNotInRoom", "room.read", "ok"],
      ["adminNotInRoom", "room.update", 403],
      ["memberNotInRoom", "room.read", 404],
      ["outsider", "room.read", 404],
      ["outsider", "room.invite", 404],
    ];
    for (const [who, action, expected] of cases) {
      expect([who, action, outcome(() => authorize(WHO[who], action))]).toEqual([who, action, expected]);
    }
  });

  it("item actions: an external participant gets 404 for internal items, whatever the action", () => {
    const cases: [Who, ItemAction, ScopedItem, "ok" | 403 | 404][] = [
      ["externalEditor", "item.read", internalItem, 404],
      ["externalEditor", "item.edit", internalItem, 404],
      ["externalEditor", "item.changeVisibility", internalItem, 404],
      ["externalViewer", "item.comment", internalItem, 404],
      ["externalEditor", "item.edit", sharedItem, "ok"],
      ["externalEditor", "item.changeVisibility", sharedItem, 403],
      ["externalViewer", "item.edit", sharedItem, 403],
      ["externalCommenter", "item.comment", sharedItem, "ok"],
      ["internalViewer", "item.edit", internalItem, 403],
      ["internalViewer", "item.read", internalItem, "ok"],
      ["internalEditor", "item.changeVisibility", sharedItem, "ok"],
      ["adminNotInRoom", "item.read", internalItem, "ok"],
      ["adminNotInRoom", "item.edit", internalItem, 403],
      ["memberNotInRoom", "item.read", sharedItem, 404],
      ["outsider", "item.read", sharedItem, 404],
    ];
    for (const [who, action, item, expected] of cases) {
      const got = outcome(() => authorize(WHO[who], action, item));
      expect([who, action, item.visibility, got]).toEqual([who, action, item.visibility, expected]);
    }
  });

  it("the 404 names the item and reads like a missing one; the 403 says forbidden", () => {
    expect(() => authorize(WHO.externalEditor, "item.read", internalItem, "Page")).toThrow(
      expect.objectContaining({ status: 404, code: "not_found", message: expect.stringMatching(/^Page does not exist/) }),
    );
    expect(() => authorize(WHO.externalViewer, "item.edit", sharedItem, "Page")).toThrow(
      expect.objectContaining({ status: 403, code: "forbidden" }),
    );
  });
});

describe("history across visibility changes: what was written while internal stays internal", () => {
  // Columns: the item's visibility now : the visibility the version was made under
  // (docs/decisions/012-history-visibility.md). A version of an internal item is never
  // readable by someone who may not read the item; a shared item's internal-era versions are
  // readable by internal readers only.
  const HISTORY = `
    who                  int:int int:shr shr:int shr:shr
    internalOwnerAdmin   Y       Y       Y       Y
    internalOwner        Y       Y       Y       Y
    internalEditorAdmin  Y       Y       Y       Y
    internalEditor       Y       Y       Y       Y
    internalCommenter    Y       Y       Y       Y
    internalViewer       Y       Y       Y       Y
    externalEditor       .       .       .       Y
    externalCommenter    .       .       .       Y
    externalViewer       .       .       .       Y
    adminNotInRoom       Y       Y       Y       Y
    memberNotInRoom      .       .       .       .
    outsider             .       .       .       .`;
  const COLUMNS = { "int:int": "int:int", "int:shr": "int:shr", "shr:int": "shr:int", "shr:shr": "shr:shr" } as const;
  const { table } = parseTable(HISTORY, COLUMNS);
  const cases = Object.keys(COLUMNS).map((col) => {
    const [item, entry] = col.split(":").map((v) => (v === "int" ? "internal" : "shared") as "internal" | "shared");
    return { col: col as keyof typeof COLUMNS, item: { visibility: item! } as ScopedItem, entry: { visibility: entry! } };
  });

  it.each(WHO_NAMES)("%s: canReadHistory and authorizeHistory match the table", (who) => {
    for (const { col, item, entry } of cases) {
      expect([who, col, canReadHistory(WHO[who], item, entry)]).toEqual([who, col, table[who][col]]);
      let got: "ok" | number = "ok";
      try {
        authorizeHistory(WHO[who], item, entry, "Version");
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        got = error.status;
      }
      // Refused is always 404, worded like a missing version (or a missing item / room).
      expect([who, col, got]).toEqual([who, col, table[who][col] ? "ok" : 404]);
    }
  });

  it("a hidden version reads exactly like a missing one", () => {
    expect(() => authorizeHistory(WHO.externalViewer, { visibility: "shared" }, { visibility: "internal" }, "Version")).toThrow(
      expect.objectContaining({ status: 404, code: "not_found", message: expect.stringMatching(/^Version does not exist/) }),
    );
  });
});
