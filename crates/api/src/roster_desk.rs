//! The roster at the duty desk: a stored roster with every broken rule and coverage gap named, manual
//! changes checked against every hard rule before they are stored, and re-plans (a worker calls in sick,
//! the township goes to wartime) proposed as a diff that the officer accepts or rejects.
//!
//! Stored rosters are never edited (`redgrid_store::rosters`): an accepted change is a new roster built
//! from the one shown, and it is refused when somebody stored a newer roster in between.

use chrono::NaiveDate;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::roster::{
    self, evaluate, Change, HardKind, IterationBudget, ReplanConfig, Roster, SolverConfig,
};
use redgrid_core::time_limit::Mode;
use redgrid_store::rosters::{LeaveDay, NewRoster, RosterHeader, RosterShiftType, StoredRoster};

use crate::roster::{township_roster, Coverage, TownshipRoster};
use crate::{ApiError, Result, Station};

/// One cell of the roster: what a worker works on a day (`None`: a day off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterCell {
    pub worker_id: String,
    pub day: NaiveDate,
    pub shift_code: Option<String>,
}

/// A broken hard rule, for the officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleBreak {
    pub worker_id: String,
    pub worker_name: String,
    /// The day it shows on (a block's first day), when it has one.
    pub day: Option<NaiveDate>,
    /// Stable key of the rule, e.g. `forbidden_succession`.
    pub rule: &'static str,
    /// The whole sentence in Chinese.
    pub text: String,
}

/// A stored roster as the desk shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterDesk {
    pub header: RosterHeader,
    pub shift_types: Vec<RosterShiftType>,
    pub days: Vec<NaiveDate>,
    pub workers: Vec<DeskWorker>,
    /// Model areas: the centre first, then the villages.
    pub areas: Vec<(String, String)>,
    /// Per area, per day, per shift type (`shift_types` order): (assigned, required).
    pub area_cover: Vec<Vec<Vec<(u32, u32)>>>,
    pub breaks: Vec<RuleBreak>,
    pub coverage: Coverage,
    pub objective: i64,
    /// Ids of workers with shifts in the stored roster who are no longer in the register; a roster saved
    /// from this one no longer has their shifts.
    pub departed: Vec<String>,
}

/// A worker's row: who, where, and the shift code per day.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskWorker {
    pub id: String,
    pub name: String,
    pub full_time: bool,
    /// 专职网格员, 村（社区）干部, 民警/辅警, …
    pub category: String,
    pub area_code: String,
    pub area_name: String,
    pub cells: Vec<Option<String>>,
}

/// What happened that a re-plan answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplanReason {
    /// The worker cannot work on these days.
    Sick { worker_id: String, days: Vec<NaiveDate> },
    /// The township goes to wartime: wartime demand and wartime terms for the part-time force.
    Wartime,
}

/// A re-plan for the officer to accept or reject; nothing is stored until [`Station::save_roster_changes`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReplanProposal {
    pub base_roster_id: i64,
    pub reason: ReplanReason,
    /// Every cell that differs from the base roster, in worker then day order: the new value.
    pub changes: Vec<RosterCell>,
    /// The base roster's value of each changed cell, in the same order.
    pub before: Vec<Option<String>>,
    pub objective_before: i64,
    pub objective_after: i64,
    pub coverage_before: Coverage,
    pub coverage_after: Coverage,
}

/// The result of checking (or saving) changes.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeCheck {
    pub breaks: Vec<RuleBreak>,
    /// The breaks the changes bring: not in the roster as stored (under its own model), or worse than
    /// there. Only these block a save — a roster read back with a break it already had (a full-time worker
    /// added to the register since it was planned) can still be corrected one change at a time.
    pub new_breaks: Vec<RuleBreak>,
    pub coverage: Coverage,
    pub objective: i64,
    /// Set once stored.
    pub roster_id: Option<i64>,
}

