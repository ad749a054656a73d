-- Issue 18, decision 027: the event-based forecast (Integrated Sales Management). Each
-- organization defines buying statuses (events the buyer completes) and sales statuses (events
-- the seller completes), and two matrices indexed [buying completed][sales completed]: the
-- probability of close (0..1) and the days until close. Rooms record which statuses are
-- completed; a buying status may be tied, per room, to a plan step whose completion completes it.
create table forecast_statuses (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  kind text not null check (kind in ('buying', 'sales')),
  label text not null check (char_length(label) between 1 and 120),
  position int not null,
  created_at timestamptz not null default now()
);
create index forecast_statuses_org_idx on forecast_statuses (organization_id, kind, position);

create table forecast_matrices (
  organization_id uuid primary key references organizations (id) on delete cascade,
  -- (buying + 1) rows × (sales + 1) columns; checked by server/sales/forecast.ts.
  probability jsonb not null,
  days jsonb not null,
  updated_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now()
);

create table room_forecast_statuses (
  room_id uuid not null references rooms (id) on delete cascade,
  status_id uuid not null references forecast_statuses (id) on delete cascade,
  completed boolean not null default false,
  plan_step_id uuid references plan_steps (id) on delete set null,
  updated_by uuid references users (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (room_id, status_id)
);
