-- Credentials in e-mail are readable by their recipient only (docs/access.md, "Credentials"):
-- next to the whole text the outbox keeps the text with every credential replaced, and shows
-- that one to anybody else. Mail written before this has its sign-in and invitation links
-- (the only credentials any e-mail carried) replaced here.
alter table mail_outbox add column redacted_text text;
update mail_outbox set redacted_text = regexp_replace(
  regexp_replace(text, '\S*/sign-in/[a-z2-7]{32}', '[sign-in link: only its recipient can see it]', 'g'),
  '\S*/invite/[a-z2-7]{32}', '[invitation link: only its recipient can see it]', 'g');
alter table mail_outbox alter column redacted_text set not null;
