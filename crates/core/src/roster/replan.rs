//! Re-planning with stability: after a worker calls in sick or the mode switches to wartime, the
//! roster is repaired from the current one, and every assignment that differs from it costs a
//! stability weight, so the search changes only what the new situation makes worth changing.

use super::assignments::Roster;
use super::model::{Mode, Model, WorkerIndex};
use super::solver::{search, Budget, Solution, SolveError, SolverConfig, Stability, Start};

/// Something that happened since the current roster was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The worker cannot work on these days (sickness, leave, call-out elsewhere).
    WorkerUnavailable { worker: WorkerIndex, days: Vec<usize> },
    /// Demand switches to the given profile (平战切换).
    SwitchMode(Mode),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplanConfig {
    pub solver: SolverConfig,
    /// Cost of each (worker, day) whose assignment differs from the current roster, in the
    /// objective's units. Below the cover weights, so a gap in coverage is still filled.
    pub stability_weight: u32,
}

impl Default for ReplanConfig {
    fn default() -> Self {
        ReplanConfig {
            solver: SolverConfig {
                // The current roster is already good: a cool start keeps the search near it.
                initial_temperature: 5.0,
                final_temperature: 0.3,
                ..SolverConfig::default()
            },
            stability_weight: 30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replan {
    /// The model with the changes applied (days off added, mode switched).
    pub model: Model,
    /// The new roster; its objective is the new model's, without the stability cost.
    pub solution: Solution,
    /// The (worker, day) cells whose assignment differs from the current roster.
    pub changed: Vec<(WorkerIndex, usize)>,
}

/// The model after `changes` to a situation rostered as `current`.
pub fn apply_changes(model: &Model, current: &Roster, changes: &[Change]) -> Model {
    let mut model = model.clone();
    for change in changes {
        match change {
            Change::WorkerUnavailable { worker, days } => {
                let w = &mut model.workers[*worker];
                for &day in days {
                    if w.days_off.contains(&day) {
                        continue;
                    }
                    w.days_off.push(day);
                    // Sick leave counts towards contracted hours: without this credit the
                    // worker would have to make the hours up on other, unaffected days.
                    if let Some(shift) = current.get(*worker, day) {
                        let length = model.shifts[shift].length_minutes;
                        w.contract.min_total_minutes = w.contract.min_total_minutes.saturating_sub(length);
                    }
                }
            }
            Change::SwitchMode(mode) => model.mode = *mode,
        }
    }
    model
}

/// Re-plans from `current` after `changes`, changing as few assignments as it can.
pub fn replan(
    model: &Model,
    current: &Roster,
    changes: &[Change],
    config: &ReplanConfig,
    budget: &mut dyn Budget,
) -> Result<Replan, SolveError> {
    let model = apply_changes(model, current, changes);
    let stability = Stability { roster: current, weight: config.stability_weight };
    let solution = search(&model, current, Some(stability), Start::Roster, &config.solver, budget)?;
    let changed = current.changed_cells(&solution.roster);
    Ok(Replan { model, solution, changed })
}
