//! The township roster (排班): the grid force — every full-time worker and the part-time "3+N" of every
//! village — as a roster model for the core solver; planning under a budget, storing, the printable sheet,
//! and "on shift" for the dispatch recommendation.
//!
//! The model (see `docs/rostering.md`, "The township roster"):
//! - shift types 值班白班 白 08:00–20:00 and 值班夜班 夜 20:00–08:00 (centre duty, full-time workers only),
//!   网格巡查 巡 09:00–17:00, 备勤 备 20:00–08:00 (on call at home in the village, part-time only);
//! - areas: the centre (综治中心, the township grid) and each village; the core counts a shift towards
//!   its worker's one area, so full-time workers — who rotate through the duty desk and patrol their own
//!   village — are the centre's pool, and the part-time force counts for its village;
//! - a wartime plan uses the wartime demand (24-hour cover: double duty, more patrols, a night standby in
//!   every village) and the wartime contracts (part-time workers called up: available every day, more
//!   shifts a week).
//!
//! Who may plan: a leader, in either mode at any time (a typhoon roster may be prepared before the switch);
//! a duty officer, a peacetime roster at any time and a wartime roster only once a leader has switched the
//! station to wartime. The administrator manages accounts and settings and plans no rosters.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::grid::GridKind;
use redgrid_core::roster::{
    self, evaluate, Budget, Contract, CoverDemand, Demand, IterationBudget, Model, Progress, Roster, Shift,
    ShiftIndex, ShiftKind, SolveError, SolverConfig,
};
use redgrid_core::time_limit::Mode;
use redgrid_core::worker::{Employment, ForceGroup, ThreeKind};
use redgrid_store::rosters::{NewRoster, RosterAssignment, RosterShiftType, StoredRoster};
use redgrid_store::WorkerRecord;

use crate::{stable_hash, ApiError, Result, Station};

/// Index of 值班白班 in the model's shifts.
pub const DUTY_DAY: ShiftIndex = 0;
/// Index of 值班夜班.
pub const DUTY_NIGHT: ShiftIndex = 1;
/// Index of 网格巡查.
pub const PATROL: ShiftIndex = 2;
/// Index of 备勤.
pub const STANDBY: ShiftIndex = 3;

/// The longest roster one plan may cover.
pub const MAX_WEEKS: u32 = 8;

/// The model area of the centre; villages follow in grid order.
const CENTRE: usize = 0;

struct ShiftDef {
    code: &'static str,
    name: &'static str,
    key: &'static str,
    kind: ShiftKind,
    start_minute: u32,
    length_minutes: u32,
}

const SHIFTS: [ShiftDef; 4] = [
    ShiftDef {
        code: "白",
        name: "值班白班",
        key: "centre_duty_day",
        kind: ShiftKind::CentreDutyDay,
        start_minute: 8 * 60,
        length_minutes: 12 * 60,
    },
    ShiftDef {
        code: "夜",
        name: "值班夜班",
        key: "centre_duty_night",
        kind: ShiftKind::CentreDutyNight,
        start_minute: 20 * 60,
        length_minutes: 12 * 60,
    },
    ShiftDef {
        code: "巡",
        name: "网格巡查",
        key: "grid_patrol",
        kind: ShiftKind::GridPatrol,
        start_minute: 9 * 60,
        length_minutes: 8 * 60,
    },
    ShiftDef {
        code: "备",
        name: "备勤",
        key: "standby",
        kind: ShiftKind::Standby,
        start_minute: 20 * 60,
        length_minutes: 12 * 60,
    },
];

/// Minimum rest between two days' shifts (11 hours): with the explicit night → day successions below it
/// keeps a night or a standby from being followed by a day shift.
const MIN_REST_MINUTES: u32 = 11 * 60;

/// How a plan stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlanBudget {
    /// Wall-clock seconds of search (the command line and the console).
    Seconds(f64),
    /// A number of solver moves: the same seed and moves give the same roster on any machine (tests).
    Moves(u64),
}

/// What to plan.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterPlanRequest {
    /// The first local day of the roster.
    pub first_day: NaiveDate,
    pub weeks: u32,
    pub mode: Mode,
    pub budget: PlanBudget,
    pub seed: u64,
}

/// One model area: the centre (the township grid) or a village.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterArea {
    pub code: String,
    pub name: String,
}

