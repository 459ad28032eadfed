-- A camera the duty officer silenced for a while (a device that keeps raising false alarms, works on site):
-- its alerts are still stored, each dismissed as it arrives, and say so.
CREATE TABLE camera_mutes (
    camera_id TEXT PRIMARY KEY,
    until     BIGINT NOT NULL,
    muted_by  TEXT NOT NULL,
    reason    TEXT NOT NULL,
    muted_at  BIGINT NOT NULL
);
