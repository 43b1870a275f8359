-- Every entity carries a version: 1 when written, bumped by each update, so editors can
-- detect that someone else changed what they read.
ALTER TABLE documents ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE countries ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE cities ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE lists ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE achievements ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE statistics ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