/// The township's grid force as a roster model, with the register records behind each index.
#[derive(Debug, Clone)]
pub struct TownshipRoster {
    pub model: Model,
    pub first_day: NaiveDate,
    pub township_code: String,
    pub township_name: String,
    /// Indexed like `model.areas`.
    pub areas: Vec<RosterArea>,
    /// Indexed like `model.workers`: full-time workers first, then the part-time force village by village.
    pub workers: Vec<WorkerRecord>,
    /// Indexed like `workers`: the worker's village (the township for a worker above village level).
    pub home_areas: Vec<RosterArea>,
}

/// Where the demand of one area on one day and shift is not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageGap {
    pub day: NaiveDate,
    pub area_code: String,
    pub area_name: String,
    pub shift_code: String,
    pub required: u32,
    pub assigned: u32,
}

/// How well a roster meets the demand of its mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coverage {
    /// Σ of the requirements over every area, day and shift.
    pub required: u32,
    /// Σ of min(assigned, required): the required shifts actually staffed.
    pub covered: u32,
    /// Every shift the roster assigns, required or not.
    pub worked_shifts: u32,
    pub gaps: Vec<CoverageGap>,
}

/// The outcome of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterPlan {
    pub roster_id: i64,
    pub mode: Mode,
    pub first_day: NaiveDate,
    pub days: usize,
    pub objective: i64,
    /// The part of the objective owed to cover: workers missing, or needless shifts.
    pub cover_penalty: i64,
    /// The part owed to fairness: Σ over workers of (worked weekends + night duties)².
    pub fairness_penalty: i64,
    /// Always 0: a roster breaking a hard rule is never stored.
    pub hard_violations: usize,
    pub seconds: f64,
    pub moves: u64,
    pub workers: usize,
    pub full_time_workers: usize,
    pub coverage: Coverage,
}

/// One worker's line of the printed roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub worker_id: String,
    pub name: String,
    /// 专职网格员, 村（社区）干部, 民警/辅警, …
    pub category: String,
    /// The worker's village (or the township).
    pub area_name: String,
    /// Per day: the shift code, or `None` for a day off.
    pub cells: Vec<Option<String>>,
    pub shifts: u32,
    pub minutes: u32,
}

/// A stored roster laid out as the township office prints it: worker rows × day columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterSheet {
    pub roster_id: i64,
    pub township_name: String,
    pub mode: Mode,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub days: Vec<NaiveDate>,
    pub shift_types: Vec<RosterShiftType>,
    pub rows: Vec<SheetRow>,
    /// Per shift type (in `shift_types` order), per day: how many work it.
    pub day_counts: Vec<Vec<u32>>,
    /// Per day: how many work at all.
    pub day_totals: Vec<u32>,
}

/// 周一 … 周日.
pub fn weekday_zh(day: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][day.weekday().num_days_from_monday() as usize]
}

/// A day column's label: `11-23 周一`.
pub fn day_label(day: NaiveDate) -> String {
    format!("{} {}", day.format("%m-%d"), weekday_zh(day))
}

/// The Monday after `today` (a week from today when today is a Monday): a roster starts on a fresh week.
pub fn next_monday(today: NaiveDate) -> NaiveDate {
    let ahead = 7 - i64::from(today.weekday().num_days_from_monday());
    today + Duration::days(ahead)
}

fn roster_mode(mode: Mode) -> roster::Mode {
    match mode {
        Mode::Peacetime => roster::Mode::Peacetime,
        Mode::Wartime => roster::Mode::Wartime,
    }
}

/// A part-time worker's terms by their place in the 1+3+N force: which weekdays they can give in
/// peacetime (Monday = 0), how many shifts a week, and whether they take night standby.
struct PartTimeTerms {
    weekdays: [bool; 7],
    per_week: u32,
    wartime_per_week: u32,
    standby: bool,
}

fn part_time_terms(worker: &WorkerRecord) -> PartTimeTerms {
    // The register holds no availability yet; a worker's free weekday is derived from their id so that
    // the demo is varied and every run sees the same.
    let free_weekday = (stable_hash(&worker.worker.id) % 5) as usize;
    match worker.worker.group {
        ForceGroup::Three(ThreeKind::Police) => {
            let mut weekdays = [true; 7];
            weekdays[free_weekday] = false;
            PartTimeTerms { weekdays, per_week: 3, wartime_per_week: 5, standby: true }
        }
        ForceGroup::Three(ThreeKind::VillageCadre) => PartTimeTerms {
            weekdays: [true, true, true, true, true, false, false],
            per_week: 2,
            wartime_per_week: 4,
            standby: true,
        },
        ForceGroup::Three(ThreeKind::Patrol) | ForceGroup::One => {
            PartTimeTerms { weekdays: [true; 7], per_week: 3, wartime_per_week: 5, standby: true }
        }
        ForceGroup::N(_) => {
            let mut weekdays = [false, false, false, false, false, true, true];
            weekdays[free_weekday] = true;
            PartTimeTerms { weekdays, per_week: 2, wartime_per_week: 3, standby: false }
        }
    }
}

