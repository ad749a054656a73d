-- Issue 16 (what a new user meets): invitations that can be shown again and renewed, buyer-facing
-- stage labels, room templates. See docs/decisions/018-newcomer.md.

-- The link of a pending invitation can be shown again to whoever may manage the room's invitations
-- (server/access: invitation.manage). The token is kept only while the invitation is open: accepting,
-- withdrawing or replacing it clears the column; lookups still go through token_hash.
alter table invitations add column token text check (token is null or token ~ '^[a-z2-7]{32}$');
alter table invitations add column sent_count integer not null default 0;
alter table invitations add column last_sent_at timestamptz;

-- One open invitation per address and room: inviting again renews it. Older duplicates are withdrawn.
update invitations i set revoked_at = now()
where i.accepted_at is null and i.revoked_at is null
  and exists (
    select 1 from invitations j
    where j.room_id = i.room_id and j.email = i.email and j.accepted_at is null and j.revoked_at is null
      and (j.created_at, j.id) > (i.created_at, i.id));
create unique index invitations_open_key on invitations (room_id, email) where accepted_at is null and revoked_at is null;

-- What the buyer's side sees of a stage (server/sales/buyer-stages.ts): a label of its own, or
-- null for a stage hidden from them. Several stages may share a label (one step of the journey).
alter table stages add column buyer_label text check (buyer_label is null or (length(buyer_label) between 1 and 60 and buyer_label = btrim(buyer_label)));
update stages set buyer_label = case lower(name)
  when 'prospecting' then 'Discovery'
  when 'qualifying' then 'Discovery'
  when 'pricing' then 'Evaluation'
  when 'proposing' then 'Proposal'
  when 'negotiating' then 'Contract'
  when 'closing' then 'Contract'
  when 'delivering' then 'Onboarding'
  when 'servicing' then 'Live'
end;
