//! The working-day calendar (工作日历): public holidays and make-up working days (调休), which working-day
//! time limits count by. Administrators and leaders edit it; every edit is audited and takes effect for
//! every deadline computed afterwards (deadlines already running keep the one they were given).

use chrono::NaiveDate;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::Actor;
use redgrid_core::time_limit::WorkCalendar;
use redgrid_store::FeedEntity;

use crate::{station_audit, ApiError, Result, Station};

/// What a day is in the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday: not a working day even on a weekday.
    Holiday,
    /// A make-up working day (调休): a working day even on a weekend.
    MakeUp,
    /// Back to the rule: Monday to Friday.
    Ordinary,
}

impl DayKind {
    pub fn parse(text: &str) -> Option<DayKind> {
        match text.trim() {
            "holiday" | "节假日" | "假日" => Some(DayKind::Holiday),
            "make_up" | "调休" | "调休上班" => Some(DayKind::MakeUp),
            "ordinary" | "普通" | "恢复" => Some(DayKind::Ordinary),
            _ => None,
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            DayKind::Holiday => "节假日",
            DayKind::MakeUp => "调休上班",
            DayKind::Ordinary => "按周一至周五",
        }
    }
}

fn apply(calendar: &mut WorkCalendar, day: NaiveDate, kind: DayKind) {
    calendar.holidays.remove(&day);
    calendar.make_up_days.remove(&day);
    match kind {
        DayKind::Holiday => {
            calendar.holidays.insert(day);
        }
        DayKind::MakeUp => {
            calendar.make_up_days.insert(day);
        }
        DayKind::Ordinary => {}
    }
}

/// Reads `day,kind[,name]` lines (the format of `assets/calendar/cn-holidays.csv`, header optional).
pub fn parse_calendar_csv(text: &str) -> Result<Vec<(NaiveDate, DayKind)>> {
    let mut days = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || (index == 0 && line.starts_with("day")) {
            continue;
        }
        let mut fields = line.split(',');
        let day = fields.next().unwrap_or_default().trim();
        let kind = fields.next().unwrap_or_default();
        match (NaiveDate::parse_from_str(day, "%Y-%m-%d"), DayKind::parse(kind)) {
            (Ok(day), Some(kind)) => days.push((day, kind)),
            (Err(_), _) => errors.push(format!("第 {} 行：日期“{day}”应为 YYYY-MM-DD", index + 1)),
            (_, None) => errors.push(format!(
                "第 {} 行：类型“{}”应为 holiday（节假日）、make_up（调休上班）或 ordinary",
                index + 1,
                kind.trim()
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(format!("工作日历文件有误，未导入任何一天：\n{}", errors.join("\n"))));
    }
    Ok(days)
}

impl Station {
    /// The calendar in force.
    pub async fn calendar(&self) -> Result<WorkCalendar> {
        Ok(self.store().work_calendar().await?)
    }

    /// Sets days of the calendar in one audited change; only administrators and leaders may.
    pub async fn set_calendar_days(
        &self,
        actor: &Actor,
        days: &[(NaiveDate, DayKind)],
        reason: &str,
    ) -> Result<()> {
        crate::allow(actor.role, StationAct::EditCalendar)?;
        if days.is_empty() {
            return Err(ApiError::Invalid("没有要修改的日期".into()));
        }
        let now = self.now();
        let mut calendar = self.store().work_calendar().await?;
        for (day, kind) in days {
            apply(&mut calendar, *day, *kind);
        }
        let summary = days.iter().map(|(d, k)| format!("{d} {}", k.name_zh())).collect::<Vec<_>>().join("；");
        let text =
            if reason.trim().is_empty() { summary } else { format!("{summary}（{}）", reason.trim()) };
        let mut tx = self.store().begin_write().await?;
        tx.save_calendar(&calendar).await?;
        tx.append_audit(&station_audit(actor, now, "calendar", None, text)).await?;
        tx.append_feed(now, FeedEntity::Setting, "calendar", "updated", 0).await?;
        tx.commit().await?;
        self.reload_rules().await?;
        tracing::info!(actor = %actor.id, days = days.len(), "work calendar changed");
        Ok(())
    }
}

/// The holidays and make-up days shipped with the product (`assets/calendar/cn-holidays.csv`).
pub fn shipped_calendar() -> WorkCalendar {
    const HOLIDAYS: &str = include_str!("../../../assets/calendar/cn-holidays.csv");
    let mut calendar = WorkCalendar::default();
    for (date, kind) in parse_calendar_csv(HOLIDAYS).unwrap_or_default() {
        apply(&mut calendar, date, kind);
    }
    calendar
}