fn full_time_contract(weeks: u32, days: u32, mode: Mode) -> Contract {
    let hours = |h: u32| h * 60;
    let mut max_shifts_per_type = vec![0; SHIFTS.len()];
    max_shifts_per_type[DUTY_DAY] = days;
    max_shifts_per_type[PATROL] = days;
    match mode {
        Mode::Peacetime => {
            max_shifts_per_type[DUTY_NIGHT] = 2 * weeks;
            Contract {
                max_shifts_per_type,
                // About 40 hours a week: 12-hour duties and 8-hour patrols cannot always hit 40 exactly.
                max_total_minutes: hours(40 * weeks + 8),
                min_total_minutes: hours(40 * weeks - 8),
                max_consecutive_shifts: 6,
                min_consecutive_shifts: 1,
                min_consecutive_days_off: 2,
                max_weekends: weeks.div_ceil(2),
                min_rest_minutes: MIN_REST_MINUTES,
                max_shifts_per_week: None,
            }
        }
        Mode::Wartime => {
            max_shifts_per_type[DUTY_NIGHT] = 3 * weeks;
            Contract {
                max_shifts_per_type,
                max_total_minutes: hours(56 * weeks),
                min_total_minutes: hours(40 * weeks - 8),
                max_consecutive_shifts: 6,
                min_consecutive_shifts: 1,
                min_consecutive_days_off: 1,
                max_weekends: weeks,
                min_rest_minutes: MIN_REST_MINUTES,
                max_shifts_per_week: None,
            }
        }
    }
}

fn part_time_contract(terms: &PartTimeTerms, weeks: u32, days: u32, mode: Mode) -> Contract {
    let mut max_shifts_per_type = vec![0; SHIFTS.len()];
    max_shifts_per_type[PATROL] = days;
    if terms.standby {
        max_shifts_per_type[STANDBY] = days;
    }
    let wartime = mode == Mode::Wartime;
    Contract {
        max_shifts_per_type,
        max_total_minutes: days * 24 * 60,
        min_total_minutes: 0,
        max_consecutive_shifts: if wartime { 5 } else { 3 },
        min_consecutive_shifts: 1,
        min_consecutive_days_off: 1,
        max_weekends: weeks,
        min_rest_minutes: MIN_REST_MINUTES,
        max_shifts_per_week: Some(if wartime { terms.wartime_per_week } else { terms.per_week }),
    }
}

fn cover(area: usize, day: usize, shift: ShiftIndex, requirement: u32, under: u32, over: u32) -> CoverDemand {
    CoverDemand { area, day, shift, requirement, under_weight: under, over_weight: over }
}

/// The demand of one profile. Every (area, day, shift) its workers may work has an entry, with a
/// requirement of 0 where nobody is needed, so that a needless shift costs its over-weight.
fn demand(
    mode: Mode,
    days: usize,
    first_day: NaiveDate,
    full_time: usize,
    small_grids: &[usize],
) -> Vec<CoverDemand> {
    let mut out = Vec::new();
    let share = |fraction: f64| ((full_time as f64 * fraction).round() as u32).max(1);
    for day in 0..days {
        let weekday = (first_day + Duration::days(day as i64)).weekday();
        let weekend = matches!(weekday, Weekday::Sat | Weekday::Sun);
        let (duty, patrols) = match mode {
            Mode::Peacetime => (1, if weekend { share(0.2) } else { share(0.55) }),
            Mode::Wartime => (2, share(0.45)),
        };
        if full_time > 0 {
            out.push(cover(CENTRE, day, DUTY_DAY, duty, 100, 50));
            out.push(cover(CENTRE, day, DUTY_NIGHT, duty, 100, 50));
            // Patrols beyond the need cost nothing: full-time workers owe their hours anyway.
            out.push(cover(CENTRE, day, PATROL, patrols, 10, 0));
        }
        for (v, &small) in small_grids.iter().enumerate() {
            let area = v + 1;
            let small = small.max(1) as u32;
            let (patrol, standby) = match mode {
                Mode::Peacetime => (small.div_ceil(4), 0),
                Mode::Wartime => (small.div_ceil(2), small.div_ceil(5)),
            };
            out.push(cover(area, day, PATROL, patrol, 20, 2));
            out.push(cover(area, day, STANDBY, standby, 20, 2));
        }
    }
    out
}

