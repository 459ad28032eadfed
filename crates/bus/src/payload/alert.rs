//! Alert kinds and priorities, and the one table that maps a Frigate label (with its zones and review
//! severity) to them. Pure functions; `docs/mqtt.md` restates the table.

use serde::{Deserialize, Serialize};

/// What a camera alert is about (the native `kind` field; Frigate labels are mapped by
/// [`frigate_alert_class`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Crowd,
    Intrusion,
    SmokeFire,
    NearWater,
    FaceWatchlist,
    Vehicle,
    Loitering,
    Other,
}

impl AlertKind {
    pub const ALL: [AlertKind; 8] = [
        AlertKind::Crowd,
        AlertKind::Intrusion,
        AlertKind::SmokeFire,
        AlertKind::NearWater,
        AlertKind::FaceWatchlist,
        AlertKind::Vehicle,
        AlertKind::Loitering,
        AlertKind::Other,
    ];

    /// The wire name (`crowd`, `smoke_fire`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Crowd => "crowd",
            AlertKind::Intrusion => "intrusion",
            AlertKind::SmokeFire => "smoke_fire",
            AlertKind::NearWater => "near_water",
            AlertKind::FaceWatchlist => "face_watchlist",
            AlertKind::Vehicle => "vehicle",
            AlertKind::Loitering => "loitering",
            AlertKind::Other => "other",
        }
    }

    /// The Chinese name officers see.
    pub fn name_zh(self) -> &'static str {
        match self {
            AlertKind::Crowd => "人员聚集",
            AlertKind::Intrusion => "区域入侵",
            AlertKind::SmokeFire => "烟火",
            AlertKind::NearWater => "临水预警",
            AlertKind::FaceWatchlist => "人脸布控",
            AlertKind::Vehicle => "车辆",
            AlertKind::Loitering => "徘徊逗留",
            AlertKind::Other => "其他",
        }
    }

    pub fn parse(wire: &str) -> Option<Self> {
        AlertKind::ALL.into_iter().find(|kind| kind.as_str() == wire)
    }

    /// The priority an alert of this kind starts at, before review severity or a watch-list hit.
    pub fn base_priority(self) -> AlertPriority {
        match self {
            AlertKind::FaceWatchlist => AlertPriority::Top,
            AlertKind::SmokeFire | AlertKind::NearWater | AlertKind::Crowd => AlertPriority::High,
            AlertKind::Intrusion | AlertKind::Vehicle | AlertKind::Loitering => AlertPriority::Normal,
            AlertKind::Other => AlertPriority::Low,
        }
    }
}

/// How loudly an alert asks for attention; ordered, `Top` first in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertPriority {
    Low,
    Normal,
    High,
    /// A watch-list face: above everything else.
    Top,
}

impl AlertPriority {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertPriority::Low => "low",
            AlertPriority::Normal => "normal",
            AlertPriority::High => "high",
            AlertPriority::Top => "top",
        }
    }
}

/// A kind and a priority, the result of mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AlertClass {
    pub kind: AlertKind,
    pub priority: AlertPriority,
}

/// Frigate review severity. `significant_motion` (briefly a third level in Frigate 0.14 betas) reads as
/// `Detection`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewSeverity {
    Detection,
    Alert,
}

impl ReviewSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewSeverity::Detection => "detection",
            ReviewSeverity::Alert => "alert",
        }
    }
}

/// Labels (object and audio) that mean smoke or fire.
const SMOKE_FIRE_LABELS: &[&str] = &["fire", "smoke", "flame", "fire_alarm", "smoke_alarm", "smoke_detector"];
/// Labels that mean a vehicle.
const VEHICLE_LABELS: &[&str] =
    &["car", "truck", "bus", "motorcycle", "bicycle", "license_plate", "boat", "vehicle", "tractor"];
/// Audio labels that mean someone in distress or danger.
const DISTRESS_LABELS: &[&str] =
    &["scream", "yell", "shout", "gunshot", "explosion", "glass", "siren", "crying"];
