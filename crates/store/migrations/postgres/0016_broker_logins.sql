-- Logins of the station's own broker (the station-managed Mosquitto): a worker's terminal, an NVR, a report
-- source. Only the password's hash is kept, in the form Mosquitto's password file takes, so the station can
-- write that file from here at every start and after every change. One row per username; a reissue replaces
-- the hash, and the audit log keeps the history.
CREATE TABLE broker_logins (
    username      TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('worker', 'nvr', 'source')),
    subject       TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    issued_by     TEXT NOT NULL,
    revoked_at    BIGINT,
    revoked_by    TEXT
);
