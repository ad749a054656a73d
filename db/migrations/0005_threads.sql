-- Discussion threads, their messages, read marks, notifications, room visits and the mail outbox.

create table threads (
  id uuid primary key default gen_random_uuid(),
  room_id uuid not null references rooms (id) on delete cascade,
  title text not null check (length(title) between 1 and 200),
  visibility text not null check (visibility in ('internal', 'shared')),
  -- The page the discussion is about; whether a reader sees the link is decided by the page's own visibility.
  page_id uuid references pages (id) on delete set null,
  created_by uuid references users (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by uuid references users (id)
);
create index threads_room_idx on threads (room_id, updated_at desc);
create index threads_page_idx on threads (page_id) where page_id is not null;

create table messages (
  id uuid primary key default gen_random_uuid(),
  -- Posting order across the whole table; read marks compare against it.
  seq bigint generated always as identity unique,
  thread_id uuid not null references threads (id) on delete cascade,
  author_id uuid references users (id),
  -- Markdown source as written, and the safe HTML rendered from it on the server (server/threads/markdown.ts).
  body text not null check (length(body) <= 10000),
  html text not null,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  search tsvector generated always as (to_tsvector('english', body)) stored
);
create index messages_thread_idx on messages (thread_id, seq);
create index messages_search_idx on messages using gin (search);

-- Participants a message mentions who could see its thread when it was written.
create table message_mentions (
  message_id uuid not null references messages (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  primary key (message_id, user_id)
);

-- Read marks: a user has read a thread up to messages.seq = last_read_seq.
create table thread_reads (
  thread_id uuid not null references threads (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  last_read_seq bigint not null default 0,
  read_at timestamptz not null default now(),
  primary key (thread_id, user_id)
);

-- The activity feed's "new since your last visit": when the user last opened the room's feed.
create table room_visits (
  room_id uuid not null references rooms (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  visited_at timestamptz not null,
  primary key (room_id, user_id)
);

-- In-app notifications. Mentions and replies are written when the message is; new content is
-- collected lazily from `activities` (see server/notifications/content.ts). Access is checked
-- again whenever a notification is read or mailed.
create table notifications (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  room_id uuid not null references rooms (id) on delete cascade,
  kind text not null check (kind in ('mention', 'reply', 'content')),
  activity_type text,
  object_type text not null,
  object_id text not null,
  thread_id uuid references threads (id) on delete cascade,
  message_id uuid references messages (id) on delete cascade,
  activity_id bigint references activities (id) on delete cascade,
  actor_id uuid references users (id),
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (user_id, activity_id),
  -- One notification per person per message: a mention outranks a reply.
  unique (user_id, message_id)
);
create index notifications_user_idx on notifications (user_id, created_at desc);

-- When each user's content notifications were last collected from `activities` (the next
-- collection looks a little further back, so a transaction committing late is not missed).
create table notification_cursors (
  user_id uuid primary key references users (id) on delete cascade,
  collected_at timestamptz not null
);

create table notification_preferences (
  user_id uuid not null references users (id) on delete cascade,
  room_id uuid not null references rooms (id) on delete cascade,
  level text not null check (level in ('everything', 'mentions', 'nothing')),
  primary key (user_id, room_id)
);

create table digest_subscriptions (
  user_id uuid primary key references users (id) on delete cascade,
  enabled boolean not null,
  last_sent_at timestamptz
);

-- Every e-mail the product sends lands here first; sent_at is set once SMTP accepted it.
create table mail_outbox (
  id uuid primary key default gen_random_uuid(),
  "to" text not null,
  subject text not null,
  text text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  error text
);
create index mail_outbox_unsent_idx on mail_outbox (created_at) where sent_at is null;