fn rule_key(kind: HardKind) -> &'static str {
    match kind {
        HardKind::ForbiddenSuccession => "forbidden_succession",
        HardKind::MinRest => "min_rest",
        HardKind::MaxShiftsOfType => "max_shifts_of_type",
        HardKind::MaxTotalMinutes => "max_total_minutes",
        HardKind::MinTotalMinutes => "min_total_minutes",
        HardKind::MaxConsecutiveShifts => "max_consecutive_shifts",
        HardKind::MinConsecutiveShifts => "min_consecutive_shifts",
        HardKind::MinConsecutiveDaysOff => "min_consecutive_days_off",
        HardKind::MaxWeekends => "max_weekends",
        HardKind::DayOff => "day_off",
        HardKind::Unavailable => "unavailable",
        HardKind::MissingSkill => "missing_skill",
        HardKind::MaxShiftsPerWeek => "max_shifts_per_week",
    }
}

fn rule_text(kind: HardKind, name: &str, day: Option<NaiveDate>, amount: u32) -> String {
    let on = day
        .map(|d| format!(" {}（{}）", d.format("%m-%d"), crate::roster::weekday_zh(d)))
        .unwrap_or_default();
    let hours = |minutes: u32| format!("{:.1}", f64::from(minutes) / 60.0);
    match kind {
        HardKind::ForbiddenSuccession => format!("{name}{on}：夜班或备勤的次日不能接白班或巡查"),
        HardKind::MinRest => format!("{name}{on}：与次日班次之间的休息时间短于规定的最短休息"),
        HardKind::MaxShiftsOfType => format!("{name}：某类班次超过上限（多 {amount} 班）"),
        HardKind::MaxTotalMinutes => format!("{name}：排班期内工时超过上限（多 {} 小时）", hours(amount)),
        HardKind::MinTotalMinutes => format!("{name}：排班期内工时不足（差 {} 小时）", hours(amount)),
        HardKind::MaxConsecutiveShifts => format!("{name}{on}起：连续上班天数超过上限（多 {amount} 天）"),
        HardKind::MinConsecutiveShifts => format!("{name}{on}起：连续上班天数不足（差 {amount} 天）"),
        HardKind::MinConsecutiveDaysOff => format!("{name}{on}起：连续休息天数不足（差 {amount} 天）"),
        HardKind::MaxWeekends => format!("{name}：上班的周末超过上限（多 {amount} 个）"),
        HardKind::DayOff => format!("{name}{on}：当天请假或病休，不能排班"),
        HardKind::Unavailable => format!("{name}{on}：不在其可服务的日子（兼职网格员）"),
        HardKind::MissingSkill => format!("{name}{on}：不具备该班次所需的技能"),
        HardKind::MaxShiftsPerWeek => format!("{name}{on}所在周：班次超过每周上限（多 {amount} 班）"),
    }
}

fn authorise(actor: &Actor, mode: Mode, station_mode: Mode) -> Result<()> {
    crate::allow(actor.role, StationAct::EditRoster)?;
    match actor.role {
        Role::DutyOfficer if mode == Mode::Wartime && station_mode != Mode::Wartime => {
            Err(ApiError::Forbidden(
                "值班员只能在战时状态下调整战时排班：请领导先切换到战时，或由领导调整".into(),
            ))
        }
        _ => Ok(()),
    }
}

/// A stored roster read back into the model it was planned with, and the model a change leads to.
struct Loaded {
    stored: StoredRoster,
    township: TownshipRoster,
    roster: Roster,
    /// Workers with shifts in the stored roster who are no longer in the register (or the township).
    departed: Vec<String>,
    /// The stored roster's own breaks, under the model it is read back with.
    base_breaks: Vec<RuleBreak>,
}

impl Loaded {
    /// Breaks in `breaks` that the stored roster did not have as they are (same worker, day, rule and
    /// amount): a change may leave an old break alone but not add one or make one worse.
    fn new_breaks(&self, breaks: &[RuleBreak]) -> Vec<RuleBreak> {
        breaks
            .iter()
            .filter(|b| {
                !self.base_breaks.iter().any(|o| {
                    o.worker_id == b.worker_id && o.day == b.day && o.rule == b.rule && o.text == b.text
                })
            })
            .cloned()
            .collect()
    }

