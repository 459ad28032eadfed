-- The quarantine keeps the first 4 KiB of a message, its whole length and its SHA-256: enough to recognise
-- and report it, without a flood of large messages filling the disk.
ALTER TABLE quarantine ADD COLUMN payload_len BIGINT;
ALTER TABLE quarantine ADD COLUMN payload_sha256 TEXT;
