//! The change feed's vocabulary: which kinds of entity it names. One enum for the store that writes the
//! entries, the api and the shell that read them, `docs/ipc.md` that documents them and `ui/js/feed.js` that
//! routes them; a test checks that the two texts list exactly these.

/// What a feed entry says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedEntity {
    /// An event: a closed-loop command (its key), `no_ack`, `overdue`, `due_soon`, `contact`, `seeded`.
    Event,
    /// A camera alert: `new`, `updated`, `raised`, `dismissed`, `converted`, `attached`.
    Alert,
    /// A task sent to a terminal: `sent`, `acknowledged`, `arrived`, `done`, `cancelled`, `no_ack`.
    Task,
    /// A worker: terminal `online` / `offline`, `located`.
    Worker,
    /// A station: `online` / `offline` presence, `handover`.
    Station,
    /// A setting (the mode, the calendar, the limits): `updated`.
    Setting,
    /// The registers: `imported`, `seeded`.
    Register,
    /// The grid tree and boundaries: `imported`.
    Grid,
    /// A camera: `muted`, `unmuted`.
    Camera,
    /// A roster: `planned`.
    Roster,
    /// A message that could not be taken in: `quarantined`.
    Quarantine,
    /// An NVR's availability: `online`, `offline`, `stopped`.
    Nvr,
    /// A console account: `added`, `updated` (role, scope, active, password), `locked`.
    Account,
    /// A call-up (叫应): `started`, `answered`, `recalled`, `backup`, `closed`.
    Callup,
    /// A village's zero report (零报告), keyed by village code: `reported`, `contradicted`, `reminded`.
    ZeroReport,
    /// A drill: `started`, `paused`, `resumed`, `stopped`, `finished`, `injected` (version = the inject).
    Drill,
    /// A login of the station's broker (a terminal's, an NVR's, a report source's), keyed by username:
    /// `issued`, `revoked`.
    BrokerLogin,
}

impl FeedEntity {
    pub const ALL: [FeedEntity; 17] = [
        FeedEntity::Event,
        FeedEntity::Alert,
        FeedEntity::Task,
        FeedEntity::Worker,
        FeedEntity::Station,
        FeedEntity::Setting,
        FeedEntity::Register,
        FeedEntity::Grid,
        FeedEntity::Camera,
        FeedEntity::Roster,
        FeedEntity::Quarantine,
        FeedEntity::Nvr,
        FeedEntity::Account,
        FeedEntity::Callup,
        FeedEntity::ZeroReport,
        FeedEntity::Drill,
        FeedEntity::BrokerLogin,
    ];

    /// The word stored and sent to the window.
    pub fn key(self) -> &'static str {
        match self {
            FeedEntity::Event => "event",
            FeedEntity::Alert => "alert",
            FeedEntity::Task => "task",
            FeedEntity::Worker => "worker",
            FeedEntity::Station => "station",
            FeedEntity::Setting => "setting",
            FeedEntity::Register => "register",
            FeedEntity::Grid => "grid",
            FeedEntity::Camera => "camera",
            FeedEntity::Roster => "roster",
            FeedEntity::Quarantine => "quarantine",
            FeedEntity::Nvr => "nvr",
            FeedEntity::Account => "account",
            FeedEntity::Callup => "callup",
            FeedEntity::ZeroReport => "zero_report",
            FeedEntity::Drill => "drill",
            FeedEntity::BrokerLogin => "broker_login",
        }
    }

    /// The same word as [`FeedEntity::key`], for code that reads it as text.
    pub fn as_str(self) -> &'static str {
        self.key()
    }

    pub fn parse(key: &str) -> Option<FeedEntity> {
        FeedEntity::ALL.into_iter().find(|e| e.key() == key)
    }
}

impl PartialEq<&str> for FeedEntity {
    fn eq(&self, other: &&str) -> bool {
        self.key() == *other
    }
}

impl std::fmt::Display for FeedEntity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}