fn sort_key(record: &WorkerRecord, home: &str) -> (u8, String, String) {
    let part_time = u8::from(record.worker.employment == Employment::PartTime);
    (part_time, home.to_string(), record.worker.id.clone())
}

/// Builds the township's roster model for `weeks` weeks from `first_day` in `mode`, from the registers.
pub async fn township_roster(
    station: &Station,
    first_day: NaiveDate,
    weeks: u32,
    mode: Mode,
) -> Result<TownshipRoster> {
    if weeks == 0 || weeks > MAX_WEEKS {
        return Err(ApiError::Invalid(format!("排班周数应为 1–{MAX_WEEKS}，收到 {weeks}")));
    }
    let store = station.store();
    let scheme = station.scheme();
    let village_depth = scheme.village_depth();
    let tree = store.grid_tree(village_depth as i64 + 1).await?;
    // The station's township: the `township` setting, or the one top grid. A station holding several
    // townships (the city-scale demo) rosters the township of its setting, never all of them at once.
    let roots: Vec<&redgrid_store::GridNode> = tree.iter().filter(|n| n.parent_code.is_none()).collect();
    let setting = store.setting("township").await?;
    let township = match (setting.as_deref(), roots.as_slice()) {
        (_, []) => return Err(ApiError::Invalid("还没有网格数据，无法排班：请先导入或生成演示数据".into())),
        (Some(code), _) if roots.iter().any(|r| r.code == code) => {
            *roots.iter().find(|r| r.code == code).expect("checked")
        }
        (_, [only]) => *only,
        _ => {
            return Err(ApiError::Invalid(format!(
                "本站有 {} 个乡镇的网格，请先用 township 设置指定排班的乡镇",
                roots.len()
            )))
        }
    };
    let comprehensive = GridKind::Comprehensive.key();
    let villages: Vec<&redgrid_store::GridNode> = tree
        .iter()
        .filter(|n| {
            n.depth == village_depth as i64
                && n.kind == comprehensive
                && n.code.starts_with(township.code.as_str())
        })
        .collect();
    let small_grids: Vec<usize> = villages
        .iter()
        .map(|v| {
            tree.iter()
                .filter(|n| n.parent_code.as_deref() == Some(v.code.as_str()) && n.kind == comprehensive)
                .count()
        })
        .collect();
    let mut areas = vec![RosterArea { code: township.code.clone(), name: "综治中心".into() }];
    areas.extend(villages.iter().map(|v| RosterArea { code: v.code.clone(), name: v.name.clone() }));
    let village_index: HashMap<&str, usize> =
        villages.iter().enumerate().map(|(i, v)| (v.code.as_str(), i + 1)).collect();

    let township_area = RosterArea { code: township.code.clone(), name: township.name.clone() };
    let home_of = |record: &WorkerRecord| -> (usize, RosterArea) {
        let village = record.worker.grids.first().and_then(|g| g.ancestor_at(village_depth, &scheme));
        match village.as_ref().and_then(|v| village_index.get(v.as_str())) {
            Some(&v) => (v, areas[v].clone()),
            None => (CENTRE, township_area.clone()),
        }
    };
    let mut records = store.workers(&scheme).await?;
    // The township's own force: workers whose grids lie in it.
    if roots.len() > 1 {
        records.retain(|r| r.worker.grids.iter().any(|g| g.as_str().starts_with(township.code.as_str())));
    }
    if records.is_empty() {
        return Err(ApiError::Invalid("登记册中没有网格员，无法排班".into()));
    }
    records.sort_by_cached_key(|r| sort_key(r, &home_of(r).1.code));

    let days = 7 * weeks;
    let horizon = days as usize;
    let mut workers = Vec::with_capacity(records.len());
    let mut home_areas = Vec::with_capacity(records.len());
    for record in &records {
        let (village, home) = home_of(record);
        let (area, contract, available_days) = match record.worker.employment {
            Employment::FullTime => (CENTRE, full_time_contract(weeks, days, mode), None),
            Employment::PartTime => {
                let terms = part_time_terms(record);
                let available = (0..horizon)
                    .map(|d| {
                        let weekday = (first_day + Duration::days(d as i64)).weekday().num_days_from_monday();
                        // Called up in wartime: every day.
                        mode == Mode::Wartime || terms.weekdays[weekday as usize]
                    })
                    .collect();
                (village, part_time_contract(&terms, weeks, days, mode), Some(available))
            }
        };
        workers.push(roster::Worker {
            id: record.worker.id.clone(),
            employment: match record.worker.employment {
                Employment::FullTime => roster::Employment::FullTime,
                Employment::PartTime => roster::Employment::PartTime,
            },
            area,
            skills: Vec::new(),
            contract,
            days_off: Vec::new(),
            available_days,
        });
        home_areas.push(home);
    }
    // Recorded leave (a sick worker covered by an accepted re-plan): a day off, and the shift the worker
    // lost counts towards their hours, as `roster::apply_changes` counts it when the re-plan is made.
    let last_day = first_day + Duration::days(horizon as i64 - 1);
    let index: HashMap<&str, usize> =
        records.iter().enumerate().map(|(i, r)| (r.worker.id.as_str(), i)).collect();
    for leave in store.leave_between(first_day, last_day).await? {
        let Some(&w) = index.get(leave.worker_id.as_str()) else { continue };
        let day = (leave.day - first_day).num_days() as usize;
        let worker = &mut workers[w];
        if !worker.days_off.contains(&day) {
            worker.days_off.push(day);
            let credit = u32::try_from(leave.credit_minutes.max(0)).unwrap_or(u32::MAX);
            worker.contract.min_total_minutes = worker.contract.min_total_minutes.saturating_sub(credit);
        }
    }
    let full_time = workers.iter().filter(|w| w.employment == roster::Employment::FullTime).count();
    let shifts = SHIFTS
        .iter()
        .map(|s| Shift {
            id: s.code.to_string(),
            start_minute: s.start_minute,
            length_minutes: s.length_minutes,
            kind: s.kind,
            required_skills: Vec::new(),
            forbidden_successors: match s.kind {
                ShiftKind::CentreDutyNight | ShiftKind::Standby => vec![DUTY_DAY, PATROL],
                _ => Vec::new(),
            },
        })
        .collect();
    let model = Model {
        horizon_days: horizon,
        first_weekday: first_day.weekday(),
        shifts,
        areas: areas.iter().map(|a| a.code.clone()).collect(),
        workers,
        on_requests: Vec::new(),
        off_requests: Vec::new(),
        demand: Demand {
            peacetime: demand(Mode::Peacetime, horizon, first_day, full_time, &small_grids),
            wartime: Some(demand(Mode::Wartime, horizon, first_day, full_time, &small_grids)),
        },
        mode: roster_mode(mode),
        // Spreads night duties and weekends: Σ load² is smallest when they are shared evenly.
        fairness_weight: 1,
    };
    model.validate().map_err(|e| ApiError::Invalid(format!("排班模型无效：{e}")))?;
    Ok(TownshipRoster {
        model,
        first_day,
        township_code: township.code.clone(),
        township_name: township.name.clone(),
        areas,
        workers: records,
        home_areas,
    })
}

