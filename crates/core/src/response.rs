//! Graded response levels (应急响应等级): the ladder 平时 → 关注 → Ⅳ级 → Ⅲ级 → Ⅱ级 → Ⅰ级 of flood and typhoon
//! plans, as data a centre may rename, extend or shorten.
//!
//! Each level fixes how fast steps must move (a percentage of the peacetime limits), how long a worker has
//! to acknowledge a task, the roster's demand (peacetime cover, or 24-hour wartime cover), the duty the
//! centre must hold (a leader on duty 领导带班, officers at the centre), how often each village owes a zero
//! report (零报告), and what terminals are told. Old terminals know only peacetime and wartime, so each
//! level also says which of the two it is (`legacy_mode`; 关注 is peacetime).

use chrono::{DateTime, Duration, Utc};

use crate::time_limit::{Mode, Pace};

/// The roster's demand under a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterProfile {
    /// The ordinary day and night cover.
    Peacetime,
    /// 24-hour cover of every grid by the part-time force as well (战时).
    Wartime,
}

impl RosterProfile {
    pub fn key(self) -> &'static str {
        match self {
            RosterProfile::Peacetime => "peacetime",
            RosterProfile::Wartime => "wartime",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RosterProfile::Peacetime => "平时排班",
            RosterProfile::Wartime => "24 小时战时排班",
        }
    }

    pub fn parse(text: &str) -> Option<RosterProfile> {
        match text.trim() {
            "peacetime" | "平时" | "平时排班" => Some(RosterProfile::Peacetime),
            "wartime" | "战时" | "24 小时战时排班" | "24小时" => Some(RosterProfile::Wartime),
            _ => None,
        }
    }

    /// The binary mode the roster planner knows.
    pub fn mode(self) -> Mode {
        match self {
            RosterProfile::Peacetime => Mode::Peacetime,
            RosterProfile::Wartime => Mode::Wartime,
        }
    }
}

/// The duty a level requires of the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DutyRequirement {
    /// A named leader on duty (领导带班).
    pub leader_on_duty: bool,
    /// Duty officers at the centre at once.
    pub officers: u32,
}

/// One level of the ladder.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseLevel {
    /// A stable key: the standard ones are `peacetime`, `watch`, `level_4` … `level_1`.
    pub key: String,
    pub name: String,
    /// Limits of steps that start under this level, as a percentage of the peacetime ones.
    pub time_limit_percent: i64,
    /// Minutes to acknowledge a task; `None` scales the station's peacetime figure by the percentage.
    pub ack_minutes: Option<i64>,
    pub roster_profile: RosterProfile,
    pub duty: DutyRequirement,
    /// Every village owes a zero report this often; `None` when none is owed.
    pub zero_report_hours: Option<i64>,
    /// What terminals are told when the station switches to this level.
    pub broadcast_text: String,
    /// What old terminals and readers of the binary mode see.
    pub legacy_mode: Mode,
}

impl ResponseLevel {
    pub fn pace(&self) -> Pace {
        Pace { percent: self.time_limit_percent }
    }

    /// Minutes a worker has to acknowledge a task under this level, from the station's peacetime figure.
    pub fn acknowledgement_minutes(&self, peacetime: i64) -> i64 {
        self.ack_minutes.unwrap_or_else(|| self.pace().scale(peacetime)).max(1)
    }
}

/// Why a ladder cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderError(pub String);

impl std::fmt::Display for LadderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The levels in order, lowest first; the first is the everyday level a return to normal goes back to.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseLadder {
    levels: Vec<ResponseLevel>,
}

