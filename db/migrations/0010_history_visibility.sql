-- History across visibility changes (docs/decisions/012-history-visibility.md): what was written
-- while an item was internal stays internal after it is shared. Every page version and file
-- version records the visibility it was made under; external readers see only shared ones
-- (server/access historyVisibleWhere).
--
-- page_versions.visibility: the page's visibility when the version was made (under the page row's lock).
-- file_versions.uploaded_visibility: the file's visibility when the version was uploaded; its
--   original name is shown to external readers only when this is shared.
-- file_versions.visibility: who may read the version: shared when it was uploaded while the file
--   was shared, or when it was the file's current version at a moment the file was made shared
--   (sharing a file shares its current content). Only ever moves from internal to shared.
-- Unknown is internal: a row written without saying is hidden from external readers.

alter table page_versions
  add column visibility text not null default 'internal' check (visibility in ('internal', 'shared'));
alter table file_versions
  add column uploaded_visibility text not null default 'internal' check (uploaded_visibility in ('internal', 'shared')),
  add column visibility text not null default 'internal' check (visibility in ('internal', 'shared'));

-- A version's content is read from the live document before the page row is locked (see
-- server/wiki/versions.ts makeVersion). visibility_epoch counts the page's visibility changes,
-- so a version whose reading overlapped a change is recorded internal, never shared with
-- content read while the page was internal. Kept by a trigger, whoever changes the visibility.
alter table pages add column visibility_epoch integer not null default 0;

create function pages_count_visibility_changes() returns trigger language plpgsql as $$
begin
  if new.visibility is distinct from old.visibility then
    new.visibility_epoch := old.visibility_epoch + 1;
  end if;
  return new;
end $$;

create trigger pages_visibility_epoch before update of visibility on pages
  for each row execute function pages_count_visibility_changes();

-- Sharing a file shares its current content: when a file goes from internal to shared, its
-- latest version becomes readable by the buyer's side (the versions before it stay internal).
-- A trigger, so it holds whoever changes the visibility; the file row is locked by the update,
-- and an upload holds the same lock, so no newer version can slip in between.
create function files_share_current_version() returns trigger language plpgsql as $$
begin
  if old.visibility = 'internal' and new.visibility = 'shared' then
    update file_versions set visibility = 'shared'
    where file_id = new.id and number = (select max(number) from file_versions where file_id = new.id);
  end if;
  return null;
end $$;

create trigger files_share_current_version after update of visibility on files
  for each row execute function files_share_current_version();

-- Existing rows, from the activity log: a visibility change is recorded in its own transaction
-- with the new visibility. An item's visibility at time t is that of its last change at or
-- before t; before its first change, the opposite of what that change set; with no change at
-- all, its visibility now.
create temporary table visibility_changes on commit drop as
  select object_type, object_id, visibility, at, id
  from activities
  where type in ('page.visibility_changed', 'file.visibility_changed') and object_id is not null;
create index on visibility_changes (object_type, object_id, at);

update page_versions v set visibility = coalesce(
  (select c.visibility from visibility_changes c
   where c.object_type = 'page' and c.object_id = v.page_id::text and c.at <= v.created_at
   order by c.at desc, c.id desc limit 1),
  (select case c.visibility when 'shared' then 'internal' else 'shared' end from visibility_changes c
   where c.object_type = 'page' and c.object_id = v.page_id::text and c.at > v.created_at
   order by c.at, c.id limit 1),
  (select p.visibility from pages p where p.id = v.page_id));

update file_versions v set uploaded_visibility = coalesce(
  (select c.visibility from visibility_changes c
   where c.object_type = 'file' and c.object_id = v.file_id::text and c.at <= v.created_at
   order by c.at desc, c.id desc limit 1),
  (select case c.visibility when 'shared' then 'internal' else 'shared' end from visibility_changes c
   where c.object_type = 'file' and c.object_id = v.file_id::text and c.at > v.created_at
   order by c.at, c.id limit 1),
  (select f.visibility from files f where f.id = v.file_id));

update file_versions v set visibility = 'shared'
where v.uploaded_visibility = 'shared'
  -- the current version at a moment the file was made shared
  or exists (
    select 1 from visibility_changes c
    where c.object_type = 'file' and c.object_id = v.file_id::text and c.visibility = 'shared'
      and v.number = (select max(w.number) from file_versions w where w.file_id = v.file_id and w.created_at <= c.at))
  -- the current version of a file that is shared now
  or (v.number = (select max(w.number) from file_versions w where w.file_id = v.file_id)
      and (select f.visibility from files f where f.id = v.file_id) = 'shared');
