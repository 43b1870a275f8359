-- Every write is recorded twice, in the same transaction as the write itself:
-- `changes` is the audit history (who changed which entity, when, from what to what),
-- `outbox` is what the search indexers follow: one row per write, keyed by the data
-- generation that write took, listing the index entries it affects.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    generation  INTEGER NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    operation   TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX changes_entity ON changes (entity_type, entity_id, seq);
CREATE INDEX changes_generation ON changes (generation);

CREATE TABLE outbox (
    generation INTEGER PRIMARY KEY NOT NULL,
    keys       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
