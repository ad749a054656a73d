-- Foundation: organizations, people, sessions, rooms, participants, invitations, activity.

create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and length(email) <= 254),
  name text not null check (length(name) between 1 and 200),
  password_hash text,
  created_at timestamptz not null default now(),
  deactivated_at timestamptz
);
create unique index users_email_key on users (email);

create table memberships (
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
create index memberships_user_idx on memberships (user_id);

-- Sessions per the Lucia guide: the id is the SHA-256 of the token; the token itself is never stored.
create table sessions (
  id text primary key,
  user_id uuid not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  kind text not null check (kind in ('cookie', 'bearer')),
  ip text,
  user_agent text
);
create index sessions_user_idx on sessions (user_id);

create table rooms (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  account text not null check (length(account) between 1 and 200),
  value_amount bigint check (value_amount >= 0),
  value_currency text check (value_currency ~ '^[A-Z]{3}$'),
  stage text not null,
  status text not null default 'open' check (status in ('open', 'won', 'lost')),
  expected_close_date date,
  description text not null default '',
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((value_amount is null) = (value_currency is null))
);
create index rooms_org_idx on rooms (organization_id);

create table participants (
  room_id uuid not null references rooms (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  side text not null check (side in ('internal', 'external')),
  role text not null check (role in ('owner', 'editor', 'commenter', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (room_id, user_id),
  check (role <> 'owner' or side = 'internal')
);
create index participants_user_idx on participants (user_id);
-- Exactly one owner per room.
create unique index participants_one_owner on participants (room_id) where role = 'owner';

create table invitations (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  email text not null check (email = lower(email)),
  side text not null check (side in ('internal', 'external')),
  role text not null check (role in ('editor', 'commenter', 'viewer')),
  token_hash text not null unique,
  expires_at timestamptz not null,
  created_by uuid not null references users (id),
  created_at timestamptz not null default now(),
  accepted_at timestamptz,
  accepted_by uuid references users (id),
  revoked_at timestamptz
);
create index invitations_room_idx on invitations (room_id);

-- The room's event log: activity feed, unread counts and audit trail.
create table activities (
  id bigint generated always as identity primary key,
  room_id uuid references rooms (id) on delete cascade,
  organization_id uuid references organizations (id) on delete cascade,
  actor_id uuid references users (id),
  type text not null,
  object_type text,
  object_id text,
  visibility text not null default 'internal' check (visibility in ('internal', 'shared')),
  data jsonb not null default '{}',
  ip text,
  at timestamptz not null default now()
);
create index activities_room_idx on activities (room_id, id desc);
