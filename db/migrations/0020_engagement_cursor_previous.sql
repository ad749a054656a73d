-- One statement per heartbeat (docs/decisions/025-engagement.md, server/engagement/beats.ts):
-- the cursor's update keeps the beat before it, so that the statement that moves a person's
-- cursor also returns the wall-clock time since their previous beat, under the row's lock,
-- without a transaction of its own.
alter table engagement_cursors add column previous_beat_at timestamptz;
