//! Size limits, checked before anything is stored: a payload or field beyond them is refused with
//! `too_large` / `too_long`, so one bad sender cannot fill the store or the officer's screen.

/// Largest payload decoded; checked before anything else. Frigate events are about 2 KiB; the largest
/// native message (a report with long text and 16 photo references) stays under 40 KiB.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Identifiers: alert, message, task, event, report, worker, station, camera and Frigate object ids.
pub const MAX_ID_CHARS: usize = 128;
/// Labels, kinds, categories, zone names, OwnTracks tracker ids.
pub const MAX_LABEL_CHARS: usize = 64;
/// Names: a recognised face or a known plate's name, a licence plate, a reporter.
pub const MAX_NAME_CHARS: usize = 128;
/// References: snapshot paths or URLs, photo references.
pub const MAX_REF_CHARS: usize = 1024;
/// Free text: feedback notes, report text, notices, reasons.
pub const MAX_TEXT_CHARS: usize = 4000;
/// Items in any list (zones, detections, objects, photo references).
pub const MAX_LIST_ITEMS: usize = 64;