impl TownshipRoster {
    pub fn day(&self, index: usize) -> NaiveDate {
        self.first_day + Duration::days(index as i64)
    }

    /// The shift types as stored with a roster.
    pub fn shift_types(&self) -> Vec<RosterShiftType> {
        SHIFTS
            .iter()
            .map(|s| RosterShiftType {
                code: s.code.into(),
                name: s.name.into(),
                kind: s.key.into(),
                start_minute: i64::from(s.start_minute),
                length_minutes: i64::from(s.length_minutes),
            })
            .collect()
    }

    /// The assignments to store: centre duty at the township grid, everything else in the worker's village.
    pub fn assignments(&self, roster: &Roster) -> Vec<RosterAssignment> {
        let mut out = Vec::new();
        for (w, record) in self.workers.iter().enumerate() {
            for d in 0..self.model.horizon_days {
                let Some(shift) = roster.get(w, d) else { continue };
                let area = match SHIFTS[shift].kind {
                    ShiftKind::CentreDutyDay | ShiftKind::CentreDutyNight => self.township_code.clone(),
                    _ => self.home_areas[w].code.clone(),
                };
                out.push(RosterAssignment {
                    worker_id: record.worker.id.clone(),
                    day: self.day(d),
                    shift_code: SHIFTS[shift].code.into(),
                    area,
                });
            }
        }
        out
    }

