-- The sales process: each organization's stages (with hand-off forms), every move of a room
-- through them, hand-offs with the page versions they froze, and the delivery team.

-- An organization's sales cycle, materialised from the default on first use (server/sales/stages.ts).
create table stages (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null check (length(name) between 1 and 60 and name = btrim(name)),
  position integer not null check (position >= 0),
  -- Entering this stage hands the room off (freezes page versions, grants the delivery team).
  handoff boolean not null default false,
  -- Fields filled when a room leaves this stage forward: [{ key, label, type, required, options? }].
  form jsonb not null default '[]' check (jsonb_typeof(form) = 'array'),
  form_visibility text not null default 'internal' check (form_visibility in ('internal', 'shared')),
  created_at timestamptz not null default now()
);
-- Names are unique per organization whatever their case; also what makes materialising race-safe.
create unique index stages_org_name_key on stages (organization_id, lower(name));
create index stages_org_position_idx on stages (organization_id, position);

-- One row per move, close or reopen. Stage names are kept as they were; the ids follow renames.
create table stage_moves (
  id uuid primary key default gen_random_uuid(),
  seq bigint generated always as identity unique,
  room_id uuid not null references rooms (id) on delete cascade,
  kind text not null check (kind in ('move', 'close', 'reopen')),
  from_stage_id uuid references stages (id) on delete set null,
  from_stage text not null,
  to_stage_id uuid references stages (id) on delete set null,
  to_stage text not null,
  -- The room's status after this row.
  status text not null check (status in ('open', 'won', 'lost')),
  reason text check (length(reason) <= 2000),
  -- The form definition and values filled when leaving from_stage: { fields, values }.
  form jsonb,
  form_visibility text not null default 'internal' check (form_visibility in ('internal', 'shared')),
  moved_by uuid references users (id),
  moved_at timestamptz not null default now()
);
create index stage_moves_room_idx on stage_moves (room_id, seq);

create table handoffs (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  trigger text not null check (trigger in ('stage', 'won')),
  stage_move_id uuid references stage_moves (id) on delete set null,
  made_by uuid not null references users (id),
  made_at timestamptz not null default now()
);
create index handoffs_room_idx on handoffs (room_id, made_at desc);

-- Each live page at the version the hand-off froze.
create table handoff_pages (
  handoff_id uuid not null references handoffs (id) on delete cascade,
  page_id uuid not null references pages (id) on delete cascade,
  version_number integer not null,
  primary key (handoff_id, page_id),
  foreign key (page_id, version_number) references page_versions (page_id, number)
);

alter table memberships add column delivery_team boolean not null default false;

-- Why the room was closed (required when lost); cleared on reopen.
alter table rooms add column close_reason text check (length(close_reason) <= 2000);
