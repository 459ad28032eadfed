//! The topic tree: what the station subscribes to, where it publishes, and which kind of message a
//! topic carries.
//!
//! RedGrid's own topics live under one versioned root (default `redgrid/v1`); Frigate NVRs publish under
//! their `topic_prefix` (default `frigate`) and OwnTracks phones under `owntracks`. Every RedGrid topic is
//! QoS 1 ([`QOS`]); which ones are retained is said on each builder and in `docs/mqtt.md`.
//!
//! Classification is pure string work on the topic: it never looks at the payload, so the per-camera
//! Frigate topics (JPEG snapshots among them) are recognised and ignored without being parsed.

/// Every RedGrid subscription and publication uses QoS 1 (at least once); redeliveries are recognised by
/// each message's natural key ([`crate::payload::Inbound::natural_key`]).
pub const QOS: rumqttc::QoS = rumqttc::QoS::AtLeastOnce;

/// Where the topics are rooted. Prefixes are written without a trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topics {
    /// Root of RedGrid's own topics; the version is part of it (default `redgrid/v1`).
    pub root: String,
    /// Frigate's `mqtt.topic_prefix` (default `frigate`).
    pub frigate_prefix: String,
    /// OwnTracks' base topic (default `owntracks`; the app publishes to `owntracks/<user>/<device>`).
    pub owntracks_prefix: String,
}

impl Default for Topics {
    fn default() -> Self {
        Topics {
            root: "redgrid/v1".to_owned(),
            frigate_prefix: "frigate".to_owned(),
            owntracks_prefix: "owntracks".to_owned(),
        }
    }
}

/// What a worker terminal sends (`ack`, `arrive`, `feedback`, `location`, `zero_report`) or receives
/// (`tasks`, `callup`, `notice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TerminalChannel {
    Ack,
    Arrive,
    Feedback,
    Location,
    /// Outbound: tasks for the worker.
    Tasks,
    /// Outbound: a call-up (叫应) for the worker; answered on `ack` with `callup_id`.
    Callup,
    /// Inbound: a grid leader's zero report (零报告) for their village.
    ZeroReport,
    /// Outbound: a notice for this worker alone (a zero report overdue, …); not retained.
    Notice,
}

impl TerminalChannel {
    /// The last topic segment.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminalChannel::Ack => "ack",
            TerminalChannel::Arrive => "arrive",
            TerminalChannel::Feedback => "feedback",
            TerminalChannel::Location => "location",
            TerminalChannel::Tasks => "tasks",
            TerminalChannel::Callup => "callup",
            TerminalChannel::ZeroReport => "zero_report",
            TerminalChannel::Notice => "notice",
        }
    }

    fn parse(segment: &str) -> Option<Self> {
        Some(match segment {
            "ack" => TerminalChannel::Ack,
            "arrive" => TerminalChannel::Arrive,
            "feedback" => TerminalChannel::Feedback,
            "location" => TerminalChannel::Location,
            "tasks" => TerminalChannel::Tasks,
            "callup" => TerminalChannel::Callup,
            "zero_report" => TerminalChannel::ZeroReport,
            "notice" => TerminalChannel::Notice,
            _ => return None,
        })
    }
}

/// The three broadcast topics, `<root>/broadcast/<kind>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BroadcastKind {
    /// A notice to all workers; not retained.
    Notice,
    /// Peacetime ⇄ wartime; retained, so a terminal that connects later learns the mode in force.
    Mode,
    /// A call-up of part-time workers; not retained (persistent sessions queue it).
    Callup,
}

impl BroadcastKind {
    /// The last topic segment.
    pub fn as_str(self) -> &'static str {
        match self {
            BroadcastKind::Notice => "notice",
            BroadcastKind::Mode => "mode",
            BroadcastKind::Callup => "callup",
        }
    }

    /// Whether the station publishes this broadcast retained.
    pub fn retained(self) -> bool {
        matches!(self, BroadcastKind::Mode)
    }

    fn parse(segment: &str) -> Option<Self> {
        Some(match segment {
            "notice" => BroadcastKind::Notice,
            "mode" => BroadcastKind::Mode,
            "callup" => BroadcastKind::Callup,
            _ => return None,
        })
    }
}