    /// Reads a stored roster back into the model's terms, so that it can be re-checked with
    /// [`roster::evaluate`]. Fails when the stored roster does not fit this model (other workers, days
    /// or shifts).
    pub fn roster_of(&self, stored: &StoredRoster) -> Result<Roster> {
        let misfit =
            |what: String| ApiError::Invalid(format!("排班 #{} 与当前模型不符：{what}", stored.header.id));
        let index: HashMap<&str, usize> =
            self.workers.iter().enumerate().map(|(i, r)| (r.worker.id.as_str(), i)).collect();
        let mut roster = Roster::for_model(&self.model);
        for a in &stored.assignments {
            let w = *index
                .get(a.worker_id.as_str())
                .ok_or_else(|| misfit(format!("未知网格员 {}", a.worker_id)))?;
            let d = (a.day - self.first_day).num_days();
            if d < 0 || d as usize >= self.model.horizon_days {
                return Err(misfit(format!("日期 {} 不在排班期内", a.day)));
            }
            let s = SHIFTS
                .iter()
                .position(|s| s.code == a.shift_code)
                .ok_or_else(|| misfit(format!("未知班次 {}", a.shift_code)))?;
            roster.set(w, d as usize, Some(s));
        }
        Ok(roster)
    }

    /// How `roster` meets the demand of the model's mode, with every gap named.
    pub fn coverage(&self, roster: &Roster) -> Coverage {
        self.coverage_under(&self.model, roster)
    }

    /// As [`TownshipRoster::coverage`], for a model derived from this township's (a worker's sick days
    /// off, wartime demand): the same workers, areas and days.
    pub fn coverage_under(&self, m: &Model, roster: &Roster) -> Coverage {
        let (days, shifts) = (m.horizon_days, m.shifts.len());
        let mut assigned = vec![0u32; m.areas.len() * days * shifts];
        let mut worked_shifts = 0;
        for (w, worker) in m.workers.iter().enumerate() {
            for d in 0..days {
                if let Some(s) = roster.get(w, d) {
                    assigned[(worker.area * days + d) * shifts + s] += 1;
                    worked_shifts += 1;
                }
            }
        }
        let mut coverage = Coverage { worked_shifts, ..Coverage::default() };
        for c in m.active_demand() {
            let have = assigned[(c.area * days + c.day) * shifts + c.shift];
            coverage.required += c.requirement;
            coverage.covered += have.min(c.requirement);
            if have < c.requirement {
                coverage.gaps.push(CoverageGap {
                    day: self.day(c.day),
                    area_code: self.areas[c.area].code.clone(),
                    area_name: self.areas[c.area].name.clone(),
                    shift_code: SHIFTS[c.shift].code.into(),
                    required: c.requirement,
                    assigned: have,
                });
            }
        }
        coverage
    }
}

/// Stops the solver after wall-clock seconds; the core never reads the clock itself.
struct ClockBudget {
    started: Instant,
    seconds: f64,
}

impl Budget for ClockBudget {
    fn should_stop(&mut self, _iterations: u64) -> bool {
        self.started.elapsed().as_secs_f64() >= self.seconds
    }

    fn used_fraction(&mut self, _iterations: u64) -> f64 {
        self.started.elapsed().as_secs_f64() / self.seconds
    }

    fn progress(&mut self, progress: &Progress) {
        tracing::debug!(moves = progress.iterations, objective = progress.best_objective, "better roster");
    }
}

fn authorise(actor: &Actor, mode: Mode, station_mode: Mode) -> Result<()> {
    crate::allow(actor.role, StationAct::PlanRoster)?;
    match actor.role {
        Role::DutyOfficer if mode == Mode::Wartime && station_mode != Mode::Wartime => {
            Err(ApiError::Forbidden(
                "值班员只能在战时状态下编制战时排班：请领导先切换到战时，或由领导编制".into(),
            ))
        }
        _ => Ok(()),
    }
}

