//! A roster (who works which shift on which day) and its `.roster` text form.
//!
//! The text form is one line per worker in the model's order: the worker ID, then one
//! tab-separated field per day holding the shift ID or `-` for a day off. Any independent
//! checker of the benchmark can re-score it.

use thiserror::Error;

use super::model::{Model, ShiftIndex, WorkerIndex};

/// Each worker's assignment on each day of the horizon: a shift or a day off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    workers: usize,
    days: usize,
    /// Worker-major, so one worker's days are contiguous.
    cells: Vec<Option<ShiftIndex>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RosterTextError {
    #[error("line {line}: unknown worker {id}")]
    UnknownWorker { line: usize, id: String },
    #[error("line {line}: worker {id} is expected at position {expected} but comes at {found}")]
    WorkerOutOfOrder { line: usize, id: String, expected: usize, found: usize },
    #[error("line {line}: {found} day fields for a horizon of {expected} days")]
    WrongDayCount { line: usize, expected: usize, found: usize },
    #[error("line {line}: unknown shift {id}")]
    UnknownShift { line: usize, id: String },
    #[error("{found} worker lines for {expected} workers")]
    WrongWorkerCount { expected: usize, found: usize },
}

impl Roster {
    /// Everybody off every day.
    pub fn empty(workers: usize, days: usize) -> Roster {
        Roster { workers, days, cells: vec![None; workers * days] }
    }

    pub fn for_model(model: &Model) -> Roster {
        Roster::empty(model.workers.len(), model.horizon_days)
    }

    pub fn workers(&self) -> usize {
        self.workers
    }

    pub fn days(&self) -> usize {
        self.days
    }

    pub fn get(&self, worker: WorkerIndex, day: usize) -> Option<ShiftIndex> {
        self.cells[worker * self.days + day]
    }

    pub fn set(&mut self, worker: WorkerIndex, day: usize, shift: Option<ShiftIndex>) {
        self.cells[worker * self.days + day] = shift;
    }

    /// One worker's assignments, day by day.
    pub fn worker_days(&self, worker: WorkerIndex) -> &[Option<ShiftIndex>] {
        &self.cells[worker * self.days..(worker + 1) * self.days]
    }

    /// The (worker, day) cells whose assignment differs between the two rosters.
    pub fn changed_cells(&self, other: &Roster) -> Vec<(WorkerIndex, usize)> {
        assert_eq!(
            (self.workers, self.days),
            (other.workers, other.days),
            "rosters of different shapes cannot be compared"
        );
        (0..self.cells.len())
            .filter(|&i| self.cells[i] != other.cells[i])
            .map(|i| (i / self.days, i % self.days))
            .collect()
    }

    /// The `.roster` text form, with a trailing newline.
    pub fn to_text(&self, model: &Model) -> String {
        let mut out = String::new();
        for (w, worker) in model.workers.iter().enumerate() {
            out.push_str(&worker.id);
            for d in 0..self.days {
                out.push('\t');
                match self.get(w, d) {
                    Some(s) => out.push_str(&model.shifts[s].id),
                    None => out.push('-'),
                }
            }
            out.push('\n');
        }
        out
    }

    /// Reads the `.roster` text form. Lines must come in the model's worker order; blank lines
    /// and `\r` are ignored.
    pub fn from_text(model: &Model, text: &str) -> Result<Roster, RosterTextError> {
        let mut roster = Roster::for_model(model);
        let mut position = 0;
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() {
                continue;
            }
            let mut fields = raw.split('\t').map(str::trim);
            let id = fields.next().unwrap_or_default();
            let worker = model
                .workers
                .iter()
                .position(|w| w.id == id)
                .ok_or_else(|| RosterTextError::UnknownWorker { line, id: id.to_string() })?;
            if worker != position {
                return Err(RosterTextError::WorkerOutOfOrder {
                    line,
                    id: id.to_string(),
                    expected: worker,
                    found: position,
                });
            }
            let days: Vec<&str> = fields.collect();
            if days.len() != model.horizon_days {
                return Err(RosterTextError::WrongDayCount {
                    line,
                    expected: model.horizon_days,
                    found: days.len(),
                });
            }
            for (d, field) in days.into_iter().enumerate() {
                let shift = match field {
                    "-" | "" => None,
                    id => Some(
                        model
                            .shifts
                            .iter()
                            .position(|s| s.id == id)
                            .ok_or_else(|| RosterTextError::UnknownShift { line, id: id.to_string() })?,
                    ),
                };
                roster.set(worker, d, shift);
            }
            position += 1;
        }
        if position != model.workers.len() {
            return Err(RosterTextError::WrongWorkerCount { expected: model.workers.len(), found: position });
        }
        Ok(roster)
    }
}
