-- A private room's name (its address, /r/<name>) is made up by the server from now on, and
-- the name its creator chose becomes its title. Room names are unique, so a chosen name used
-- as the address would tell anyone trying to create a room of that name that a private one
-- exists. NULL: the title is the name (public rooms, and private rooms made before this).
ALTER TABLE rooms ADD COLUMN title TEXT;