impl Station {
    /// Plans the township roster (all full-time workers and the part-time 1+3+N force) with the core solver
    /// under the request's budget, stores it with one audit record (`roster_plan`) and one feed entry in one
    /// transaction, and returns its figures. A roster breaking a hard rule is never stored.
    pub async fn plan_roster(&self, actor: &Actor, request: &RosterPlanRequest) -> Result<RosterPlan> {
        authorise(actor, request.mode, self.mode()).inspect_err(|error| {
            tracing::warn!(actor = %actor.id, %error, "roster plan refused");
        })?;
        if let PlanBudget::Seconds(seconds) = request.budget {
            if seconds.is_nan() || seconds <= 0.0 {
                return Err(ApiError::Invalid(format!("排班计算时间必须为正数，收到 {seconds}")));
            }
        }
        let township = township_roster(self, request.first_day, request.weeks, request.mode).await?;
        let model = township.model.clone();
        let config = SolverConfig { seed: request.seed, ..SolverConfig::default() };
        let budget = request.budget;
        // The search is CPU-bound for seconds: keep it off the async workers.
        let (outcome, seconds) = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let outcome = match budget {
                PlanBudget::Seconds(seconds) => {
                    roster::solve(&model, &config, &mut ClockBudget { started, seconds })
                }
                PlanBudget::Moves(max_iterations) => {
                    roster::solve(&model, &config, &mut IterationBudget { max_iterations })
                }
            };
            (outcome, started.elapsed().as_secs_f64())
        })
        .await
        .map_err(|e| ApiError::Invalid(format!("排班计算意外中止：{e}")))?;
        let solution = outcome.map_err(|error| match error {
            SolveError::NoFeasibleRoster { iterations } => ApiError::Invalid(format!(
                "在给定的计算量内（{iterations} 步）没有找到满足全部硬性规则的排班，请延长计算时间"
            )),
            other => ApiError::Invalid(format!("排班模型无效：{other}")),
        })?;
        // The solver re-checks its answer; checking again here keeps the promise local and visible.
        let evaluation = evaluate(&township.model, &solution.roster);
        if !evaluation.is_feasible() {
            return Err(ApiError::Invalid(format!(
                "排班结果违反 {} 条硬性规则，未保存",
                evaluation.hard_violations()
            )));
        }
        let coverage = township.coverage(&solution.roster);
        let days = township.model.horizon_days;
        let last_day = township.day(days - 1);
        let full_time_workers =
            township.workers.iter().filter(|r| r.worker.employment == Employment::FullTime).count();
        let note = format!(
            "{} {} 至 {} {}排班：网格员 {} 人（专职 {} 人），需求班次 {}，已覆盖 {}，缺口 {} 处，目标值 {}",
            township.township_name,
            request.first_day,
            last_day,
            request.mode.name_zh(),
            township.workers.len(),
            full_time_workers,
            coverage.required,
            coverage.covered,
            coverage.gaps.len(),
            evaluation.objective(),
        );
        let now = self.now();
        let new = NewRoster {
            created_at: now,
            created_by: actor.name.clone(),
            mode: request.mode,
            first_day: request.first_day,
            days: days as i64,
            objective: evaluation.objective(),
            hard_violations: 0,
            note: note.clone(),
            shift_types: township.shift_types(),
            assignments: township.assignments(&solution.roster),
        };
        let mut tx = self.store().begin_write().await?;
        let roster_id = tx.insert_roster(&new).await?;
        let audit =
            crate::station_audit(actor, now, "roster_plan", None, format!("编制排班 #{roster_id}：{note}"));
        tx.append_audit(&audit).await?;
        tx.commit().await?;
        tracing::info!(
            roster = roster_id,
            actor = %actor.id,
            mode = request.mode.key(),
            objective = evaluation.objective(),
            covered = coverage.covered,
            required = coverage.required,
            gaps = coverage.gaps.len(),
            seconds,
            moves = solution.iterations,
            "roster planned"
        );
        Ok(RosterPlan {
            roster_id,
            mode: request.mode,
            first_day: request.first_day,
            days,
            objective: evaluation.objective(),
            cover_penalty: evaluation.cover_penalty,
            fairness_penalty: evaluation.fairness_penalty,
            hard_violations: 0,
            seconds,
            moves: solution.iterations,
            workers: township.workers.len(),
            full_time_workers,
            coverage,
        })
    }

    /// Whether the roster in force puts the worker on a shift at `at` (from the shift's start, inclusive,
    /// to its end, exclusive, in Asia/Shanghai; a night shift started the evening before counts). No
    /// roster covering the day means not on shift.
    pub async fn on_shift(&self, worker_id: &str, at: DateTime<Utc>) -> Result<bool> {
        if self.store().worker(worker_id, &self.scheme()).await?.is_none() {
            return Err(ApiError::Invalid(format!("网格员 {worker_id} 不存在")));
        }
        Ok(self.store().on_shift(worker_id, at).await?)
    }

    /// Every worker on shift at `at`, sorted by id.
    pub async fn workers_on_shift(&self, at: DateTime<Utc>) -> Result<Vec<String>> {
        Ok(self.store().workers_on_shift(at).await?)
    }

    /// A stored roster (the newest when `roster_id` is `None`) laid out for printing.
    pub async fn roster_sheet(&self, roster_id: Option<i64>) -> Result<RosterSheet> {
        let store = self.store();
        let id = match roster_id {
            Some(id) => id,
            None => store
                .latest_roster()
                .await?
                .map(|h| h.id)
                .ok_or_else(|| ApiError::Invalid("还没有排班：请先运行 roster plan".into()))?,
        };
        let stored =
            store.roster(id).await?.ok_or_else(|| ApiError::Invalid(format!("排班 #{id} 不存在")))?;
        let scheme = self.scheme();
        let village_depth = scheme.village_depth();
        let tree = store.grid_tree(village_depth as i64).await?;
        let township = tree.iter().find(|n| n.parent_code.is_none());
        let township_name = township.map(|t| t.name.clone()).unwrap_or_default();
        let names: HashMap<&str, &str> = tree.iter().map(|n| (n.code.as_str(), n.name.as_str())).collect();
        let header = &stored.header;
        let days: Vec<NaiveDate> = (0..header.days).map(|d| header.first_day + Duration::days(d)).collect();
        let length: HashMap<&str, u32> =
            stored.shift_types.iter().map(|s| (s.code.as_str(), s.length_minutes.max(0) as u32)).collect();

        let mut records = store.workers(&scheme).await?;
        let home_of = |r: &WorkerRecord| {
            r.worker
                .grids
                .first()
                .and_then(|g| g.ancestor_at(village_depth, &scheme))
                .map(|v| v.as_str().to_string())
                .unwrap_or_else(|| township.map(|t| t.code.clone()).unwrap_or_default())
        };
        records.sort_by_cached_key(|r| sort_key(r, &home_of(r)));
        let mut rows: Vec<SheetRow> = records
            .iter()
            .map(|r| {
                let home = home_of(r);
                SheetRow {
                    worker_id: r.worker.id.clone(),
                    name: r.worker.name.clone(),
                    category: r.worker.group.name_zh().to_string(),
                    area_name: names.get(home.as_str()).map_or(home.clone(), |n| n.to_string()),
                    cells: vec![None; days.len()],
                    shifts: 0,
                    minutes: 0,
                }
            })
            .collect();
        let mut row_of: HashMap<String, usize> =
            rows.iter().enumerate().map(|(i, r)| (r.worker_id.clone(), i)).collect();
        let mut day_counts = vec![vec![0u32; days.len()]; stored.shift_types.len()];
        for a in &stored.assignments {
            // A worker removed from the register since keeps a line, under their id.
            let row = *row_of.entry(a.worker_id.clone()).or_insert_with(|| {
                rows.push(SheetRow {
                    worker_id: a.worker_id.clone(),
                    name: a.worker_id.clone(),
                    category: "（已不在登记册）".into(),
                    area_name: names.get(a.area.as_str()).map_or(a.area.clone(), |n| n.to_string()),
                    cells: vec![None; days.len()],
                    shifts: 0,
                    minutes: 0,
                });
                rows.len() - 1
            });
            let d = (a.day - header.first_day).num_days();
            if d < 0 || d >= header.days {
                return Err(ApiError::Store(redgrid_store::StoreError::Corrupt(format!(
                    "排班 #{id} 的日期 {} 不在排班期内",
                    a.day
                ))));
            }
            let d = d as usize;
            rows[row].cells[d] = Some(a.shift_code.clone());
            rows[row].shifts += 1;
            rows[row].minutes += length.get(a.shift_code.as_str()).copied().unwrap_or(0);
            if let Some(s) = stored.shift_types.iter().position(|s| s.code == a.shift_code) {
                day_counts[s][d] += 1;
            }
        }
        let day_totals = (0..days.len()).map(|d| day_counts.iter().map(|c| c[d]).sum()).collect();
        Ok(RosterSheet {
            roster_id: id,
            township_name,
            mode: header.mode,
            created_at: header.created_at,
            created_by: header.created_by.clone(),
            days,
            shift_types: stored.shift_types,
            rows,
            day_counts,
            day_totals,
        })
    }
}
