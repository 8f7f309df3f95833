-- The short AI summary shown at the top of a handoff card: the built-in one when the card is
-- posted, replaced by the AI provider's when it is ready. Kept so every later rewrite of the card
-- (claim, resolve, nudges, after a restart) shows it too.
ALTER TABLE slack_threads ADD COLUMN summary TEXT;
