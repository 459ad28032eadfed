-- Who holds each station's seat and since when: the shift survives a restart of the console, and a
-- sign-in by the same officer carries on the shift instead of starting a new one.
CREATE TABLE station_seats (
    station          TEXT PRIMARY KEY,
    account          TEXT NOT NULL,
    shift_started_at BIGINT NOT NULL,
    handover_id      BIGINT
);

-- Every handover with what the outgoing officer wrote, so the incoming one is shown it.
CREATE TABLE handovers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    station      TEXT NOT NULL,
    from_account TEXT NOT NULL,
    from_name    TEXT NOT NULL,
    to_account   TEXT NOT NULL,
    to_name      TEXT NOT NULL,
    at           BIGINT NOT NULL,
    note         TEXT NOT NULL,
    figures      TEXT NOT NULL
);
CREATE INDEX handovers_station ON handovers(station, at);
