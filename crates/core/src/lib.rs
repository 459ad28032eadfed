//! The RedGrid domain: everything a township comprehensive-governance centre decides, with no I/O.
//!
//! A short tour:
//! - [`time`]: instants, and days and months counted in Asia/Shanghai.
//! - [`grid`]: the two kinds and five levels of grids, and the unified grid code.
//! - [`register`]: the four registers (grid basics, grid force, residents, key places).
//! - [`worker`]: grid workers, the "1+3+N" groups, the "六长两员" roles, skills.
//! - [`camera`]: cameras as the NVR knows them.
//! - [`event`]: events, their "grid + N" categories, severities and sources.
//! - [`closed_loop`]: the six-step state machine, the only way an event changes state.
//! - [`time_limit`]: the time-limit policy, the working-day calendar and deadlines.
//! - [`stats`]: the statistics and their exact definitions.
//! - [`roster`]: rosters of grid workers and the shift-scheduling solver.
//!
//! Time is always a parameter (`now`); nothing here reads the clock.

pub mod account;
pub mod acts;
pub mod callup;
pub mod camera;
pub mod closed_loop;
pub mod dispatch;
pub mod event;
pub mod grid;
pub mod register;
pub mod response;
pub mod roster;
pub mod stats;
pub mod time;
pub mod time_limit;
pub mod worker;