/// Zone-name fragments that mark water (a river bank, a pond, a reservoir). Frigate zones are named by
/// whoever configures the NVR; naming a zone with one of these makes a person in it a near-water alert.
const WATER_ZONE_FRAGMENTS: &[&str] =
    &["water", "river", "pond", "lake", "reservoir", "pool", "canal", "水", "河", "塘", "湖", "江", "渠"];

/// The Chinese for a Frigate object or audio label, for descriptions an officer reads; `None` for a label
/// this table does not know (shown as the NVR sent it).
pub fn label_zh(label: &str) -> Option<&'static str> {
    Some(match label.to_ascii_lowercase().as_str() {
        "person" => "人员",
        "face" => "人脸",
        "car" => "小汽车",
        "truck" => "货车",
        "bus" => "客车",
        "motorcycle" => "摩托车",
        "bicycle" => "自行车",
        "license_plate" => "车牌",
        "boat" => "船只",
        "vehicle" => "车辆",
        "tractor" => "拖拉机",
        "fire" | "flame" => "明火",
        "smoke" => "烟雾",
        "fire_alarm" => "火警声",
        "smoke_alarm" | "smoke_detector" => "烟感报警声",
        "scream" => "尖叫声",
        "yell" | "shout" => "呼喊声",
        "gunshot" => "枪声",
        "explosion" => "爆炸声",
        "glass" => "玻璃破碎声",
        "siren" => "警笛声",
        "crying" => "哭声",
        "dog" => "狗",
        "cat" => "猫",
        "bird" => "鸟",
        "package" => "包裹",
        _ => return None,
    })
}

/// Whether a Frigate zone name marks water.
pub fn is_water_zone(zone: &str) -> bool {
    let zone = zone.to_lowercase();
    WATER_ZONE_FRAGMENTS.iter().any(|fragment| zone.contains(fragment))
}

/// Maps a Frigate label, the zones the object entered, the review severity (if a review named it) and
/// whether a face on it is on the watch list, to an alert kind and priority:
///
/// | label | kind | priority |
/// |---|---|---|
/// | any label with `watchlist_face` | face_watchlist | top |
/// | fire, smoke, flame, fire_alarm, smoke_alarm, smoke_detector | smoke_fire | high |
/// | person, face — in a water zone | near_water | high |
/// | person, face — elsewhere | intrusion | normal |
/// | car, truck, bus, motorcycle, bicycle, license_plate, boat, vehicle, tractor | vehicle | normal |
/// | scream, yell, shout, gunshot, explosion, glass, siren, crying (audio) | other | high |
/// | anything else (dog, cat, bird, package, …) | other | low |
///
/// A review at severity `alert` raises the priority to at least `high`. Labels compare case-insensitively.
pub fn frigate_alert_class(
    label: &str,
    zones: &[String],
    severity: Option<ReviewSeverity>,
    watchlist_face: bool,
) -> AlertClass {
    let label = label.to_lowercase();
    // Frigate marks objects a person confirmed in the review UI as `<label>-verified`.
    let label = label.trim_end_matches("-verified");
    let (kind, priority) = if watchlist_face {
        (AlertKind::FaceWatchlist, AlertPriority::Top)
    } else if SMOKE_FIRE_LABELS.contains(&label) {
        (AlertKind::SmokeFire, AlertPriority::High)
    } else if matches!(label, "person" | "face") {
        if zones.iter().any(|zone| is_water_zone(zone)) {
            (AlertKind::NearWater, AlertPriority::High)
        } else {
            (AlertKind::Intrusion, AlertPriority::Normal)
        }
    } else if VEHICLE_LABELS.contains(&label) {
        (AlertKind::Vehicle, AlertPriority::Normal)
    } else if DISTRESS_LABELS.contains(&label) {
        (AlertKind::Other, AlertPriority::High)
    } else {
        (AlertKind::Other, AlertPriority::Low)
    };
    let priority = match severity {
        Some(ReviewSeverity::Alert) => priority.max(AlertPriority::High),
        _ => priority,
    };
    AlertClass { kind, priority }
}
