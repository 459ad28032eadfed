-- Rosters of grid workers (SQLite). A roster is planned once and never edited: a re-plan is a new roster, and
-- the roster in force for a day is the newest one covering it. Days are local dates (Asia/Shanghai) as
-- 'YYYY-MM-DD', which sort and compare as text; instants are UTC milliseconds.

CREATE TABLE rosters (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    mode            TEXT NOT NULL CHECK (mode IN ('peacetime', 'wartime')),
    first_day       TEXT NOT NULL,
    -- first_day + days - 1, kept so that "the roster covering a day" is one indexed range test.
    last_day        TEXT NOT NULL,
    days            BIGINT NOT NULL,
    objective       BIGINT NOT NULL,
    hard_violations BIGINT NOT NULL,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rosters_span ON rosters(first_day, last_day);

-- The shift types as they were when the roster was planned, so that "on shift" never depends on code
-- that may have changed since.
CREATE TABLE roster_shift_types (
    roster_id      BIGINT NOT NULL REFERENCES rosters(id),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    -- Minutes after local midnight of the day the shift is worked on; a night shift runs past midnight.
    start_minute   BIGINT NOT NULL,
    length_minutes BIGINT NOT NULL,
    PRIMARY KEY (roster_id, code)
);

-- One row per worked shift; a day off has no row.
CREATE TABLE roster_assignments (
    roster_id  BIGINT NOT NULL REFERENCES rosters(id),
    worker_id  TEXT NOT NULL REFERENCES workers(id),
    day        TEXT NOT NULL,
    shift_code TEXT NOT NULL,
    -- Where the shift is worked: the township grid for centre duty, the worker's village otherwise.
    area       TEXT NOT NULL,
    PRIMARY KEY (roster_id, worker_id, day),
    FOREIGN KEY (roster_id, shift_code) REFERENCES roster_shift_types(roster_id, code)
);
CREATE INDEX roster_assignments_worker ON roster_assignments(worker_id, day, roster_id);
CREATE INDEX roster_assignments_day ON roster_assignments(roster_id, day);