    fn worker_index(&self, id: &str) -> Result<usize> {
        self.township
            .workers
            .iter()
            .position(|r| r.worker.id == id)
            .ok_or_else(|| ApiError::Invalid(format!("网格员 {id} 不在此排班中")))
    }

    fn day_index(&self, day: NaiveDate) -> Result<usize> {
        let d = (day - self.township.first_day).num_days();
        if d < 0 || d as usize >= self.township.model.horizon_days {
            return Err(ApiError::Invalid(format!(
                "日期 {day} 不在排班 #{} 的排班期内",
                self.stored.header.id
            )));
        }
        Ok(d as usize)
    }

    fn shift_index(&self, code: &str) -> Result<usize> {
        self.township
            .model
            .shifts
            .iter()
            .position(|s| s.id == code)
            .ok_or_else(|| ApiError::Invalid(format!("未知班次“{code}”")))
    }

    /// The roster with `cells` applied.
    fn with_cells(&self, cells: &[RosterCell]) -> Result<Roster> {
        let mut roster = self.roster.clone();
        for cell in cells {
            let w = self.worker_index(&cell.worker_id)?;
            let d = self.day_index(cell.day)?;
            let s = cell.shift_code.as_deref().map(|c| self.shift_index(c)).transpose()?;
            roster.set(w, d, s);
        }
        Ok(roster)
    }

    fn breaks(&self, model: &roster::Model, roster: &Roster) -> (Vec<RuleBreak>, i64) {
        let evaluation = evaluate(model, roster);
        let breaks = evaluation
            .hard
            .iter()
            .map(|v| {
                let record = &self.township.workers[v.worker];
                let day = v.day.map(|d| self.township.day(d));
                RuleBreak {
                    worker_id: record.worker.id.clone(),
                    worker_name: record.worker.name.clone(),
                    day,
                    rule: rule_key(v.kind),
                    text: rule_text(v.kind, &record.worker.name, day, v.amount),
                }
            })
            .collect();
        (breaks, evaluation.objective())
    }

    /// The model the roster is checked against after `reason`: wartime terms and demand, or the sick
    /// worker's days off.
    async fn model_after(
        &self,
        station: &Station,
        reason: Option<&ReplanReason>,
    ) -> Result<(roster::Model, Mode)> {
        let header = &self.stored.header;
        match reason {
            None => Ok((self.township.model.clone(), header.mode)),
            Some(ReplanReason::Wartime) => {
                let weeks = (header.days / 7) as u32;
                let wartime = township_roster(station, header.first_day, weeks, Mode::Wartime).await?;
                if wartime.workers.iter().map(|r| &r.worker.id).ne(self
                    .township
                    .workers
                    .iter()
                    .map(|r| &r.worker.id))
                {
                    return Err(ApiError::Conflict("网格员登记册已变动，请重新载入排班".into()));
                }
                Ok((wartime.model, Mode::Wartime))
            }
            Some(ReplanReason::Sick { worker_id, days }) => {
                let worker = self.worker_index(worker_id)?;
                let days = days.iter().map(|&d| self.day_index(d)).collect::<Result<Vec<_>>>()?;
                let change = Change::WorkerUnavailable { worker, days };
                Ok((roster::apply_changes(&self.township.model, &self.roster, &[change]), header.mode))
            }
        }
    }

    fn coverage(&self, model: &roster::Model, roster: &Roster) -> Coverage {
        self.township.coverage_under(model, roster)
    }
}

