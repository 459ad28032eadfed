//! The roster solver: simulated annealing over a penalised objective with incremental evaluation.
//!
//! The search state is any roster that respects the per-cell rules (days off, availability,
//! skills, shift types a contract never allows); every other hard rule is a penalty weighted by
//! an adaptive factor, so the search can walk through infeasible rosters to reach better feasible
//! ones. Only feasible rosters are ever kept as the answer. Moves change one day, swap two
//! workers' days or a block of days, set a block of days, or move a shift within a worker's row;
//! each is scored by re-counting only the runs of days it touches (see `docs/rostering.md`).

use thiserror::Error;

use super::assignments::Roster;
use super::evaluate::evaluate;
use super::model::{Model, ModelError, ShiftKind};

/// Decides when the search stops and hears about its progress; the caller owns the clock.
pub trait Budget {
    /// Asked every [`CHECK_EVERY`] moves with the number of moves made so far.
    fn should_stop(&mut self, iterations: u64) -> bool;
    /// How much of the budget is spent, from 0 to 1; drives the cooling schedule.
    fn used_fraction(&mut self, iterations: u64) -> f64;
    /// Called whenever a better feasible roster is found.
    fn progress(&mut self, _progress: &Progress) {}
}

/// How often (in moves) the solver consults its [`Budget`].
pub const CHECK_EVERY: u64 = 1024;

/// A budget counted in moves, so that a run is reproducible on any machine.
#[derive(Debug, Clone, Copy)]
pub struct IterationBudget {
    pub max_iterations: u64,
}

impl Budget for IterationBudget {
    fn should_stop(&mut self, iterations: u64) -> bool {
        iterations >= self.max_iterations
    }

