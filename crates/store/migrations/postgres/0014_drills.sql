-- Drills a commissioner runs from a scenario (an MSEL): one row per drill with the scenario as written, and one
-- per inject with when it was planned and when it went in. Everything a drill creates carries its id.
ALTER TABLE events ADD COLUMN drill_id TEXT;

CREATE TABLE drills (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    scenario        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped', 'finished', 'archived')),
    speed           INTEGER NOT NULL,
    started_at      BIGINT NOT NULL,
    started_by_id   TEXT NOT NULL,
    started_by_name TEXT NOT NULL,
    paused_at       BIGINT,
    paused_ms       BIGINT NOT NULL DEFAULT 0,
    ended_at        BIGINT
);

CREATE TABLE drill_injects (
    drill_id          TEXT NOT NULL REFERENCES drills (id),
    seq               INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    village_code      TEXT NOT NULL,
    planned_offset_ms BIGINT NOT NULL,
    injected_at       BIGINT,
    event_id          BIGINT,
    detail            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (drill_id, seq)
);
