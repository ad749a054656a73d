import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sql } from "../../db/client.ts";
import { loadStanding, readableWhere, visibleRoomsWhere, visibleWhere, type Actor, type Standing } from "../../server/access/index.ts";
import { createTestDatabase } from "../support/db.ts";

// The SQL side of the access policy, run against a real PostgreSQL: the conditions that
// lists and search filter with, and loadStanding's 404s.

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;
const people = {} as Record<"admin" | "member" | "participantMember" | "external" | "outsider", Actor>;
let roomId: string;
let otherOrgRoomId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = db.sql;
  for (const key of ["admin", "member", "participantMember", "external", "outsider"] as const) {
    const [u] = await sql<{ id: string }[]>`
      insert into users (email, name) values (${`${key.toLowerCase()}@sql.test`}, ${key}) returning id`;
    people[key] = { userId: u!.id, name: key, email: `${key.toLowerCase()}@sql.test` };
  }
  const [org] = await sql<{ id: string }[]>`insert into organizations (name) values ('Seller') returning id`;
  const [otherOrg] = await sql<{ id: string }[]>`insert into organizations (name) values ('Elsewhere') returning id`;
  await sql`insert into memberships (organization_id, user_id, role) values
    (${org!.id}, ${people.admin.userId}, 'admin'), (${org!.id}, ${people.member.userId}, 'member'),
    (${org!.id}, ${people.participantMember.userId}, 'member'), (${otherOrg!.id}, ${people.outsider.userId}, 'admin')`;
  const [room] = await sql<{ id: string }[]>`
    insert into rooms (organization_id, name, account, stage) values (${org!.id}, 'Deal', 'Acme', 'Prospecting') returning id`;
  const [other] = await sql<{ id: string }[]>`
    insert into rooms (organization_id, name, account, stage) values (${otherOrg!.id}, 'Their deal', 'Initech', 'Prospecting') returning id`;
  roomId = room!.id;
  otherOrgRoomId = other!.id;
  await sql`insert into participants (room_id, user_id, side, role) values
    (${roomId}, ${people.participantMember.userId}, 'internal', 'owner'), (${roomId}, ${people.external.userId}, 'external', 'editor')`;
  await sql`create table scoped_items (id int primary key, visibility text not null)`;
  await sql`insert into scoped_items values (1, 'internal'), (2, 'shared'), (3, 'internal'), (4, 'shared')`;
});
afterAll(async () => {
  await db.drop();
});

describe("loadStanding", () => {
  it("answers 404 for malformed ids, unknown rooms and rooms the actor may not see", async () => {
    const cases: [keyof typeof people, string][] = [
      ["admin", "not-a-uuid"],
      ["admin", "00000000-0000-4000-8000-000000000000"],
      ["member", roomId],
      ["outsider", roomId],
      ["external", otherOrgRoomId],
      ["admin", otherOrgRoomId],
    ];
    for (const [who, id] of cases) {
      await expect(loadStanding(sql, people[who], id), `${who} → ${id}`).rejects.toMatchObject({ status: 404, code: "not_found" });
    }
  });

  it("describes participants by their participation and organization admins by their role", async () => {
    expect(await loadStanding(sql, people.participantMember, roomId)).toMatchObject({
      participation: { side: "internal", role: "owner" },
      orgRole: "member",
    });
    expect(await loadStanding(sql, people.external, roomId)).toMatchObject({ participation: { side: "external", role: "editor" }, orgRole: null });
    expect(await loadStanding(sql, people.admin, roomId)).toMatchObject({ participation: null, orgRole: "admin", roomId });
  });
});

describe("visibleWhere", () => {
  const visibleIds = async (s: Standing, column?: string) =>
    (await sql<{ id: number }[]>`select i.id from scoped_items i where ${visibleWhere(sql, s, column ?? "visibility")} order by i.id`).map((r) => r.id);

  it("selects every item for internal standings, shared items only for external ones", async () => {
    const internal = await loadStanding(sql, people.participantMember, roomId);
    const admin = await loadStanding(sql, people.admin, roomId);
    const external = await loadStanding(sql, people.external, roomId);
    expect(await visibleIds(internal)).toEqual([1, 2, 3, 4]);
    expect(await visibleIds(admin)).toEqual([1, 2, 3, 4]);
    expect(await visibleIds(external)).toEqual([2, 4]);
    expect(await visibleIds(external, "i.visibility")).toEqual([2, 4]);
  });
});

describe("visibleRoomsWhere", () => {
  const rooms = async (who: keyof typeof people) =>
    (await sql<{ id: string }[]>`select r.id from rooms r where ${visibleRoomsWhere(sql, people[who])}`).map((r) => r.id).sort();

  it("selects the rooms one takes part in, and every room of the organizations one administers", async () => {
    expect(await rooms("participantMember")).toEqual([roomId]);
    expect(await rooms("external")).toEqual([roomId]);
    expect(await rooms("admin")).toEqual([roomId]);
    expect(await rooms("member")).toEqual([]);
    expect(await rooms("outsider")).toEqual([otherOrgRoomId]);
  });
});

describe("readableWhere", () => {
  // canReadItem per row, for queries across rooms and people (notifications). Written out by hand:
  // who × room × the item's visibility → readable.
  const TABLE = `
    who                room:int room:shr other:int other:shr
    admin              Y        Y        .         .
    member             .        .        .         .
    participantMember  Y        Y        .         .
    external           .        Y        .         .
    outsider           .        .        Y         Y`;

  it("agrees with the table for every person, room and visibility", async () => {
    const [header, ...rows] = TABLE.trim().split("\n").map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(Object.keys(people).length);
    for (const [who, ...cells] of rows) {
      for (const [i, column] of header!.slice(1).entries()) {
        const [room, visibility] = column.split(":");
        const id = room === "room" ? roomId : otherOrgRoomId;
        const shared = visibility === "shr" ? sql`true` : sql`false`;
        const [row] = await sql<{ readable: boolean }[]>`
          select ${readableWhere(sql, { user: "q.user_id", room: "q.room_id" }, shared)} as readable
          from (select ${people[who as keyof typeof people].userId}::uuid as user_id, ${id}::uuid as room_id) q`;
        expect([who, column, row!.readable]).toEqual([who, column, cells[i] === "Y"]);
      }
    }
  });

  it("an external participant who is also an admin of the organization reads by their side (policy.ts: effectiveSide)", async () => {
    await sql`insert into memberships (organization_id, user_id, role)
      select organization_id, ${people.external.userId}, 'admin' from rooms where id = ${roomId}`;
    try {
      const [row] = await sql<{ readable: boolean }[]>`
        select ${readableWhere(sql, { user: "q.user_id", room: "q.room_id" }, sql`false`)} as readable
        from (select ${people.external.userId}::uuid as user_id, ${roomId}::uuid as room_id) q`;
      expect(row!.readable).toBe(false);
    } finally {
      await sql`delete from memberships where user_id = ${people.external.userId}`;
    }
  });
});