    fn used_fraction(&mut self, iterations: u64) -> f64 {
        iterations as f64 / self.max_iterations.max(1) as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub iterations: u64,
    pub best_objective: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SolverConfig {
    pub seed: u64,
    /// Temperature at the start and at the end of the budget, in objective units.
    pub initial_temperature: f64,
    pub final_temperature: f64,
}

impl Default for SolverConfig {
    fn default() -> Self {
        SolverConfig { seed: 1, initial_temperature: 50.0, final_temperature: 0.5 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    pub roster: Roster,
    /// The model's objective for `roster` (as [`evaluate`] computes it).
    pub objective: i64,
    pub iterations: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SolveError {
    #[error("invalid model: {0}")]
    Model(#[from] ModelError),
    #[error("no roster meeting every hard rule was found within the budget ({iterations} moves)")]
    NoFeasibleRoster { iterations: u64 },
    #[error("the starting roster has {found} workers × {found_days} days, the model {workers} × {days}")]
    StartShape { workers: usize, days: usize, found: usize, found_days: usize },
}

/// Finds a roster for `model` from scratch.
pub fn solve(model: &Model, config: &SolverConfig, budget: &mut dyn Budget) -> Result<Solution, SolveError> {
    let start = Roster::for_model(model);
    search(model, &start, None, Start::Scratch, config, budget)
}

/// Improves on `start`, which may break hard rules (they are then repaired first).
pub fn solve_from(
    model: &Model,
    start: &Roster,
    config: &SolverConfig,
    budget: &mut dyn Budget,
) -> Result<Solution, SolveError> {
    search(model, start, None, Start::Roster, config, budget)
}

/// Extra per-cell cost used by re-planning: `weight` for every cell that differs from `roster`.
pub(crate) struct Stability<'a> {
    pub roster: &'a Roster,
    pub weight: u32,
}

/// How far the start is from feasible, which decides how the first feasible roster is sought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// Everybody off: hard rules first, with a temperature of their own (see [`anneal`]).
    Scratch,
    /// A roster that was feasible before some change: repaired under the ordinary penalties,
    /// so that soft costs such as stability steer the repair from the first move.
    Roster,
}

pub(crate) fn search(
    model: &Model,
    start: &Roster,
    stability: Option<Stability>,
    start_kind: Start,
    config: &SolverConfig,
    budget: &mut dyn Budget,
) -> Result<Solution, SolveError> {
    model.validate()?;
    if start.workers() != model.workers.len() || start.days() != model.horizon_days {
        return Err(SolveError::StartShape {
            workers: model.workers.len(),
            days: model.horizon_days,
            found: start.workers(),
            found_days: start.days(),
        });
    }
    let problem = Problem::compile(model, stability);
    let mut state = State::new(&problem, start);
    let mut rng = SplitMix64::new(config.seed);
    let (best, iterations) = anneal(&problem, &mut state, &mut rng, start_kind, config, budget);
    let Some(cells) = best else {
        return Err(SolveError::NoFeasibleRoster { iterations });
    };
    let roster = problem.roster_of(&cells);
    let evaluation = evaluate(model, &roster);
    // The incremental evaluator is the solver's own; the plain one has the last word so that a
    // bug in the former can never hand out a roster that breaks a hard rule.
    if !evaluation.is_feasible() {
        return Err(SolveError::NoFeasibleRoster { iterations });
    }
    Ok(Solution { roster, objective: evaluation.objective(), iterations })
}

/// Small deterministic generator; core stays free of dependencies.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed ^ 0x5851_f42d_4c95_7f2d)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Hard penalties count days; minutes are counted in hours, and a day weighs as much as a
/// typical shift's hours so the two kinds trade off sensibly.
const DAY_UNIT: i64 = 8;

/// The model flattened into index arrays. Cell values: 0 is a day off, `s + 1` is shift `s`.
struct Problem {
    workers: usize,
    days: usize,
    shifts: usize,
    /// Values per cell: `shifts + 1`.
    values: usize,
    length: Vec<i64>,
    night: Vec<bool>,
    /// `[w * shifts + s]`: bit t set when shift t may not follow s for worker w.
    forbidden_next: Vec<u64>,
    /// `[w * days + d]`: bit v set when value v is allowed at all in that cell.
    allowed: Vec<u64>,
    /// `[(w * days + d) * values + v]`: requests and stability.
    cell_cost: Vec<i32>,
    max_of_type: Vec<i64>,
    max_minutes: Vec<i64>,
    min_minutes: Vec<i64>,
    max_consecutive: Vec<usize>,
    min_consecutive: Vec<usize>,
    min_days_off: Vec<usize>,
    max_weekends: Vec<i64>,
    max_per_week: Vec<Option<i64>>,
    area: Vec<usize>,
    /// Workers of each area, for swaps that keep coverage.
    area_workers: Vec<Vec<usize>>,
    /// `[(a * days + d) * shifts + s]`.
    cover_requirement: Vec<i64>,
    cover_under: Vec<i64>,
    cover_over: Vec<i64>,
    weekend_of: Vec<Option<usize>>,
    weekends: usize,
    week_of: Vec<usize>,
    weeks: usize,
    fairness: i64,
}

impl Problem {
    fn compile(model: &Model, stability: Option<Stability>) -> Problem {
        let workers = model.workers.len();
        let days = model.horizon_days;
        let shifts = model.shifts.len();
        let values = shifts + 1;
        let mut forbidden_next = vec![0u64; workers * shifts];
        let mut allowed = vec![1u64; workers * days];
        let mut cell_cost = vec![0i32; workers * days * values];
        for w in 0..workers {
            for a in 0..shifts {
                for b in 0..shifts {
                    if model.succession_forbidden(w, a, b) {
                        forbidden_next[w * shifts + a] |= 1 << b;
                    }
                }
            }
            for d in 0..days {
                for s in 0..shifts {
                    if model.may_work(w, d, s) {
                        allowed[w * days + d] |= 1 << (s + 1);
                    }
                }
            }
        }
        for r in &model.on_requests {
            let base = (r.worker * days + r.day) * values;
            for v in 0..values {
                if v != r.shift + 1 {
                    cell_cost[base + v] += r.weight as i32;
                }
            }
        }
        for r in &model.off_requests {
            cell_cost[(r.worker * days + r.day) * values + r.shift + 1] += r.weight as i32;
        }
        if let Some(stability) = stability {
            for w in 0..workers {
                for d in 0..days {
                    let keep = stability.roster.get(w, d).map_or(0, |s| s + 1);
                    let base = (w * days + d) * values;
                    for v in (0..values).filter(|&v| v != keep) {
                        cell_cost[base + v] += stability.weight as i32;
                    }
                }
            }
        }
        let areas = model.areas.len();
        let mut cover_requirement = vec![0i64; areas * days * shifts];
        let mut cover_under = vec![0i64; areas * days * shifts];
        let mut cover_over = vec![0i64; areas * days * shifts];
        for c in model.active_demand() {
            let i = (c.area * days + c.day) * shifts + c.shift;
            cover_requirement[i] = i64::from(c.requirement);
            cover_under[i] = i64::from(c.under_weight);
            cover_over[i] = i64::from(c.over_weight);
        }
        let mut area_workers = vec![Vec::new(); areas];
        for (w, worker) in model.workers.iter().enumerate() {
            area_workers[worker.area].push(w);
        }
        let contract = |f: &dyn Fn(&super::model::Contract) -> i64| {
            model.workers.iter().map(|w| f(&w.contract)).collect::<Vec<i64>>()
        };
        Problem {
            workers,
            days,
            shifts,
            values,
            length: model.shifts.iter().map(|s| i64::from(s.length_minutes)).collect(),
            night: model.shifts.iter().map(|s| s.kind == ShiftKind::CentreDutyNight).collect(),
            forbidden_next,
            allowed,
            cell_cost,
            max_of_type: model
                .workers
                .iter()
                .flat_map(|w| w.contract.max_shifts_per_type.iter().map(|&m| i64::from(m)))
                .collect(),
            max_minutes: contract(&|c| i64::from(c.max_total_minutes)),
            min_minutes: contract(&|c| i64::from(c.min_total_minutes)),
            max_consecutive: contract(&|c| i64::from(c.max_consecutive_shifts))
                .into_iter()
                .map(|x| x as usize)
                .collect(),
            min_consecutive: contract(&|c| i64::from(c.min_consecutive_shifts))
                .into_iter()
                .map(|x| x as usize)
                .collect(),
            min_days_off: contract(&|c| i64::from(c.min_consecutive_days_off))
                .into_iter()
                .map(|x| x as usize)
                .collect(),
            max_weekends: contract(&|c| i64::from(c.max_weekends)),
            max_per_week: model
                .workers
                .iter()
                .map(|w| w.contract.max_shifts_per_week.map(i64::from))
                .collect(),
            area: model.workers.iter().map(|w| w.area).collect(),
            area_workers,
            cover_requirement,
            cover_under,
            cover_over,
            weekend_of: (0..days).map(|d| model.weekend_of_day(d)).collect(),
            weekends: model.weekend_count(),
            week_of: (0..days).map(|d| model.week_of_day(d)).collect(),
            weeks: model.week_count(),
            fairness: i64::from(model.fairness_weight),
        }
    }

    fn roster_of(&self, cells: &[u8]) -> Roster {
        let mut roster = Roster::empty(self.workers, self.days);
        for w in 0..self.workers {
            for d in 0..self.days {
                let v = cells[w * self.days + d];
                roster.set(w, d, (v > 0).then(|| usize::from(v) - 1));
            }
        }
        roster
    }

    fn cover_cost(&self, i: usize, count: i64) -> i64 {
        let need = self.cover_requirement[i];
        if count < need {
            (need - count) * self.cover_under[i]
        } else {
            (count - need) * self.cover_over[i]
        }
    }
}

fn minutes_hard(minutes: i64, min: i64, max: i64) -> i64 {
    let excess = (minutes - max).max(0) + (min - minutes).max(0);
    (excess + 59) / 60
}

/// The search state with every counter the penalties need.
struct State {
    cells: Vec<u8>,
    minutes: Vec<i64>,
    of_type: Vec<i64>,
    /// `[w * weekends + k]`: worked days (0–2) in weekend k.
    weekend_days: Vec<u8>,
    weekends_worked: Vec<i64>,
    per_week: Vec<i64>,
    unpopular: Vec<i64>,
    cover: Vec<i64>,
    soft: i64,
    hard: i64,
}

impl State {
    fn new(p: &Problem, start: &Roster) -> State {
        let mut state = State {
            cells: vec![0; p.workers * p.days],
            minutes: vec![0; p.workers],
            of_type: vec![0; p.workers * p.shifts],
            weekend_days: vec![0; p.workers * p.weekends],
            weekends_worked: vec![0; p.workers],
            per_week: vec![0; p.workers * p.weeks],
            unpopular: vec![0; p.workers],
            cover: vec![0; p.cover_requirement.len()],
            soft: 0,
            hard: 0,
        };
        state.soft = p.cover_requirement.iter().enumerate().map(|(i, _)| p.cover_cost(i, 0)).sum();
        state.soft += (0..p.workers * p.days).map(|c| i64::from(p.cell_cost[c * p.values])).sum::<i64>();
        for w in 0..p.workers {
            state.hard += minutes_hard(0, p.min_minutes[w], p.max_minutes[w]);
            state.hard += state.runs_hard(p, w, 0, p.days - 1);
        }
        let mut changes = Vec::new();
        for w in 0..p.workers {
            for d in 0..p.days {
                let v = start.get(w, d).map_or(0, |s| s + 1) as u8;
                // A start that breaks a per-cell rule (a worker now sick) begins with that day off.
                if v != 0 && p.allowed[w * p.days + d] & (1 << v) != 0 {
                    changes.push(Change { worker: w, day: d, value: v });
                }
            }
        }
        let (soft, hard) = state.apply(p, &mut changes);
        state.soft += soft;
        state.hard += hard;
        state
    }

    /// Sets one cell and returns the change in (soft, hard) of everything but runs and
    /// successions, which [`State::apply`] scores over the touched window.
    fn set_cell(&mut self, p: &Problem, w: usize, d: usize, value: u8) -> (i64, i64) {
        let cell = w * p.days + d;
        let old = self.cells[cell];
        if old == value {
            return (0, 0);
        }
        let mut soft = i64::from(p.cell_cost[cell * p.values + usize::from(value)])
            - i64::from(p.cell_cost[cell * p.values + usize::from(old)]);
        let mut hard = 0;
        let cover_base = (p.area[w] * p.days + d) * p.shifts;
        let old_minutes = self.minutes[w];
        let mut unpopular = self.unpopular[w];
        if old > 0 {
            let s = usize::from(old) - 1;
            let i = cover_base + s;
            soft += p.cover_cost(i, self.cover[i] - 1) - p.cover_cost(i, self.cover[i]);
            self.cover[i] -= 1;
            self.minutes[w] -= p.length[s];
            let t = w * p.shifts + s;
            hard -= DAY_UNIT * i64::from(self.of_type[t] > p.max_of_type[t]);
            self.of_type[t] -= 1;
            unpopular -= i64::from(p.night[s]);
        }
        if value > 0 {
            let s = usize::from(value) - 1;
            let i = cover_base + s;
            soft += p.cover_cost(i, self.cover[i] + 1) - p.cover_cost(i, self.cover[i]);
            self.cover[i] += 1;
            self.minutes[w] += p.length[s];
            let t = w * p.shifts + s;
            self.of_type[t] += 1;
            hard += DAY_UNIT * i64::from(self.of_type[t] > p.max_of_type[t]);
            unpopular += i64::from(p.night[s]);
        }
        hard += minutes_hard(self.minutes[w], p.min_minutes[w], p.max_minutes[w])
            - minutes_hard(old_minutes, p.min_minutes[w], p.max_minutes[w]);
        let working_changed = (old == 0) != (value == 0);
        if working_changed {
            let delta = if value > 0 { 1 } else { -1 };
            if let Some(k) = p.weekend_of[d] {
                let i = w * p.weekends + k;
                let before = self.weekend_days[i] > 0;
                self.weekend_days[i] = (i64::from(self.weekend_days[i]) + delta) as u8;
                let after = self.weekend_days[i] > 0;
                if before != after {
                    let was = self.weekends_worked[w];
                    self.weekends_worked[w] += if after { 1 } else { -1 };
                    let max = p.max_weekends[w];
                    hard += DAY_UNIT * ((self.weekends_worked[w] - max).max(0) - (was - max).max(0));
                    unpopular += if after { 1 } else { -1 };
                }
            }
            if let Some(max) = p.max_per_week[w] {
                let i = w * p.weeks + p.week_of[d];
                let was = self.per_week[i];
                self.per_week[i] += delta;
                hard += DAY_UNIT * ((self.per_week[i] - max).max(0) - (was - max).max(0));
            }
        }
        if p.fairness > 0 && unpopular != self.unpopular[w] {
            soft += p.fairness * (unpopular * unpopular - self.unpopular[w] * self.unpopular[w]);
        }
        self.unpopular[w] = unpopular;
        self.cells[cell] = value;
        (soft, hard)
    }

    /// Hard penalty of forbidden successions starting on days `from-1 ..= to` and of every run
    /// of working days or days off that touches `from-1 ..= to+1`.
    fn window_hard(&self, p: &Problem, w: usize, from: usize, to: usize) -> i64 {
        let row = &self.cells[w * p.days..(w + 1) * p.days];
        let mut pen = 0;
        if p.days >= 2 {
            let first = from.saturating_sub(1);
            let last = to.min(p.days - 2);
            for d in first..=last {
                let (a, b) = (row[d], row[d + 1]);
                if a > 0 && b > 0 && p.forbidden_next[w * p.shifts + usize::from(a) - 1] >> (b - 1) & 1 != 0 {
                    pen += DAY_UNIT;
                }
            }
        }
        pen + self.runs_hard(p, w, from, to)
    }

    fn runs_hard(&self, p: &Problem, w: usize, from: usize, to: usize) -> i64 {
        let row = &self.cells[w * p.days..(w + 1) * p.days];
        let works = |d: usize| row[d] != 0;
        // Extend to whole runs: cells outside from..=to did not change, so the runs found are
        // the same before and after a move.
        let mut left = from.saturating_sub(1);
        while left > 0 && works(left - 1) == works(left) {
            left -= 1;
        }
        let mut right = (to + 1).min(p.days - 1);
        while right + 1 < p.days && works(right + 1) == works(right) {
            right += 1;
        }
        let (max_on, min_on, min_off) = (p.max_consecutive[w], p.min_consecutive[w], p.min_days_off[w]);
        let mut pen = 0usize;
        let mut start = left;
        while start <= right {
            let working = works(start);
            let mut end = start;
            while end < right && works(end + 1) == working {
                end += 1;
            }
            let len = end - start + 1;
            let edge = start == 0 || end == p.days - 1;
            if working {
                pen += len.saturating_sub(max_on);
                if !edge {
                    pen += min_on.saturating_sub(len);
                }
            } else if !edge {
                pen += min_off.saturating_sub(len);
            }
            start = end + 1;
        }
        DAY_UNIT * pen as i64
    }

    /// Applies changes (sorted by worker) and returns the change in (soft, hard). On return
    /// `changes` holds the previous values, so applying it again undoes the move.
    fn apply(&mut self, p: &Problem, changes: &mut [Change]) -> (i64, i64) {
        let (mut soft, mut hard) = (0, 0);
        let mut i = 0;
        while i < changes.len() {
            let w = changes[i].worker;
            let mut j = i;
            let (mut from, mut to) = (changes[i].day, changes[i].day);
            while j < changes.len() && changes[j].worker == w {
                from = from.min(changes[j].day);
                to = to.max(changes[j].day);
                j += 1;
            }
            hard -= self.window_hard(p, w, from, to);
            for c in &mut changes[i..j] {
                let old = self.cells[w * p.days + c.day];
                let (s, h) = self.set_cell(p, w, c.day, c.value);
                soft += s;
                hard += h;
                c.value = old;
            }
            hard += self.window_hard(p, w, from, to);
            i = j;
        }
        (soft, hard)
    }
}

#[derive(Debug, Clone, Copy)]
struct Change {
    worker: usize,
    day: usize,
    value: u8,
}

/// A random value allowed in the cell, other than `current` when there is another.
fn random_value(p: &Problem, rng: &mut SplitMix64, cell: usize, current: u8) -> Option<u8> {
    let mask = p.allowed[cell] & !(1u64 << current);
    let n = mask.count_ones() as usize;
    if n == 0 {
        return None;
    }
    let mut k = rng.below(n);
    let mut m = mask;
    loop {
        let bit = m.trailing_zeros();
        if k == 0 {
            return Some(bit as u8);
        }
        k -= 1;
        m &= m - 1;
    }
}

fn allowed(p: &Problem, w: usize, d: usize, value: u8) -> bool {
    p.allowed[w * p.days + d] >> value & 1 != 0
}

/// Proposes a random move into `changes` (sorted by worker); false when it would change nothing.
fn propose(p: &Problem, s: &State, rng: &mut SplitMix64, changes: &mut Vec<Change>) -> bool {
    changes.clear();
    let w = rng.below(p.workers);
    let d = rng.below(p.days);
    let cell = |w: usize, d: usize| s.cells[w * p.days + d];
    match rng.below(100) {
        // One day of one worker gets another value.
        0..=39 => {
            if let Some(value) = random_value(p, rng, w * p.days + d, cell(w, d)) {
                changes.push(Change { worker: w, day: d, value });
            }
        }
        // Two workers of an area swap a block of days: coverage stays, rules and requests move.
        40..=69 => {
            let mates = &p.area_workers[p.area[w]];
            let other = mates[rng.below(mates.len())];
            if other == w {
                return false;
            }
            let longest = if rng.below(2) == 0 { 2 } else { 7 };
            let len = 1 + rng.below(longest);
            let end = (d + len).min(p.days);
            let (a, b) = if w < other { (w, other) } else { (other, w) };
            for day in d..end {
                let (va, vb) = (cell(a, day), cell(b, day));
                if va != vb && allowed(p, a, day, vb) && allowed(p, b, day, va) {
                    changes.push(Change { worker: a, day, value: vb });
                }
            }
            let n = changes.len();
            for k in 0..n {
                let day = changes[k].day;
                changes.push(Change { worker: b, day, value: cell(a, day) });
            }
        }
        // A block of days set to one value: builds and removes whole runs at once.
        70..=89 => {
            let len = 2 + rng.below(5);
            let value = if rng.below(3) == 0 {
                0
            } else {
                match random_value(p, rng, w * p.days + d, 0) {
                    Some(v) => v,
                    None => return false,
                }
            };
            for day in d..(d + len).min(p.days) {
                if cell(w, day) != value && allowed(p, w, day, value) {
                    changes.push(Change { worker: w, day, value });
                }
            }
        }
        // A worker's shift moves to another nearby day: hours stay, runs and coverage move.
        _ => {
            let spread = 1 + rng.below(6);
            let other = if rng.below(2) == 0 { d.checked_sub(spread) } else { Some(d + spread) };
            let Some(other) = other.filter(|&o| o < p.days) else {
                return false;
            };
            let (va, vb) = (cell(w, d), cell(w, other));
            if va == vb || !allowed(p, w, d, vb) || !allowed(p, w, other, va) {
                return false;
            }
            changes.push(Change { worker: w, day: d, value: vb });
            changes.push(Change { worker: w, day: other, value: va });
        }
    }
    !changes.is_empty()
}

/// Bounds of the adaptive weight of hard penalties against soft ones. At the lower bound one
/// day's violation (8 units) still costs more than a worker missing from cover (100).
const MIN_HARD_WEIGHT: f64 = 20.0;
const MAX_HARD_WEIGHT: f64 = 1e6;
/// Temperature of the repair phase, in hard units (a day's violation is 8).
const REPAIR_TEMPERATURE: f64 = 0.5;
/// Annealing cycles over the budget, each restarting from the best roster.
const CYCLES: usize = 4;

/// Runs the annealing until the budget stops it; returns the best feasible cells found.
fn anneal(
    p: &Problem,
    s: &mut State,
    rng: &mut SplitMix64,
    start_kind: Start,
    config: &SolverConfig,
    budget: &mut dyn Budget,
) -> (Option<Vec<u8>>, u64) {
    let mut best: Option<Vec<u8>> = None;
    let mut best_soft = i64::MAX;
    if s.hard == 0 {
        best = Some(s.cells.clone());
        best_soft = s.soft;
    }
    // The hard-rule weight adapts: it grows while the search stays infeasible and shrinks while
    // it stays feasible, so the search keeps to the border where the good rosters lie.
    let mut hard_weight = 50.0f64;
    let mut temperature = config.initial_temperature;
    let ratio = config.final_temperature / config.initial_temperature;
    let mut changes = Vec::with_capacity(32);
    let mut iterations = 0u64;
    let mut infeasible_moves = 0u64;
    let mut current_cycle = 0;
    loop {
        if iterations.is_multiple_of(CHECK_EVERY) {
            if budget.should_stop(iterations) {
                break;
            }
            let fraction = budget.used_fraction(iterations).clamp(0.0, 1.0);
            // Each cycle cools from the initial temperature again, starting over from the best
            // roster: independent-looking descents that share what the earlier ones found.
            let scaled = fraction * CYCLES as f64;
            let cycle = (scaled as usize).min(CYCLES - 1);
            if cycle != current_cycle {
                current_cycle = cycle;
                if let Some(cells) = &best {
                    *s = State::new(p, &p.roster_of(cells));
                }
            }
            temperature = config.initial_temperature * ratio.powf(scaled - cycle as f64);
            if infeasible_moves > CHECK_EVERY / 2 {
                hard_weight = (hard_weight * 1.2).min(MAX_HARD_WEIGHT);
            } else {
                hard_weight = (hard_weight / 1.05).max(MIN_HARD_WEIGHT);
            }
            infeasible_moves = 0;
        }
        iterations += 1;
        if !propose(p, s, rng, &mut changes) {
            continue;
        }
        let (soft, hard) = s.apply(p, &mut changes);
        // Until a first feasible roster exists, hard rules come first and soft costs only break
        // ties: a separate, hard-unit temperature lets the repair walk across plateaus of
        // equally broken rosters instead of freezing under a large hard weight.
        let (delta, temperature) = if best.is_none() && start_kind == Start::Scratch {
            (hard as f64 + soft as f64 * 1e-4, REPAIR_TEMPERATURE)
        } else {
            (soft as f64 + hard_weight * hard as f64, temperature)
        };
        let accept = delta <= 0.0 || rng.unit() < (-delta / temperature).exp();
        if accept {
            s.soft += soft;
            s.hard += hard;
            if s.hard == 0 && s.soft < best_soft {
                best_soft = s.soft;
                match &mut best {
                    Some(cells) => cells.copy_from_slice(&s.cells),
                    None => best = Some(s.cells.clone()),
                }
                budget.progress(&Progress { iterations, best_objective: best_soft });
            }
        } else {
            s.apply(p, &mut changes);
        }
        if s.hard > 0 {
            infeasible_moves += 1;
        }
    }
    (best, iterations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::parse_benchmark;

    /// The incremental totals must equal a fresh count after any sequence of moves, accepted or
    /// undone; the integration tests only see the final answer.
    #[test]
    fn incremental_totals_match_a_fresh_count() {
        let instances = [
            include_str!("../../../../assets/rostering/Instance1.txt"),
            include_str!("../../../../assets/rostering/Instance5.txt"),
            include_str!("../../../../assets/rostering/Instance8.txt"),
            include_str!("../../../../assets/rostering/Instance12.txt"),
        ];
        for (n, text) in instances.iter().enumerate() {
            let model = parse_benchmark(text).unwrap();
            let p = Problem::compile(&model, None);
            let mut s = State::new(&p, &Roster::for_model(&model));
            let mut rng = SplitMix64::new(7);
            let mut changes = Vec::new();
            for i in 0..100_000 {
                if !propose(&p, &s, &mut rng, &mut changes) {
                    continue;
                }
                let (soft, hard) = s.apply(&p, &mut changes);
                if rng.below(2) == 0 {
                    s.soft += soft;
                    s.hard += hard;
                } else {
                    s.apply(&p, &mut changes);
                }
                if i % 5_000 == 0 {
                    let fresh = State::new(&p, &p.roster_of(&s.cells));
                    assert_eq!((s.soft, s.hard), (fresh.soft, fresh.hard), "case {n} move {i}");
                }
            }
        }
    }
}