impl Station {
    async fn load_roster(&self, roster_id: Option<i64>) -> Result<Loaded> {
        let store = self.store();
        // By default the roster in force today; before any covers today, the newest.
        let today = redgrid_core::time::local_date(self.now());
        let id = match roster_id {
            Some(id) => id,
            None => match store.roster_covering(today).await? {
                Some(header) => header.id,
                None => store
                    .latest_roster()
                    .await?
                    .map(|h| h.id)
                    .ok_or_else(|| ApiError::Invalid("还没有排班：请先编制排班".into()))?,
            },
        };
        let stored =
            store.roster(id).await?.ok_or_else(|| ApiError::Invalid(format!("排班 #{id} 不存在")))?;
        let header = &stored.header;
        if header.days % 7 != 0 {
            return Err(ApiError::Invalid(format!(
                "排班 #{id} 不是整周（{} 天），无法在此调整",
                header.days
            )));
        }
        let township = township_roster(self, header.first_day, (header.days / 7) as u32, header.mode).await?;
        // Someone who left the register since keeps no line: their shifts are named, not read back.
        let present: std::collections::HashSet<&str> =
            township.workers.iter().map(|r| r.worker.id.as_str()).collect();
        let mut departed: Vec<String> = stored
            .assignments
            .iter()
            .filter(|a| !present.contains(a.worker_id.as_str()))
            .map(|a| a.worker_id.clone())
            .collect();
        departed.sort_unstable();
        departed.dedup();
        let mut readable = stored.clone();
        readable.assignments.retain(|a| present.contains(a.worker_id.as_str()));
        let roster = township.roster_of(&readable)?;
        let mut loaded = Loaded { stored, township, roster, departed, base_breaks: Vec::new() };
        loaded.base_breaks = loaded.breaks(&loaded.township.model, &loaded.roster).0;
        Ok(loaded)
    }

    /// A stored roster (the newest when `roster_id` is `None`) with its rule breaks and coverage.
    pub async fn roster_desk(&self, roster_id: Option<i64>) -> Result<RosterDesk> {
        let loaded = self.load_roster(roster_id).await?;
        let t = &loaded.township;
        let model = &t.model;
        let (breaks, objective) = loaded.breaks(model, &loaded.roster);
        let coverage = t.coverage(&loaded.roster);
        let days: Vec<NaiveDate> = (0..model.horizon_days).map(|d| t.day(d)).collect();
        let shifts = model.shifts.len();
        let mut area_cover = vec![vec![vec![(0u32, 0u32); shifts]; days.len()]; model.areas.len()];
        for (w, worker) in model.workers.iter().enumerate() {
            for (d, _) in days.iter().enumerate() {
                if let Some(s) = loaded.roster.get(w, d) {
                    area_cover[worker.area][d][s].0 += 1;
                }
            }
        }
        for c in model.active_demand() {
            area_cover[c.area][c.day][c.shift].1 += c.requirement;
        }
        let workers = t
            .workers
            .iter()
            .enumerate()
            .map(|(w, r)| DeskWorker {
                id: r.worker.id.clone(),
                name: r.worker.name.clone(),
                full_time: r.worker.employment == redgrid_core::worker::Employment::FullTime,
                category: r.worker.group.name_zh().to_string(),
                area_code: t.home_areas[w].code.clone(),
                area_name: t.home_areas[w].name.clone(),
                cells: loaded
                    .roster
                    .worker_days(w)
                    .iter()
                    .map(|s| s.map(|s| model.shifts[s].id.clone()))
                    .collect(),
            })
            .collect();
        Ok(RosterDesk {
            header: loaded.stored.header.clone(),
            shift_types: loaded.stored.shift_types.clone(),
            days,
            workers,
            areas: t.areas.iter().map(|a| (a.code.clone(), a.name.clone())).collect(),
            area_cover,
            breaks,
            coverage,
            objective,
            departed: loaded.departed.clone(),
        })
    }

    /// Checks changes to a stored roster against every hard rule, storing nothing.
    pub async fn check_roster_changes(
        &self,
        roster_id: i64,
        cells: &[RosterCell],
        reason: Option<&ReplanReason>,
    ) -> Result<ChangeCheck> {
        let loaded = self.load_roster(Some(roster_id)).await?;
        let (model, _) = loaded.model_after(self, reason).await?;
        let roster = loaded.with_cells(cells)?;
        let (breaks, objective) = loaded.breaks(&model, &roster);
        let new_breaks = loaded.new_breaks(&breaks);
        Ok(ChangeCheck {
            coverage: loaded.coverage(&model, &roster),
            breaks,
            new_breaks,
            objective,
            roster_id: None,
        })
    }

