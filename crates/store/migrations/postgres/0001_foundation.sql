-- RedGrid foundation schema (PostgreSQL). Instants are milliseconds since the Unix epoch (UTC), so that both
-- backends store and sort them the same way.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE grid_levels (
    depth    INTEGER PRIMARY KEY,
    key      TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    code_len INTEGER NOT NULL
);

CREATE TABLE grids (
    code         TEXT PRIMARY KEY,
    parent_code  TEXT REFERENCES grids(code),
    depth        INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    village_code TEXT,
    lon          DOUBLE PRECISION,
    lat          DOUBLE PRECISION,
    -- The boundary as a GeoJSON geometry (Polygon or MultiPolygon), WGS-84.
    boundary     TEXT
);
CREATE INDEX grids_parent ON grids(parent_code);
CREATE INDEX grids_village ON grids(village_code);

CREATE TABLE households (
    id        TEXT PRIMARY KEY,
    grid_code TEXT NOT NULL REFERENCES grids(code),
    address   TEXT NOT NULL,
    head_name TEXT NOT NULL
);
CREATE INDEX households_grid ON households(grid_code);

CREATE TABLE residents (
    id_number    TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    grid_code    TEXT NOT NULL REFERENCES grids(code),
    phone        TEXT NOT NULL,
    care_tags    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX residents_grid ON residents(grid_code);

CREATE TABLE key_places (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    grid_code     TEXT NOT NULL REFERENCES grids(code),
    address       TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    lat           DOUBLE PRECISION NOT NULL
);
CREATE INDEX key_places_grid ON key_places(grid_code);

CREATE TABLE workers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL,
    employment     TEXT NOT NULL,
    force_group    TEXT NOT NULL,
    roles          TEXT NOT NULL DEFAULT '',
    skills         TEXT NOT NULL DEFAULT '',
    grids          TEXT NOT NULL DEFAULT '',
    home_grid      TEXT NOT NULL REFERENCES grids(code),
    party_member   INTEGER NOT NULL DEFAULT 0,
    owntracks_user TEXT,
    on_duty        INTEGER NOT NULL DEFAULT 0,
    lon            DOUBLE PRECISION,
    lat            DOUBLE PRECISION,
    located_at     BIGINT
);
CREATE INDEX workers_home_grid ON workers(home_grid);

CREATE TABLE cameras (
    id        TEXT PRIMARY KEY,
    nvr_name  TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    grid_code TEXT NOT NULL REFERENCES grids(code),
    lon       DOUBLE PRECISION NOT NULL,
    lat       DOUBLE PRECISION NOT NULL
);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'make_up')),
    name TEXT NOT NULL DEFAULT ''
);

CREATE TABLE time_limits (
    id       BIGSERIAL PRIMARY KEY,
    category TEXT,
    severity INTEGER,
    step     TEXT NOT NULL,
    minutes  BIGINT NOT NULL,
    basis    TEXT NOT NULL
);

CREATE TABLE events (
    id            BIGSERIAL PRIMARY KEY,
    version       BIGINT NOT NULL,
    status        TEXT NOT NULL,
    is_open       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    category      TEXT NOT NULL,
    severity      INTEGER NOT NULL,
    source        TEXT NOT NULL,
    grid_code     TEXT NOT NULL REFERENCES grids(code),
    village_code  TEXT NOT NULL,
    lon           DOUBLE PRECISION,
    lat           DOUBLE PRECISION,
    address       TEXT NOT NULL,
    reporter      TEXT NOT NULL,
    drill         INTEGER NOT NULL,
    reported_at   BIGINT NOT NULL,
    due_at        BIGINT,
    -- due_at, or far in the future when no clock runs: the queue sorts on it through an index.
    urgency_at    BIGINT NOT NULL,
    accepted_at   BIGINT,
    dispatched_at BIGINT,
    handled_at    BIGINT,
    verified_at   BIGINT,
    closed_at     BIGINT,
    on_time_steps BIGINT NOT NULL DEFAULT 0,
    late_steps    BIGINT NOT NULL DEFAULT 0,
    outcome       TEXT,
    evaluation    TEXT,
    merged_into   BIGINT,
    reminders     BIGINT NOT NULL DEFAULT 0,
    supervisions  BIGINT NOT NULL DEFAULT 0,
    send_backs    BIGINT NOT NULL DEFAULT 0,
    -- The step clock, tasks and pending request, as JSON owned by the store's event codec.
    detail        TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    TEXT NOT NULL
);
-- The queue: real work and drill work apart, so that a page and its count read only the index.
CREATE INDEX events_queue ON events(urgency_at, id) WHERE is_open = 1 AND drill = 0;
CREATE INDEX events_queue_village ON events(village_code, urgency_at, id) WHERE is_open = 1 AND drill = 0;
CREATE INDEX events_queue_drill ON events(urgency_at, id) WHERE is_open = 1 AND drill = 1;
-- Statistics read a month of events from this index alone.
CREATE INDEX events_stats ON events(reported_at, drill, status, category, grid_code, on_time_steps, late_steps, outcome);

-- Append-only: nothing in the program updates or deletes these rows. Each row carries the hash of the one
-- before it; chain_head keeps the count and newest hash so that cutting off the newest rows is caught too.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    role        TEXT NOT NULL,
    station     TEXT NOT NULL,
    event_id    BIGINT,
    command     TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_event ON audit_log(event_id, seq);

CREATE TABLE chain_head (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    audit_count BIGINT NOT NULL,
    audit_hash  TEXT NOT NULL,
    feed_seq    BIGINT NOT NULL
);
INSERT INTO chain_head (id, audit_count, audit_hash, feed_seq)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);

CREATE TABLE change_feed (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    change    TEXT NOT NULL,
    version   BIGINT NOT NULL
);
