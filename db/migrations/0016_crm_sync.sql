-- Issue 18, "The CRM kept in step" (decision 022): rooms carry the CRM's opportunity id, and an
-- organization's webhooks with their delivery outbox (server/webhooks/*).
alter table rooms add column external_id text check (external_id ~ '^[A-Za-z0-9._:-]{1,128}$');
create unique index rooms_external_id_key on rooms (organization_id, external_id) where external_id is not null;

create table webhooks (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  url text not null check (length(url) between 1 and 2000),
  events text[] not null,
  secret text not null,
  created_by uuid references users (id),
  created_at timestamptz not null default now()
);
create index webhooks_org_idx on webhooks (organization_id);

-- The outbox: one row per (webhook, event), enqueued in the transaction that records the event
-- (server/services/activity.ts), delivered by the "webhooks" job (server/jobs.ts).
create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  webhook_id uuid not null references webhooks (id) on delete cascade,
  event text not null,
  body text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz default now(),
  last_status integer,
  last_error text,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  gave_up_at timestamptz,
  created_at timestamptz not null default now()
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where delivered_at is null and gave_up_at is null;
create index webhook_deliveries_hook_idx on webhook_deliveries (webhook_id, created_at desc);