    /// Stores a stored roster with `cells` changed (by hand, or an accepted re-plan for `reason`) as a new
    /// roster, with one audit record. Refused with every broken rule named when it breaks a hard rule, and
    /// as a conflict when a newer roster was stored since `roster_id` was shown.
    pub async fn save_roster_changes(
        &self,
        actor: &Actor,
        roster_id: i64,
        cells: &[RosterCell],
        reason: Option<&ReplanReason>,
    ) -> Result<ChangeCheck> {
        let loaded = self.load_roster(Some(roster_id)).await?;
        let (model, mode) = loaded.model_after(self, reason).await?;
        authorise(actor, mode, self.mode()).inspect_err(|error| {
            tracing::warn!(actor = %actor.id, %error, "roster change refused");
        })?;
        if cells.is_empty() && reason.is_none() {
            return Err(ApiError::Invalid("没有要保存的排班调整".into()));
        }
        let roster = loaded.with_cells(cells)?;
        let (breaks, objective) = loaded.breaks(&model, &roster);
        let new_breaks = loaded.new_breaks(&breaks);
        if !new_breaks.is_empty() {
            tracing::warn!(actor = %actor.id, roster = roster_id, breaks = new_breaks.len(), "roster change breaks hard rules");
            let listed: Vec<&str> = new_breaks.iter().take(5).map(|b| b.text.as_str()).collect();
            let more =
                if new_breaks.len() > 5 { format!("等 {} 条", new_breaks.len()) } else { String::new() };
            return Err(ApiError::Invalid(format!("调整违反硬性规则，未保存：{}{more}", listed.join("；"))));
        }
        let changed = loaded.roster.changed_cells(&roster).len();
        let coverage = loaded.coverage(&model, &roster);
        let header = &loaded.stored.header;
        let what = match reason {
            None => "人工调整".to_string(),
            Some(ReplanReason::Wartime) => "战时重排".to_string(),
            Some(ReplanReason::Sick { worker_id, days }) => {
                let name = loaded.township.workers[loaded.worker_index(worker_id)?].worker.name.clone();
                let days: Vec<String> = days.iter().map(|d| d.format("%m-%d").to_string()).collect();
                format!("{name}（{worker_id}）{} 病休重排", days.join("、"))
            }
        };
        let note = format!(
            "{what}：基于排班 #{roster_id}，变更 {changed} 处；需求班次 {}，已覆盖 {}，缺口 {} 处，目标值 {objective}",
            coverage.required,
            coverage.covered,
            coverage.gaps.len()
        );
        let now = self.now();
        // The model changed with the reason only in days off, contracts and demand: the township's shift
        // types and the assignments' areas are those of the roster shown.
        let township = &loaded.township;
        let new = NewRoster {
            created_at: now,
            created_by: actor.name.clone(),
            mode,
            first_day: header.first_day,
            days: header.days,
            objective,
            hard_violations: breaks.len() as i64,
            note: note.clone(),
            shift_types: township.shift_types(),
            assignments: township.assignments(&roster),
        };
        // The sick days are kept as leave, so that this roster — and every later one — is read back with
        // them as days off and their lost shifts counted towards the worker's hours.
        let leave: Vec<LeaveDay> = match reason {
            Some(ReplanReason::Sick { worker_id, days }) => {
                let w = loaded.worker_index(worker_id)?;
                // A day already on leave keeps the credit it was given: the base roster has it off, so
                // it would be credited 0 now.
                let already = &loaded.township.model.workers[w].days_off;
                days.iter()
                    .filter(|&&day| loaded.day_index(day).map_or(true, |d| !already.contains(&d)))
                    .map(|&day| {
                        let d = loaded.day_index(day)?;
                        let credit = loaded
                            .roster
                            .get(w, d)
                            .map_or(0, |s| loaded.township.model.shifts[s].length_minutes);
                        Ok(LeaveDay {
                            worker_id: worker_id.clone(),
                            day,
                            credit_minutes: i64::from(credit),
                            reason: "病休".into(),
                        })
                    })
                    .collect::<Result<_>>()?
            }
            _ => Vec::new(),
        };
        let mut tx = self.store().begin_write().await?;
        // Only a newer roster over some of the same days supersedes this one: next fortnight's plan does
        // not stop a change to this fortnight.
        let newer = tx
            .rosters_overlapping(header.first_day, header.first_day + chrono::Duration::days(header.days - 1))
            .await?
            .into_iter()
            .find(|h| h.id > roster_id);
        if let Some(newer) = newer {
            tracing::warn!(actor = %actor.id, base = roster_id, newer = newer.id, "roster change on a superseded roster");
            return Err(ApiError::Conflict(format!(
                "排班 #{roster_id} 已被 {} 更新为 #{}（{}），请重新载入后再调整",
                newer.created_by,
                newer.id,
                newer.created_at.with_timezone(&redgrid_core::time::shanghai()).format("%m-%d %H:%M")
            )));
        }
        tx.record_leave(&leave, now).await?;
        let id = tx.insert_roster(&new).await?;
        let action = if reason.is_some() { "roster_replan" } else { "roster_edit" };
        tx.append_audit(&crate::station_audit(actor, now, action, None, format!("排班 #{id}：{note}")))
            .await?;
        tx.commit().await?;
        tracing::info!(roster = id, base = roster_id, actor = %actor.id, changed, action, "roster changed");
        Ok(ChangeCheck { breaks, new_breaks: Vec::new(), coverage, objective, roster_id: Some(id) })
    }

