-- Web Push. The server's VAPID key pair, made on first start and kept here (one row): the
-- browsers' subscriptions are bound to its public key, so it must outlive restarts.
CREATE TABLE vapid_key (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    private_key  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Each device's push subscription, per account: where to send (the push service's URL) and
-- the keys to encrypt for it. An endpoint that answers 404 or 410 is gone and is deleted.
CREATE TABLE push_subscriptions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint    TEXT    NOT NULL UNIQUE,
    p256dh      TEXT    NOT NULL,
    auth        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);
