-- Realtime wiki: pages, their Yjs update log and compacted state, versions.

create table pages (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  parent_id uuid references pages (id) on delete restrict,
  title text not null check (length(title) between 1 and 200),
  visibility text not null check (visibility in ('internal', 'shared')),
  sort_order double precision not null default 0,
  archived_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Derived from the Y document (see server/wiki); written with the state they came from.
  content_text text not null default '',
  content_html text not null default '',
  search tsvector generated always as (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content_text), 'B')
  ) stored,
  -- Quiet-period version trigger that survives restarts: who edited since the last version, and when one is due.
  version_due_at timestamptz,
  pending_authors uuid[] not null default '{}'
);
create index pages_room_idx on pages (room_id, parent_id, sort_order);
create index pages_search_idx on pages using gin (search);
create index pages_version_due_idx on pages (version_due_at) where version_due_at is not null;

-- Compacted Yjs state: every update with seq <= merged_seq is contained in `state`.
create table page_states (
  page_id uuid primary key references pages (id) on delete cascade,
  state bytea not null,
  merged_seq bigint not null default 0,
  updated_at timestamptz not null default now()
);

-- Append-only Yjs update log; a document loads as page_states.state + rows with seq > merged_seq.
create table page_updates (
  seq bigint generated always as identity,
  page_id uuid not null references pages (id) on delete cascade,
  update bytea not null,
  author_id uuid references users (id),
  created_at timestamptz not null default now(),
  primary key (page_id, seq)
);

create table page_versions (
  page_id uuid not null references pages (id) on delete cascade,
  number integer not null,
  state bytea not null,
  content_text text not null,
  content_html text not null,
  title text not null,
  label text check (length(label) <= 200),
  reason text not null check (reason in ('auto', 'manual', 'stage', 'handoff', 'restore')),
  author_ids uuid[] not null default '{}',
  created_by uuid references users (id),
  restored_from integer,
  created_at timestamptz not null default now(),
  primary key (page_id, number)
);
