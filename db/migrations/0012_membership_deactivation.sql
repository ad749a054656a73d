-- Deactivation belongs to an organization, not to the account (docs/decisions/014-*): an
-- organization's admin takes the person out of that organization and its rooms, and nothing
-- else. Until now deactivation was account-wide; every membership of an account deactivated
-- that way counts as deactivated. users.deactivated_at stays as the account-wide lock those
-- accounts still carry (nothing sets it any more; reactivating the member clears it).
alter table memberships add column deactivated_at timestamptz;
update memberships m set deactivated_at = u.deactivated_at
  from users u where u.id = m.user_id and u.deactivated_at is not null;
