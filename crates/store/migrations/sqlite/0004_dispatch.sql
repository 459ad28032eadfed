-- Dispatch: tasks sent to worker terminals, the outbox they leave through, terminal presence.

-- Whether a worker's terminal is reachable: 'online' after any fix or message, 'offline' after its last
-- will (OwnTracks `_type: lwt`), 'unknown' before either.
ALTER TABLE workers ADD COLUMN terminal_state TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE workers ADD COLUMN terminal_seen_at BIGINT;
-- Most tasks a worker carries at once; the recommendation filters out workers at this count.
ALTER TABLE workers ADD COLUMN max_tasks BIGINT NOT NULL DEFAULT 3;

-- One row per task sent to one worker's terminal. The event keeps its own task list (the closed loop's
-- state); this table adds what the loop does not need: the acknowledgement deadline and the alert raised
-- when it passes.
CREATE TABLE dispatch_tasks (
    task_id        TEXT PRIMARY KEY,
    event_id       BIGINT NOT NULL REFERENCES events(id),
    worker_id      TEXT NOT NULL REFERENCES workers(id),
    dispatched_by  TEXT NOT NULL,
    dispatched_at  BIGINT NOT NULL,
    ack_due_at     BIGINT NOT NULL,
    acked_at       BIGINT,
    arrived_at     BIGINT,
    done_at        BIGINT,
    -- Set when the event left the dispatched step without this worker finishing (send-back, close, void).
    cancelled_at   BIGINT,
    no_ack_at      BIGINT,
    -- The officer's choice when it was not the recommendation's first: JSON {recommended, reason}.
    override_note  TEXT
);
CREATE INDEX dispatch_tasks_event ON dispatch_tasks(event_id);
CREATE INDEX dispatch_tasks_worker_open ON dispatch_tasks(worker_id) WHERE done_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX dispatch_tasks_waiting ON dispatch_tasks(ack_due_at)
    WHERE acked_at IS NULL AND cancelled_at IS NULL AND no_ack_at IS NULL;

-- Messages to publish, written in the same transaction as the change that causes them (the outbox
-- pattern): a crash after commit publishes them on restart, a rollback never publishes them. Each row is
-- published by the station that wrote it, so stations sharing a database never publish a row twice.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    station      TEXT NOT NULL,
    topic        TEXT NOT NULL,
    payload      BLOB NOT NULL,
    retained     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX outbox_pending ON outbox(station, id) WHERE published_at IS NULL;

-- The deadline an overdue (or due-soon) alert was last raised for: each deadline alerts once, on whichever
-- station notices first, and a new deadline (after an extension or the next step) alerts again.
ALTER TABLE events ADD COLUMN overdue_alerted_due BIGINT;
ALTER TABLE events ADD COLUMN due_soon_alerted_due BIGINT;