impl ResponseLadder {
    /// The flood and typhoon ladder most plans use.
    pub fn standard() -> ResponseLadder {
        let level = |key: &str,
                     name: &str,
                     percent: i64,
                     profile: RosterProfile,
                     leader: bool,
                     officers: u32,
                     zero: Option<i64>,
                     text: &str,
                     mode: Mode| ResponseLevel {
            key: key.into(),
            name: name.into(),
            time_limit_percent: percent,
            ack_minutes: None,
            roster_profile: profile,
            duty: DutyRequirement { leader_on_duty: leader, officers },
            zero_report_hours: zero,
            broadcast_text: text.into(),
            legacy_mode: mode,
        };
        use RosterProfile::*;
        ResponseLadder {
            levels: vec![
                level(
                    "peacetime",
                    "平时",
                    100,
                    Peacetime,
                    false,
                    1,
                    None,
                    "恢复平时工作状态",
                    Mode::Peacetime,
                ),
                level(
                    "watch",
                    "关注",
                    100,
                    Peacetime,
                    false,
                    1,
                    None,
                    "进入关注状态：请留意预警信息，保持通讯畅通",
                    Mode::Peacetime,
                ),
                level(
                    "level_4",
                    "Ⅳ级",
                    80,
                    Wartime,
                    true,
                    2,
                    Some(12),
                    "启动Ⅳ级应急响应：请按要求到岗，每 12 小时零报告",
                    Mode::Wartime,
                ),
                level(
                    "level_3",
                    "Ⅲ级",
                    70,
                    Wartime,
                    true,
                    2,
                    Some(6),
                    "启动Ⅲ级应急响应：请立即到岗，每 6 小时零报告",
                    Mode::Wartime,
                ),
                level(
                    "level_2",
                    "Ⅱ级",
                    60,
                    Wartime,
                    true,
                    3,
                    Some(4),
                    "启动Ⅱ级应急响应：全员到岗，每 4 小时零报告",
                    Mode::Wartime,
                ),
                level(
                    "level_1",
                    "Ⅰ级",
                    50,
                    Wartime,
                    true,
                    3,
                    Some(2),
                    "启动Ⅰ级应急响应：全员在岗在位，每 2 小时零报告",
                    Mode::Wartime,
                ),
            ],
        }
    }

    /// A ladder a centre wrote, checked: at least one level, keys and names unique and not empty, the first
    /// level peacetime, percentages 10–100, positive acknowledgement minutes and zero-report hours.
    pub fn new(levels: Vec<ResponseLevel>) -> Result<ResponseLadder, LadderError> {
        let Some(first) = levels.first() else {
            return Err(LadderError("响应等级不能为空".into()));
        };
        if first.legacy_mode != Mode::Peacetime {
            return Err(LadderError(format!("第一个等级“{}”须为平时状态", first.name)));
        }
        for (i, level) in levels.iter().enumerate() {
            let key_ok = !level.key.is_empty()
                && level.key.len() <= 32
                && level.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                return Err(LadderError(format!(
                    "等级代码“{}”须为 1–32 个小写字母、数字或下划线",
                    level.key
                )));
            }
            if level.name.trim().is_empty() || level.name.chars().count() > 20 {
                return Err(LadderError(format!("等级“{}”的名称须为 1–20 个字", level.key)));
            }
            if levels[..i].iter().any(|l| l.key == level.key || l.name == level.name) {
                return Err(LadderError(format!("等级“{}”重复", level.name)));
            }
            if !(10..=100).contains(&level.time_limit_percent) {
                return Err(LadderError(format!(
                    "等级“{}”的时限比例须在 10%–100% 之间，而不是 {}%",
                    level.name, level.time_limit_percent
                )));
            }
            if level.ack_minutes.is_some_and(|m| !(1..=24 * 60).contains(&m)) {
                return Err(LadderError(format!("等级“{}”的签收时限须为 1–1440 分钟", level.name)));
            }
            if level.zero_report_hours.is_some_and(|h| !(1..=72).contains(&h)) {
                return Err(LadderError(format!("等级“{}”的零报告间隔须为 1–72 小时", level.name)));
            }
        }
        Ok(ResponseLadder { levels })
    }

    pub fn levels(&self) -> &[ResponseLevel] {
        &self.levels
    }

    /// The everyday level.
    pub fn base(&self) -> &ResponseLevel {
        &self.levels[0]
    }

    /// A level by its key or its name (`level_2`, `Ⅱ级`; `II级`, `2级` and `二级` too, as people type it).
    pub fn find(&self, text: &str) -> Option<&ResponseLevel> {
        let text = text.trim();
        let roman = text
            .replace("IV", "Ⅳ")
            .replace("III", "Ⅲ")
            .replace("II", "Ⅱ")
            .replace('I', "Ⅰ")
            .replace(['4', '四'], "Ⅳ")
            .replace(['3', '三'], "Ⅲ")
            .replace(['2', '二'], "Ⅱ")
            .replace(['1', '一'], "Ⅰ");
        self.levels
            .iter()
            .find(|l| l.key == text || l.name == text)
            .or_else(|| self.levels.iter().find(|l| l.name == roman || l.name == format!("{roman}级")))
    }

    /// The level a binary-mode switch means: peacetime is the base level, wartime the highest.
    pub fn for_mode(&self, mode: Mode) -> &ResponseLevel {
        match mode {
            Mode::Peacetime => self.base(),
            Mode::Wartime => {
                self.levels.iter().rev().find(|l| l.legacy_mode == Mode::Wartime).unwrap_or(self.base())
            }
        }
    }

    /// Where a level stands: 0 for the base level.
    pub fn rank(&self, key: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.key == key)
    }
}

