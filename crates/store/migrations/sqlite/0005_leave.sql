-- Days a worker cannot work (sick leave, leave), recorded when a re-plan for them is accepted. Every later
-- roster model reads them: the day is a day off, and `credit_minutes` (the length of the shift the worker
-- lost that day) counts towards their contracted hours, so the roster that covered for them still keeps
-- every rule when it is read back.
CREATE TABLE worker_leave (
    worker_id      TEXT NOT NULL,
    day            TEXT NOT NULL,
    credit_minutes BIGINT NOT NULL DEFAULT 0,
    reason         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (worker_id, day)
);
CREATE INDEX worker_leave_day ON worker_leave(day);
