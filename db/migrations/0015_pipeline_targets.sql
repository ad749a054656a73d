-- Issue 18 (decision 021): targets for the members of an organization's deal teams, per period:
-- a value in one currency (minor units) or a number of wins. Attainment is computed, not stored
-- (server/sales/targets.ts): the won rooms each member owns, decided within the period.
create table targets (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  period_start date not null,
  period_end date not null,
  kind text not null check (kind in ('value', 'wins')),
  currency text check (currency ~ '^[A-Z]{3}$'),
  amount bigint not null check (amount >= 1),
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (period_end >= period_start),
  check ((kind = 'value') = (currency is not null))
);
-- One target per member, period, kind and currency: setting it again replaces the amount.
create unique index targets_one_key on targets (organization_id, user_id, period_start, period_end, kind, coalesce(currency, ''));
create index targets_org_idx on targets (organization_id, period_start);
