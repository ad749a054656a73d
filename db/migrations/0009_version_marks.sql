-- The quiet-period version mark moves off the pages row into a narrow table of its own.
-- Every log append moves it; on pages, each move rewrote a wide row (derived text and HTML,
-- the generated search vector and its GIN index) and waited on that row's content writes,
-- which showed as 40 ms stalls in the time to durable (docs/performance.md).
create table page_version_marks (
  page_id uuid primary key references pages (id) on delete cascade,
  -- When the quiet-period version is due (null: none due).
  due_at timestamptz,
  -- Who edited since the last version.
  pending_authors uuid[] not null default '{}'
);
create index page_version_marks_due_idx on page_version_marks (due_at) where due_at is not null;

insert into page_version_marks (page_id, due_at, pending_authors)
select id, version_due_at, pending_authors from pages
where version_due_at is not null or pending_authors <> '{}';

drop index pages_version_due_idx;
alter table pages drop column version_due_at, drop column pending_authors;
