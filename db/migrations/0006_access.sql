-- Access continuity and sign-in: one-time sign-in links; member deactivation is users.deactivated_at.

create table sign_in_links (
  token_hash text primary key,
  user_id uuid not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  ip text
);
create index sign_in_links_user_idx on sign_in_links (user_id);

create index activities_org_idx on activities (organization_id, id desc);
create index activities_actor_idx on activities (actor_id, id desc);
