-- Comments anchored to text (docs/decisions/028-comments-anchored-to-text.md): where in a page a
-- thread was started, as two encoded Yjs relative positions. Kept with the thread, never in the
-- page's document, so an internal comment's anchor reaches exactly the thread's readers.

create table thread_anchors (
  thread_id uuid primary key references threads (id) on delete cascade,
  page_id uuid not null references pages (id) on delete cascade,
  -- Y.encodeRelativePosition of the range's start and end.
  anchor_from bytea not null check (octet_length(anchor_from) between 1 and 96),
  anchor_to bytea not null check (octet_length(anchor_to) between 1 and 96),
  -- The text that was selected, as it read then (shown once the text itself is gone).
  quote text not null check (length(quote) between 1 and 500),
  created_at timestamptz not null default now()
);
create index thread_anchors_page_idx on thread_anchors (page_id);
