-- A room's topic: a line under its name that its members set with `/topic` (empty: none).
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
