-- Usernames of deleted accounts, not given to anyone else until `until`, so nobody can take a
-- departed person's name while others still remember it.
CREATE TABLE retired_usernames (
    username TEXT    PRIMARY KEY,
    until    INTEGER NOT NULL
);
