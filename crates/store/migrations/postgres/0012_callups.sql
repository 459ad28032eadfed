-- Call-ups (叫应): responsible people are called until they answer, and a silent person's backup (the B of an
-- A/B pair, named in the worker register) is called next. One row per call-up and one per person called, with
-- the person's latest answer: a person counts once, at their latest answer.
ALTER TABLE workers ADD COLUMN backup_worker_id TEXT;

CREATE TABLE callups (
    id              TEXT PRIMARY KEY,
    started_at      BIGINT NOT NULL,
    started_by_id   TEXT NOT NULL,
    started_by_name TEXT NOT NULL,
    reason          TEXT NOT NULL,
    selection       TEXT NOT NULL,
    reply_by        BIGINT NOT NULL,
    drill_id        TEXT,
    closed_at       BIGINT
);

CREATE TABLE callup_people (
    callup_id      TEXT NOT NULL REFERENCES callups (id),
    worker_id      TEXT NOT NULL,
    village_code   TEXT NOT NULL,
    force_group    TEXT NOT NULL,
    backup_for     TEXT,
    calls          INTEGER NOT NULL,
    first_called_at BIGINT NOT NULL,
    last_called_at BIGINT NOT NULL,
    backup_called  INTEGER NOT NULL DEFAULT 0,
    state          TEXT NOT NULL CHECK (state IN ('silent', 'available', 'unavailable')),
    answered_at    BIGINT,
    channel        TEXT,
    note           TEXT NOT NULL DEFAULT '',
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    PRIMARY KEY (callup_id, worker_id)
);

-- The watchdog's question every few seconds: who is still silent in an open call-up.
CREATE INDEX callup_people_silent ON callup_people (callup_id, last_called_at) WHERE state = 'silent';
