-- Issue 18 (decision 021): team selling. Each internal participant of a room may play a
-- deal-team role there (field notes 001: the sales person, the design consultant who works out
-- the solution, the financial expert who estimates the cost, the sales manager who sets the
-- strategy, the sales enabler who supports another member's sale). An organization may choose to
-- credit a won room to its deal team as well as to its owner; a target may name the role it is for.
alter table participants
  add column deal_role text check (deal_role in ('sales_person', 'design_consultant', 'financial_expert', 'sales_manager', 'sales_enabler')),
  add constraint participants_deal_role_internal check (deal_role is null or side = 'internal');

alter table organizations add column credit_deal_team boolean not null default false;

alter table targets
  add column deal_role text check (deal_role in ('sales_person', 'design_consultant', 'financial_expert', 'sales_manager', 'sales_enabler'));
-- One target per member, period, kind, currency and role: setting it again replaces the amount.
drop index targets_one_key;
create unique index targets_one_key on targets (organization_id, user_id, period_start, period_end, kind, coalesce(currency, ''), coalesce(deal_role, ''));

-- Decision 022: finished webhook deliveries (delivered, or given up) are pruned after a retention
-- (server/webhooks/webhooks.ts, the "webhook-prune" job), each webhook keeping its latest attempt
-- for Settings' "last delivery". These indexes find the old ones and each webhook's latest.
create index webhook_deliveries_done_idx on webhook_deliveries ((coalesce(delivered_at, gave_up_at)))
  where delivered_at is not null or gave_up_at is not null;
create index webhook_deliveries_last_idx on webhook_deliveries (webhook_id, last_attempt_at desc) where attempts > 0;
