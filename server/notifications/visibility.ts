import type { Tx } from "../../db/client.ts";

/**
 * Activities and notifications point at objects by (object_type, object_id). An object's
 * visibility can change after the fact (a page made internal), so what an external participant
 * sees is decided by the object's visibility *now*, not only by what was recorded then.
 */

const UUID_RE = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/** `idColumn` as a uuid, or NULL when it is not one (CASE keeps the cast from ever failing). */
const uuidOf = (sql: Tx, idColumn: string) => sql`(case when ${sql(idColumn)} ~* ${UUID_RE} then ${sql(idColumn)}::uuid end)`;

/** SQL evaluating to the current visibility of the pointed-at object; NULL for objects without one (rooms, people). */
export function objectVisibility(sql: Tx, typeColumn: string, idColumn: string) {
  const id = uuidOf(sql, idColumn);
  return sql`(case ${sql(typeColumn)}
    when 'thread' then (select t.visibility from threads t where t.id = ${id})
    when 'message' then (select t.visibility from messages m join threads t on t.id = m.thread_id where m.id = ${id})
    when 'page' then (select pg.visibility from pages pg where pg.id = ${id})
    when 'file' then (select f.visibility from files f where f.id = ${id})
    when 'folder' then (select ff.visibility from file_folders ff where ff.id = ${id})
    when 'plan_step' then (select ps.visibility from plan_steps ps where ps.id = ${id})
  end)`;
}

/** The current title of the pointed-at object (thread title for messages), for feeds and notifications. */
export function objectTitle(sql: Tx, typeColumn: string, idColumn: string) {
  const id = uuidOf(sql, idColumn);
  return sql`(case ${sql(typeColumn)}
    when 'thread' then (select t.title from threads t where t.id = ${id})
    when 'message' then (select t.title from messages m join threads t on t.id = m.thread_id where m.id = ${id})
    when 'page' then (select pg.title from pages pg where pg.id = ${id})
    when 'file' then (select f.name from files f where f.id = ${id})
    when 'folder' then (select ff.name from file_folders ff where ff.id = ${id})
    when 'room' then (select r.name from rooms r where r.id = ${id})
    when 'plan_step' then (select ps.title from plan_steps ps where ps.id = ${id})
  end)`;
}

/**
 * An item recorded as `visibilityColumn` and pointing at (type, id) is shown to a reader who
 * only sees shared items when both the record and the object (if it has a visibility) are shared.
 */
export function sharedNow(sql: Tx, visibilityColumn: string, typeColumn: string, idColumn: string) {
  return sql`(${sql(visibilityColumn)} = 'shared' and coalesce(${objectVisibility(sql, typeColumn, idColumn)}, 'shared') = 'shared')`;
}
