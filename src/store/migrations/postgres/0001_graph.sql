-- The graph on PostgreSQL: the same tables as the SQLite migration, in PostgreSQL types.
-- The graph: one table per entity kind, one per many-to-many link.
-- `seq` orders entities as they were added and drives keyset pagination.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('generation', '0');

CREATE TABLE documents (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    publisher    TEXT,
    published_on TEXT,
    text         TEXT NOT NULL
);

CREATE TABLE countries (
    seq  BIGSERIAL PRIMARY KEY,
    id   TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE cities (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    country_id TEXT NOT NULL REFERENCES countries (id)
);
CREATE INDEX cities_country ON cities (country_id);

CREATE TABLE friendships (
    seq             BIGSERIAL PRIMARY KEY,
    city_a          TEXT NOT NULL REFERENCES cities (id),
    city_b          TEXT NOT NULL REFERENCES cities (id),
    source_document TEXT REFERENCES documents (id),
    source_start    BIGINT,
    source_end      BIGINT,
    UNIQUE (city_a, city_b),
    CHECK (city_a <> city_b)
);
CREATE INDEX friendships_b ON friendships (city_b);

-- Friendship is symmetric: the view serves each pair in both directions.
CREATE VIEW city_friends (city_id, friend_id, seq) AS
    SELECT city_a, city_b, seq FROM friendships
    UNION ALL
    SELECT city_b, city_a, seq FROM friendships;

CREATE TABLE organizations (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    country_id      TEXT REFERENCES countries (id),
    city_id         TEXT REFERENCES cities (id),
    founded_on      TEXT,
    source_document TEXT REFERENCES documents (id),
    source_start    BIGINT,
    source_end      BIGINT
);

CREATE TABLE events (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    start_date      TEXT,
    end_date        TEXT,
    city_id         TEXT REFERENCES cities (id),
    source_document TEXT REFERENCES documents (id),
    source_start    BIGINT,
    source_end      BIGINT
);
CREATE INDEX events_city ON events (city_id);

CREATE TABLE event_organizers (
    event_id        TEXT NOT NULL REFERENCES events (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    position        BIGINT NOT NULL,
    PRIMARY KEY (event_id, organization_id)
);
CREATE INDEX event_organizers_organization ON event_organizers (organization_id);

CREATE TABLE lists (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    city_id         TEXT NOT NULL REFERENCES cities (id),
    announced_on    TEXT,
    stages          TEXT NOT NULL,
    source_document TEXT NOT NULL REFERENCES documents (id),
    source_start    BIGINT NOT NULL,
    source_end      BIGINT NOT NULL
);

CREATE TABLE list_organizers (
    list_id         TEXT NOT NULL REFERENCES lists (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    position        BIGINT NOT NULL,
    PRIMARY KEY (list_id, organization_id)
);

CREATE TABLE achievements (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    list_id         TEXT NOT NULL REFERENCES lists (id),
    rank            BIGINT NOT NULL CHECK (rank >= 1),
    title           TEXT NOT NULL,
    category        TEXT NOT NULL,
    summary         TEXT NOT NULL,
    source_document TEXT NOT NULL REFERENCES documents (id),
    source_start    BIGINT NOT NULL,
    source_end      BIGINT NOT NULL,
    UNIQUE (list_id, rank)
);
CREATE INDEX achievements_category ON achievements (category);

CREATE TABLE achievement_cities (
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    city_id        TEXT NOT NULL REFERENCES cities (id),
    position       BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, city_id)
);
CREATE INDEX achievement_cities_city ON achievement_cities (city_id);

CREATE TABLE achievement_organizations (
    achievement_id  TEXT NOT NULL REFERENCES achievements (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    position        BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, organization_id)
);
CREATE INDEX achievement_organizations_organization ON achievement_organizations (organization_id);

CREATE TABLE achievement_events (
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    event_id       TEXT NOT NULL REFERENCES events (id),
    position       BIGINT NOT NULL,
    PRIMARY KEY (achievement_id, event_id)
);
CREATE INDEX achievement_events_event ON achievement_events (event_id);

CREATE TABLE statistics (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    label           TEXT NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    unit            TEXT NOT NULL,
    qualifier       TEXT NOT NULL,
    period          TEXT,
    subject_type    TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    source_document TEXT NOT NULL REFERENCES documents (id),
    source_start    BIGINT NOT NULL,
    source_end      BIGINT NOT NULL
);
CREATE INDEX statistics_subject ON statistics (subject_type, subject_id);
CREATE INDEX statistics_value ON statistics (value, seq);
