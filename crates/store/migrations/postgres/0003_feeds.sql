-- Live feeds over MQTT: camera alerts, the idempotency ledger, the quarantine, NVR availability.

-- One row per logical alert: a Frigate tracked object from new to end, or one native alert.
CREATE TABLE camera_alerts (
    id           BIGSERIAL PRIMARY KEY,
    alert_key    TEXT NOT NULL UNIQUE,
    source       TEXT NOT NULL,
    nvr          TEXT NOT NULL,
    camera_name  TEXT NOT NULL,
    -- NULL when the NVR's camera name is not a known RedGrid camera: kept and flagged, never dropped.
    camera_id    TEXT REFERENCES cameras(id),
    grid_code    TEXT,
    kind         TEXT NOT NULL,
    label        TEXT NOT NULL,
    priority     INTEGER NOT NULL,
    confidence   DOUBLE PRECISION,
    first_at     BIGINT NOT NULL,
    last_at      BIGINT NOT NULL,
    ended        INTEGER NOT NULL DEFAULT 0,
    updates      BIGINT NOT NULL DEFAULT 1,
    snapshot     TEXT,
    detail       TEXT NOT NULL,
    -- A face or licence-plate result from the NVR, as JSON.
    recognition  TEXT,
    status       TEXT NOT NULL DEFAULT 'new',
    event_id     BIGINT,
    triaged_by   TEXT,
    triaged_at   BIGINT,
    received_at  BIGINT NOT NULL
);
CREATE INDEX camera_alerts_new ON camera_alerts(priority, last_at) WHERE status = 'new';
CREATE INDEX camera_alerts_camera ON camera_alerts(camera_name, kind, last_at);

-- Every inbound message's natural key, written in the same transaction as its effect: a redelivery finds
-- its key here and changes nothing.
CREATE TABLE inbound_messages (
    natural_key TEXT PRIMARY KEY,
    topic       TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE quarantine (
    id          BIGSERIAL PRIMARY KEY,
    topic       TEXT NOT NULL,
    payload     BYTEA NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

CREATE TABLE nvrs (
    name       TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    changed_at BIGINT NOT NULL
);
