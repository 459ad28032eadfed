-- Zero reports (零报告): at a response level with a cadence every village owes one report per period (from the
-- switch to that level, every N hours). One row per report as it arrived — from the grid leader's terminal or
-- recorded by the officer on the village's behalf — with the facts the station knew at that moment, so that a
-- report saying nothing is new while the loop knows otherwise is kept beside them and flagged.
CREATE TABLE zero_reports (
    id                BIGSERIAL PRIMARY KEY,
    village_code      TEXT NOT NULL,
    level_key         TEXT NOT NULL,
    period_start      BIGINT NOT NULL,
    reported_at       BIGINT NOT NULL,
    -- The terminal's own time; not trusted to place the report in a period.
    sent_at           BIGINT,
    msg_id            TEXT,
    by_id             TEXT NOT NULL,
    by_name           TEXT NOT NULL,
    channel           TEXT NOT NULL CHECK (channel IN ('terminal', 'phone', 'in_person', 'radio')),
    new_events        BIGINT NOT NULL,
    open_events       BIGINT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    -- What the station knew when the report arrived.
    facts_since       BIGINT NOT NULL,
    facts_new         BIGINT NOT NULL,
    facts_open        BIGINT NOT NULL,
    facts_alerts      BIGINT NOT NULL,
    facts_offline     BIGINT NOT NULL,
    contradicted      INTEGER NOT NULL DEFAULT 0
);
-- The board's question: each village's latest report.
CREATE INDEX zero_reports_village ON zero_reports (village_code, id);

-- A missing village's grid leaders are reminded once per missed period, whichever station's watchdog sees it
-- first: the key refuses a second reminder.
CREATE TABLE zero_report_reminders (
    village_code TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    reminded_at  BIGINT NOT NULL,
    -- The grid leaders reminded, comma-separated (empty when the village has none).
    workers      TEXT NOT NULL,
    PRIMARY KEY (village_code, period_start)
);
