-- The graded response ladder a centre keeps (平时, 关注, Ⅳ级 … Ⅰ级 by default), lowest first; none stored means
-- the standard ladder. Each switch between levels is kept for the emergency period's record (the audit log has
-- it too, as `switch_mode`).
CREATE TABLE response_levels (
    key                TEXT PRIMARY KEY,
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    time_limit_percent INTEGER NOT NULL,
    ack_minutes        INTEGER,
    roster_profile     TEXT NOT NULL,
    leader_on_duty     INTEGER NOT NULL,
    officers           INTEGER NOT NULL,
    zero_report_hours  INTEGER,
    broadcast_text     TEXT NOT NULL,
    legacy_mode        TEXT NOT NULL
);

CREATE TABLE response_switches (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    from_level TEXT NOT NULL,
    to_level   TEXT NOT NULL,
    by_id      TEXT NOT NULL,
    by_name    TEXT NOT NULL,
    reason     TEXT NOT NULL
);
