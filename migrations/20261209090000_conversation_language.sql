-- The customer's language (issue 22): what their widget speaks (en, es, fr, de, pt-BR, ar), told in
-- the hello frame. NULL until a widget says it (older widgets, API-made conversations): the admins'
-- default language then.
ALTER TABLE conversations ADD COLUMN language TEXT;
