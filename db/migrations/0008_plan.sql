-- The mutual action plan (steps both sides work, each internal or shared) and the seller's
-- internal deal planning: the buying organization's stakeholders and the qualification checklist.
-- Stakeholders and qualification answers have no visibility column: they are internal by
-- construction (server/sales/, decision 009).

create table plan_steps (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  title text not null check (length(title) between 1 and 300),
  notes text not null default '' check (length(notes) <= 5000),
  -- A participant of the room; removing the participant leaves the step without an owner.
  owner_id uuid,
  due_date date,
  status text not null default 'open' check (status in ('open', 'done', 'blocked')),
  visibility text not null check (visibility in ('internal', 'shared')),
  position integer not null,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  foreign key (room_id, owner_id) references participants (room_id, user_id) on delete set null (owner_id),
  check ((status = 'done') = (completed_at is not null))
);
create index plan_steps_room_idx on plan_steps (room_id, position);

create table stakeholders (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  title text not null default '' check (length(title) <= 200),
  decision_role text not null default 'unknown' check (decision_role in
    ('economic_buyer', 'decision_maker', 'champion', 'technical_evaluator', 'user', 'influencer', 'blocker', 'coach', 'unknown')),
  influence text not null default 'medium' check (influence in ('low', 'medium', 'high')),
  stance text not null default 'unknown' check (stance in ('supporter', 'neutral', 'skeptic', 'opponent', 'unknown')),
  notes text not null default '' check (length(notes) <= 5000),
  -- Optionally the external participant this person is in the room.
  user_id uuid,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (room_id, user_id) references participants (room_id, user_id) on delete set null (user_id)
);
create index stakeholders_room_idx on stakeholders (room_id, created_at);

create table qualification_answers (
  room_id uuid not null references rooms (id) on delete cascade,
  item text not null check (item in
    ('identified_project', 'budget', 'compelling_event', 'decision_process', 'influencers_known', 'competition', 'required_by')),
  status text not null default 'unknown' check (status in ('unknown', 'yes', 'no')),
  note text not null default '' check (length(note) <= 2000),
  required_by date,
  updated_by uuid references users (id),
  updated_at timestamptz not null default now(),
  primary key (room_id, item),
  check (required_by is null or item = 'required_by')
);