/// Where a village stands with its zero reports (零报告) at a level with a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ZeroReportState {
    /// Reported for the current period.
    Ok,
    /// Not reported for the current period yet; its deadline has not passed.
    Due,
    /// The previous period's deadline passed without a report (and none has come since).
    Missing,
    /// Reported for the current period, but the report says nothing is new while the station knows
    /// otherwise; the report is kept, and flagged.
    Contradicted,
}

impl ZeroReportState {
    pub fn key(self) -> &'static str {
        match self {
            ZeroReportState::Ok => "ok",
            ZeroReportState::Due => "due",
            ZeroReportState::Missing => "missing",
            ZeroReportState::Contradicted => "contradicted",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            ZeroReportState::Ok => "已报",
            ZeroReportState::Due => "待报",
            ZeroReportState::Missing => "缺报",
            ZeroReportState::Contradicted => "与事实不符",
        }
    }
}

/// The periods in which zero reports are owed: from the switch to a level with a cadence, every `hours`,
/// the first due at `from + hours`. A report covers the period in which it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroReportSchedule {
    pub from: DateTime<Utc>,
    pub hours: i64,
}

impl ZeroReportSchedule {
    fn length(&self) -> Duration {
        Duration::hours(self.hours.max(1))
    }

    /// The period `at` falls in: its start and its deadline. An instant before `from` (a clock that is
    /// behind) counts as the first period.
    pub fn period(&self, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let length = self.length();
        let elapsed = (at - self.from).num_milliseconds().max(0);
        let index = elapsed / length.num_milliseconds();
        let start = self.from + Duration::milliseconds(index * length.num_milliseconds());
        (start, start + length)
    }

    /// A village's state at `now` from its latest report (when it arrived, and whether it contradicted
    /// the facts), with the deadline the state is about: the current period's, or for
    /// [`ZeroReportState::Missing`] the one that passed. A late report covers the period it arrives in,
    /// so a missing village that reports is `Ok` again at once.
    pub fn state(
        &self,
        last: Option<(DateTime<Utc>, bool)>,
        now: DateTime<Utc>,
    ) -> (ZeroReportState, DateTime<Utc>) {
        let (start, due) = self.period(now);
        match last {
            Some((at, contradicted)) if at >= start => {
                let state = if contradicted { ZeroReportState::Contradicted } else { ZeroReportState::Ok };
                (state, due)
            }
            // The previous period (if there was one) went by without a report.
            last if start > self.from && last.is_none_or(|(at, _)| at < start - self.length()) => {
                (ZeroReportState::Missing, start)
            }
            _ => (ZeroReportState::Due, due),
        }
    }
}

