-- Engagement tracking (docs/decisions/025-engagement.md): active reading time, one row per
-- reader, item and day, added to by heartbeats the server has checked against the access
-- policy. Never a row per heartbeat.

create table engagement_daily (
  room_id uuid not null references rooms (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  -- What was read: a page, a file (its preview), a thread, or the room's plan (item_id = room id).
  item_type text not null check (item_type in ('page', 'file', 'thread', 'plan')),
  item_id uuid not null,
  day date not null,
  -- The reader's side when the time was spent: internal reading is kept apart from the buyer's.
  side text not null check (side in ('internal', 'external')),
  active_seconds integer not null default 0 check (active_seconds between 0 and 86400),
  last_active_at timestamptz not null,
  primary key (room_id, user_id, item_type, item_id, day)
);
create index engagement_daily_room_day_idx on engagement_daily (room_id, day);
create index engagement_daily_user_idx on engagement_daily (user_id);

-- When each person's last heartbeat was credited: what one person can add is bounded by the
-- wall-clock time since then, whatever number of tabs or clients send beats.
create table engagement_cursors (
  user_id uuid primary key references users (id) on delete cascade,
  last_beat_at timestamptz not null
);

-- Tracking can be turned off for all rooms of an organization or for one room: then nothing is
-- recorded. The "gone quiet" threshold (days without buyer activity) is an organization setting.
alter table organizations
  add column engagement_tracking boolean not null default true,
  add column quiet_after_days integer not null default 14 check (quiet_after_days between 1 and 365);
alter table rooms add column engagement_tracking boolean not null default true;

-- "Gone quiet" notices for the owner (server/engagement/quiet.ts): one per room, kind and episode.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in ('mention', 'reply', 'content', 'engagement'));
