//! Rosters of grid workers and the shift-scheduling solver.
//!
//! - [`model`]: shifts, workers and contracts, requests, coverage demand in peacetime and wartime.
//! - [`benchmark`]: reads the Curtois–Qu benchmark format into the same model.
//! - [`assignments`]: the [`Roster`] itself and its `.roster` text form.
//! - [`evaluate`]: the exact objective and every broken hard rule, plainly computed.
//! - [`solver`]: simulated annealing over penalised hard rules with incremental evaluation;
//!   anytime, deterministic for a seed, stopped by a caller-supplied [`Budget`].
//! - [`replan`]: re-planning after sickness or a switch to wartime, changing as little as it can.
//!
//! Nothing here reads files or the clock: callers pass text in and a budget that knows the time.

pub mod assignments;
pub mod benchmark;
pub mod evaluate;
pub mod model;
pub mod replan;
pub mod solver;

pub use assignments::{Roster, RosterTextError};
pub use benchmark::{parse_benchmark, BenchmarkError};
pub use evaluate::{evaluate, Evaluation, HardKind, HardViolation};
pub use model::{
    AreaIndex, Contract, CoverDemand, Demand, Employment, Mode, Model, ModelError, Request, Shift,
    ShiftIndex, ShiftKind, Worker, WorkerIndex, MAX_SHIFTS,
};
pub use replan::{apply_changes, replan, Change, Replan, ReplanConfig};
pub use solver::{
    solve, solve_from, Budget, IterationBudget, Progress, Solution, SolveError, SolverConfig, CHECK_EVERY,
};
