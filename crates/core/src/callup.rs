//! Call-ups (叫应): since 2023 a warning must be answered — responsible people are called until they answer,
//! and a silent person's backup (the B of an A/B pair) is called next.
//!
//! What is decided here: the states a person is in, how an answer was given, when a silent person is
//! called again and when their backup is called, and which map points a warning area covers.

/// Where a person stands in a call-up; a person counts once, at their latest answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallupState {
    Silent,
    Available,
    Unavailable,
}

impl CallupState {
    pub fn key(self) -> &'static str {
        match self {
            CallupState::Silent => "silent",
            CallupState::Available => "available",
            CallupState::Unavailable => "unavailable",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CallupState::Silent => "未应答",
            CallupState::Available => "可到岗",
            CallupState::Unavailable => "不能到岗",
        }
    }

    pub fn parse(text: &str) -> Option<CallupState> {
        match text.trim() {
            "silent" | "未应答" => Some(CallupState::Silent),
            "available" | "可到岗" | "到岗" => Some(CallupState::Available),
            "unavailable" | "不能到岗" | "无法到岗" => Some(CallupState::Unavailable),
            _ => None,
        }
    }
}

/// How an answer reached the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerChannel {
    /// From the worker's terminal over MQTT.
    Terminal,
    /// Recorded by the officer on the worker's behalf.
    Phone,
    InPerson,
    Radio,
}

impl AnswerChannel {
    pub const ALL: [AnswerChannel; 4] =
        [AnswerChannel::Terminal, AnswerChannel::Phone, AnswerChannel::InPerson, AnswerChannel::Radio];

    pub fn key(self) -> &'static str {
        match self {
            AnswerChannel::Terminal => "terminal",
            AnswerChannel::Phone => "phone",
            AnswerChannel::InPerson => "in_person",
            AnswerChannel::Radio => "radio",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            AnswerChannel::Terminal => "终端",
            AnswerChannel::Phone => "电话",
            AnswerChannel::InPerson => "当面",
            AnswerChannel::Radio => "对讲机",
        }
    }

    pub fn parse(text: &str) -> Option<AnswerChannel> {
        AnswerChannel::ALL.into_iter().find(|c| c.key() == text.trim() || c.name_zh() == text.trim())
    }
}

/// How long a silent person waits before being called again, and before their backup is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallupTiming {
    pub recall_after_s: i64,
    pub backup_after_s: i64,
}

impl Default for CallupTiming {
    /// Five minutes to answer before a second call; a quarter of an hour before the backup is called.
    fn default() -> CallupTiming {
        CallupTiming { recall_after_s: 300, backup_after_s: 900 }
    }
}

/// A warning area: polygons of `(lon, lat)` rings, the first ring of each the outline and the others holes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Area {
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

impl Area {
    /// Whether a point lies inside the area (on an edge counts as either; an area is drawn by hand).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.polygons.iter().any(|rings| {
            let mut rings = rings.iter();
            rings.next().is_some_and(|outline| in_ring(outline, lon, lat))
                && rings.all(|hole| !in_ring(hole, lon, lat))
        })
    }

    pub fn vertices(&self) -> usize {
        self.polygons.iter().flatten().map(Vec::len).sum()
    }
}

/// Ray casting: count the edges a ray to the east crosses.
fn in_ring(ring: &[(f64, f64)], lon: f64, lat: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_area_holds_what_it_outlines_but_not_its_holes() {
        let outline = vec![(109.0, 23.0), (110.0, 23.0), (110.0, 24.0), (109.0, 24.0), (109.0, 23.0)];
        let hole = vec![(109.4, 23.4), (109.6, 23.4), (109.6, 23.6), (109.4, 23.6), (109.4, 23.4)];
        let area = Area { polygons: vec![vec![outline, hole]] };
        assert!(area.contains(109.2, 23.2));
        assert!(!area.contains(109.5, 23.5), "in the hole");
        assert!(!area.contains(110.5, 23.5), "outside");
        assert!(!Area::default().contains(109.2, 23.2));
    }

    #[test]
    fn states_and_channels_read_both_ways() {
        assert_eq!(CallupState::parse("available"), Some(CallupState::Available));
        assert_eq!(CallupState::parse("不能到岗"), Some(CallupState::Unavailable));
        assert_eq!(AnswerChannel::parse("phone"), Some(AnswerChannel::Phone));
        assert_eq!(AnswerChannel::parse("对讲机"), Some(AnswerChannel::Radio));
        assert_eq!(AnswerChannel::parse("fax"), None);
    }
}