    /// Proposes a re-plan of a stored roster for `reason`, changing as few cells as it can; stores nothing.
    /// `moves` bounds the search (the same moves and seed give the same proposal).
    pub async fn propose_replan(
        &self,
        roster_id: i64,
        reason: &ReplanReason,
        moves: u64,
    ) -> Result<ReplanProposal> {
        let loaded = self.load_roster(Some(roster_id)).await?;
        if matches!(reason, ReplanReason::Wartime) && loaded.stored.header.mode == Mode::Wartime {
            return Err(ApiError::Invalid(format!("排班 #{roster_id} 已是战时排班")));
        }
        if let ReplanReason::Sick { days, .. } = reason {
            if days.is_empty() {
                return Err(ApiError::Invalid("请选择病休的日期".into()));
            }
        }
        let (model, _) = loaded.model_after(self, Some(reason)).await?;
        let current = loaded.roster.clone();
        let objective_before = evaluate(&model, &current).objective();
        let coverage_before = loaded.coverage(&model, &current);
        let search_model = model.clone();
        let config = ReplanConfig {
            solver: SolverConfig { seed: 1, ..ReplanConfig::default().solver },
            ..ReplanConfig::default()
        };
        let replanned = tokio::task::spawn_blocking(move || {
            roster::replan(
                &search_model,
                &current,
                &[],
                &config,
                &mut IterationBudget { max_iterations: moves },
            )
        })
        .await
        .map_err(|e| ApiError::Invalid(format!("重排计算意外中止：{e}")))?
        .map_err(|e| ApiError::Invalid(format!("在给定的计算量内没有找到满足全部硬性规则的重排方案：{e}")))?;
        let new = replanned.solution.roster;
        let shift_code = |s: Option<usize>| s.map(|s| model.shifts[s].id.clone());
        let mut changes = Vec::new();
        let mut before = Vec::new();
        for (w, d) in replanned.changed {
            changes.push(RosterCell {
                worker_id: loaded.township.workers[w].worker.id.clone(),
                day: loaded.township.day(d),
                shift_code: shift_code(new.get(w, d)),
            });
            before.push(shift_code(loaded.roster.get(w, d)));
        }
        Ok(ReplanProposal {
            base_roster_id: roster_id,
            reason: reason.clone(),
            changes,
            before,
            objective_before,
            objective_after: evaluate(&model, &new).objective(),
            coverage_before,
            coverage_after: loaded.coverage(&model, &new),
        })
    }
}
