-- Mentions in wiki pages (docs/decisions/026-editor-images-mentions.md): a person mentioned in a
-- page gets one unread notification for it at a time, however often the page mentions them
-- again before they read it (undo and redo, a second mention, several processes racing).
create unique index notifications_unread_page_mention_idx on notifications (user_id, object_id)
  where kind = 'mention' and object_type = 'page' and read_at is null;
