-- Room templates of an organization: a named set of pages (their tree, titles, visibility and
-- Markdown) that a new room of the organization can start with. Built-in templates live in code
-- (server/services/room-templates.ts); these are the ones an organization saved from its rooms.
-- See docs/decisions/020-room-templates.md.

create table room_templates (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references organizations (id) on delete cascade,
  name text not null check (length(name) between 1 and 100 and name = btrim(name)),
  -- Where it was saved from, for the audit trail; the template stands on its own.
  source_room_id uuid references rooms (id) on delete set null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now()
);
-- One name per organization, whatever its case: the new-room form lists templates by name.
create unique index room_templates_name_key on room_templates (organization_id, lower(name));
create index room_templates_organization_idx on room_templates (organization_id, created_at);

-- The pages in tree order: a page's parent comes before it (parent_position < position).
create table room_template_pages (
  template_id uuid not null references room_templates (id) on delete cascade,
  position integer not null check (position between 0 and 49),
  parent_position integer,
  title text not null check (length(title) between 1 and 200),
  visibility text not null check (visibility in ('internal', 'shared')),
  markdown text not null check (octet_length(markdown) <= 1048576),
  primary key (template_id, position),
  check (parent_position is null or parent_position < position),
  foreign key (template_id, parent_position) references room_template_pages (template_id, position) on delete cascade
);
