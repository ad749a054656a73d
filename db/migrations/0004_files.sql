-- File library: folders, files, their versions, content-addressed blobs, and who opened what.

-- The bytes live in a content-addressed store (server/files/storage.ts) under their SHA-256.
-- A row exists only once the bytes are committed there; rows nothing refers to are swept.
create table blobs (
  sha256 text primary key check (sha256 ~ '^[0-9a-f]{64}$'),
  size bigint not null check (size >= 0),
  created_at timestamptz not null default now()
);

-- A shared folder never sits in an internal one (enforced by server/files/folders.ts), so an
-- external participant's tree has no holes.
create table file_folders (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  parent_id uuid references file_folders (id) on delete restrict,
  name text not null check (length(name) between 1 and 255),
  visibility text not null check (visibility in ('internal', 'shared')),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index file_folders_room_idx on file_folders (room_id, parent_id);

create table files (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  folder_id uuid references file_folders (id) on delete restrict,
  -- Display name, sanitized on the way in; never used to build a storage key.
  name text not null check (length(name) between 1 and 255),
  visibility text not null check (visibility in ('internal', 'shared')),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz,
  search tsvector generated always as (
    to_tsvector('simple', regexp_replace(name, '[._\-]+', ' ', 'g'))
  ) stored
);
create index files_room_idx on files (room_id, folder_id) where archived_at is null;
create index files_search_idx on files using gin (search);

create table file_versions (
  file_id uuid not null references files (id) on delete cascade,
  number integer not null check (number >= 1),
  sha256 text not null references blobs (sha256),
  size bigint not null check (size >= 0),
  -- Sniffed from the bytes at upload, never taken from the client.
  content_type text not null,
  original_name text not null,
  uploaded_by uuid references users (id),
  created_at timestamptz not null default now(),
  primary key (file_id, number)
);
create index file_versions_blob_idx on file_versions (sha256);

-- Who opened (preview) or downloaded which version, when, from where.
create table file_access (
  id bigint generated always as identity primary key,
  file_id uuid not null references files (id) on delete cascade,
  version integer not null,
  user_id uuid references users (id),
  action text not null check (action in ('opened', 'downloaded')),
  ip text,
  at timestamptz not null default now()
);
create index file_access_file_idx on file_access (file_id, id desc);