/// Whether a zero report contradicts the facts: it says nothing is new while an alert from the village's
/// cameras waits for triage, or an event there is new since the village's last report.
pub fn zero_report_contradicted(reported_new: i64, new_events: i64, untriaged_alerts: i64) -> bool {
    reported_new == 0 && (new_events > 0 || untriaged_alerts > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn zero_report_periods_run_from_the_switch_and_a_missed_deadline_is_missing_until_a_report() {
        let switch = Utc.with_ymd_and_hms(2026, 11, 18, 2, 0, 0).unwrap();
        let schedule = ZeroReportSchedule { from: switch, hours: 12 };
        let h = Duration::hours;
        assert_eq!(schedule.period(switch + h(13)), (switch + h(12), switch + h(24)));
        assert_eq!(
            schedule.period(switch - h(1)),
            (switch, switch + h(12)),
            "a clock behind: the first period"
        );
        // Nothing reported: due until the first deadline, missing after it.
        assert_eq!(schedule.state(None, switch + h(1)), (ZeroReportState::Due, switch + h(12)));
        assert_eq!(
            schedule.state(None, switch + h(12)),
            (ZeroReportState::Missing, switch + h(12)),
            "the first deadline is switch + 12 h, and it has passed"
        );
        // A report in the period covers it; the next period is due, not missing.
        let reported = Some((switch + h(3), false));
        assert_eq!(schedule.state(reported, switch + h(5)), (ZeroReportState::Ok, switch + h(12)));
        assert_eq!(schedule.state(reported, switch + h(13)), (ZeroReportState::Due, switch + h(24)));
        assert_eq!(
            schedule.state(reported, switch + h(24)),
            (ZeroReportState::Missing, switch + h(24)),
            "the second period went by without a report"
        );
        // A late report covers the period it arrives in.
        assert_eq!(schedule.state(Some((switch + h(25), false)), switch + h(26)).0, ZeroReportState::Ok);
        assert_eq!(
            schedule.state(Some((switch + h(25), true)), switch + h(26)).0,
            ZeroReportState::Contradicted,
            "a flagged report is kept, and shows as contradicted for its period"
        );
    }

    #[test]
    fn only_a_report_of_nothing_new_can_contradict_the_facts() {
        assert!(zero_report_contradicted(0, 0, 1), "an alert from the village's cameras waits for triage");
        assert!(zero_report_contradicted(0, 2, 0), "events are new there since the last report");
        assert!(!zero_report_contradicted(0, 0, 0), "nothing new, and nothing known: a true zero report");
        assert!(!zero_report_contradicted(1, 3, 2), "a report with figures is the village's own account");
    }

    #[test]
    fn the_standard_ladder_runs_from_peacetime_to_level_one() {
        let ladder = ResponseLadder::standard();
        let keys: Vec<&str> = ladder.levels().iter().map(|l| l.key.as_str()).collect();
        assert_eq!(keys, ["peacetime", "watch", "level_4", "level_3", "level_2", "level_1"]);
        assert_eq!(ladder.find("Ⅱ级").unwrap().key, "level_2");
        assert_eq!(ladder.find("II级").unwrap().key, "level_2");
        assert_eq!(ladder.find("4级").unwrap().key, "level_4");
        assert_eq!(ladder.find("关注").unwrap().legacy_mode, Mode::Peacetime);
        assert_eq!(ladder.find("level_1").unwrap().pace(), Pace { percent: 50 });
        assert!(ladder.find("五级").is_none());
        assert_eq!(ladder.for_mode(Mode::Wartime).key, "level_1");
        assert_eq!(ladder.for_mode(Mode::Peacetime).key, "peacetime");
        assert!(ResponseLadder::new(ladder.levels().to_vec()).is_ok());
    }

    #[test]
    fn a_ladder_a_centre_writes_is_checked() {
        let mut levels = ResponseLadder::standard().levels().to_vec();
        levels[3].name = levels[2].name.clone();
        assert!(ResponseLadder::new(levels).unwrap_err().0.contains("重复"));
        let mut levels = ResponseLadder::standard().levels().to_vec();
        levels.drain(..2);
        assert!(
            ResponseLadder::new(levels).unwrap_err().0.contains("平时"),
            "Ⅳ级 cannot be the everyday level"
        );
        let mut levels = ResponseLadder::standard().levels().to_vec();
        levels[2].time_limit_percent = 5;
        assert!(ResponseLadder::new(levels).unwrap_err().0.contains("10%"));
        assert!(ResponseLadder::new(Vec::new()).is_err());
    }

    #[test]
    fn a_levels_acknowledgement_minutes_override_the_percentage() {
        let ladder = ResponseLadder::standard();
        let level_3 = ladder.find("level_3").unwrap();
        assert_eq!(level_3.acknowledgement_minutes(10), 7, "70% of 10 minutes");
        let strict = ResponseLevel { ack_minutes: Some(3), ..level_3.clone() };
        assert_eq!(strict.acknowledgement_minutes(10), 3);
    }
}