/// What a topic carries, with the identifiers its segments name (borrowed from the topic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopicKind<'t> {
    /// `<frigate>/events`: tracked-object lifecycle (JSON).
    FrigateEvents,
    /// `<frigate>/reviews`: review segments (JSON).
    FrigateReviews,
    /// `<frigate>/tracked_object_update`: face, licence-plate and description results (JSON).
    FrigateTrackedObjectUpdate,
    /// `<frigate>/available`: `online` | `stopped` | `offline` (plain text, retained, last will).
    FrigateAvailable,
    /// Any other topic under the Frigate prefix (per-camera state, JPEG snapshots, stats): ignored.
    FrigateOther,
    /// `<root>/alerts/<source>`: native camera alerts from an NVR or another source.
    CameraAlerts { source: &'t str },
    /// `<root>/terminals/<worker_id>/<channel>`.
    Terminal { worker_id: &'t str, channel: TerminalChannel },
    /// `<owntracks>/<user>/<device>`: OwnTracks location, last will and other message types.
    OwnTracks { user: &'t str, device: &'t str },
    /// `<owntracks>/<user>/<device>/<more>` (events, info cards, waypoints, commands): ignored.
    OwnTracksOther,
    /// `<root>/reports/<source>`: new incidents reported by workers or residents.
    Reports { source: &'t str },
    /// `<root>/stations/<station_id>/presence`: a station's online state (retained, last will).
    StationPresence { station_id: &'t str },
    /// `<root>/broadcast/<kind>`: outbound; a station seeing it (its own or another's) ignores it.
    Broadcast { kind: BroadcastKind },
}

impl Topics {
    /// The filters the station subscribes to, all at [`QOS`]. Only the four Frigate topics the console
    /// uses are subscribed, not `<frigate>/#`: per-camera topics carry JPEG snapshots at frame rate.
    pub fn subscriptions(&self) -> Vec<String> {
        let (root, frigate, owntracks) = (&self.root, &self.frigate_prefix, &self.owntracks_prefix);
        vec![
            format!("{frigate}/events"),
            format!("{frigate}/reviews"),
            format!("{frigate}/tracked_object_update"),
            format!("{frigate}/available"),
            format!("{root}/alerts/+"),
            format!("{root}/terminals/+/ack"),
            format!("{root}/terminals/+/arrive"),
            format!("{root}/terminals/+/feedback"),
            format!("{root}/terminals/+/location"),
            format!("{root}/terminals/+/zero_report"),
            format!("{root}/reports/+"),
            format!("{root}/stations/+/presence"),
            format!("{owntracks}/+/+"),
        ]
    }

    /// What `topic` carries, or `None` if it is not a topic of this tree (the caller quarantines it as
    /// an unknown topic). Empty segments and wildcards never match.
    pub fn classify<'t>(&self, topic: &'t str) -> Option<TopicKind<'t>> {
        if topic.contains(['+', '#']) {
            return None;
        }
        if let Some(rest) = under(topic, &self.frigate_prefix) {
            return Some(match rest {
                "events" => TopicKind::FrigateEvents,
                "reviews" => TopicKind::FrigateReviews,
                "tracked_object_update" => TopicKind::FrigateTrackedObjectUpdate,
                "available" => TopicKind::FrigateAvailable,
                _ => TopicKind::FrigateOther,
            });
        }
        if let Some(rest) = under(topic, &self.owntracks_prefix) {
            let segments: Vec<&str> = rest.split('/').collect();
            if segments.iter().any(|s| s.is_empty()) {
                return None;
            }
            return match segments.as_slice() {
                [user, device] => Some(TopicKind::OwnTracks { user, device }),
                [_, _, _, ..] => Some(TopicKind::OwnTracksOther),
                _ => None,
            };
        }
        let rest = under(topic, &self.root)?;
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return None;
        }
        match segments.as_slice() {
            ["alerts", source] => Some(TopicKind::CameraAlerts { source }),
            ["terminals", worker_id, channel] => {
                Some(TopicKind::Terminal { worker_id, channel: TerminalChannel::parse(channel)? })
            }
            ["reports", source] => Some(TopicKind::Reports { source }),
            ["stations", station_id, "presence"] => Some(TopicKind::StationPresence { station_id }),
            ["broadcast", kind] => Some(TopicKind::Broadcast { kind: BroadcastKind::parse(kind)? }),
            _ => None,
        }
    }

    /// `<root>/terminals/<worker_id>/tasks` — outbound, QoS 1, not retained: a terminal with a persistent
    /// session receives the tasks sent while it was offline.
    pub fn terminal_tasks(&self, worker_id: &str) -> String {
        self.terminal(worker_id, TerminalChannel::Tasks)
    }

    /// `<root>/terminals/<worker_id>/<channel>`; the inbound channels are for terminals and the simulator.
    pub fn terminal(&self, worker_id: &str, channel: TerminalChannel) -> String {
        format!("{}/terminals/{worker_id}/{}", self.root, channel.as_str())
    }

    /// `<root>/broadcast/<kind>` — outbound, QoS 1, retained for [`BroadcastKind::Mode`] only.
    pub fn broadcast(&self, kind: BroadcastKind) -> String {
        format!("{}/broadcast/{}", self.root, kind.as_str())
    }

    /// `<root>/stations/<station_id>/presence` — QoS 1, retained; also the station's last-will topic.
    pub fn station_presence(&self, station_id: &str) -> String {
        format!("{}/stations/{station_id}/presence", self.root)
    }

    /// `<root>/alerts/<source>` — where an NVR (or the simulator) publishes native camera alerts.
    pub fn camera_alerts(&self, source: &str) -> String {
        format!("{}/alerts/{source}", self.root)
    }

    /// `<root>/reports/<source>` — where terminals and resident channels publish new incidents.
    pub fn reports(&self, source: &str) -> String {
        format!("{}/reports/{source}", self.root)
    }

    /// `<owntracks>/<user>/<device>`.
    pub fn owntracks(&self, user: &str, device: &str) -> String {
        format!("{}/{user}/{device}", self.owntracks_prefix)
    }

    /// `<frigate>/events`.
    pub fn frigate_events(&self) -> String {
        format!("{}/events", self.frigate_prefix)
    }

    /// `<frigate>/reviews`.
    pub fn frigate_reviews(&self) -> String {
        format!("{}/reviews", self.frigate_prefix)
    }

    /// `<frigate>/tracked_object_update`.
    pub fn frigate_tracked_object_update(&self) -> String {
        format!("{}/tracked_object_update", self.frigate_prefix)
    }

    /// `<frigate>/available`.
    pub fn frigate_available(&self) -> String {
        format!("{}/available", self.frigate_prefix)
    }
}

/// The part of `topic` after `prefix/`, if `topic` lies under `prefix`.
fn under<'t>(topic: &'t str, prefix: &str) -> Option<&'t str> {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return None;
    }
    topic.strip_prefix(prefix)?.strip_prefix('/').filter(|rest| !rest.is_empty())
}
