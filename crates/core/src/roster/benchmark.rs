//! Reader for the Curtois–Qu shift scheduling benchmark format (`Instance1.txt` … `Instance24.txt`).
//!
//! An instance maps onto [`Model`] as one area (`"all"`), no skills, no part-time limits, no
//! minimum rest beyond the forbidden successions, no wartime profile and a fairness weight of 0.
//! The model's objective is then exactly the benchmark's.

use std::collections::HashMap;

use chrono::Weekday;
use thiserror::Error;

use super::model::{
    Contract, CoverDemand, Demand, Employment, Mode, Model, ModelError, Request, Shift, ShiftKind, Worker,
};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BenchmarkError {
    #[error("line {line}: unknown section {name}")]
    UnknownSection { line: usize, name: String },
    #[error("line {line}: data before any section header")]
    DataOutsideSection { line: usize },
    #[error("section {0} is missing")]
    MissingSection(&'static str),
    #[error("line {line}: expected {expected} fields, found {found}")]
    WrongFieldCount { line: usize, expected: usize, found: usize },
    #[error("line {line}: {field} is not a valid number: {value:?}")]
    BadNumber { line: usize, field: &'static str, value: String },
    #[error("line {line}: unknown shift {id}")]
    UnknownShift { line: usize, id: String },
    #[error("line {line}: unknown staff member {id}")]
    UnknownStaff { line: usize, id: String },
    #[error("line {line}: {id} is defined twice")]
    Duplicate { line: usize, id: String },
    #[error("line {line}: day {day} lies outside the horizon of {horizon} days")]
    DayOutOfRange { line: usize, day: usize, horizon: usize },
    #[error("line {line}: malformed shift limit {value:?} (expected ShiftID=limit)")]
    BadShiftLimit { line: usize, value: String },
    #[error("the horizon section holds no day count")]
    MissingHorizon,
    #[error("the instance does not form a valid model: {0}")]
    Model(#[from] ModelError),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Horizon,
    Shifts,
    Staff,
    DaysOff,
    OnRequests,
    OffRequests,
    Cover,
}

impl Section {
    fn from_header(name: &str) -> Option<Section> {
        Some(match name {
            "SECTION_HORIZON" => Section::Horizon,
            "SECTION_SHIFTS" => Section::Shifts,
            "SECTION_STAFF" => Section::Staff,
            "SECTION_DAYS_OFF" => Section::DaysOff,
            "SECTION_SHIFT_ON_REQUESTS" => Section::OnRequests,
            "SECTION_SHIFT_OFF_REQUESTS" => Section::OffRequests,
            "SECTION_COVER" => Section::Cover,
            _ => return None,
        })
    }
}

/// One data line with its fields split, trimmed and trailing empty fields dropped.
struct Line<'a> {
    number: usize,
    fields: Vec<&'a str>,
}

impl Line<'_> {
    fn expect_fields(&self, expected: usize) -> Result<(), BenchmarkError> {
        if self.fields.len() == expected {
            Ok(())
        } else {
            Err(BenchmarkError::WrongFieldCount { line: self.number, expected, found: self.fields.len() })
        }
    }

    fn number<T: std::str::FromStr>(&self, index: usize, field: &'static str) -> Result<T, BenchmarkError> {
        let value = self.fields.get(index).copied().unwrap_or_default();
        value.parse().map_err(|_| BenchmarkError::BadNumber {
            line: self.number,
            field,
            value: value.to_string(),
        })
    }
}

/// Parses an instance file's text.
pub fn parse_benchmark(text: &str) -> Result<Model, BenchmarkError> {
    let mut sections: HashMap<u8, Vec<Line>> = HashMap::new();
    let mut current: Option<Section> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        // Comments are whole lines in the published files; cutting at any `#` also accepts
        // trailing comments, and no identifier contains one.
        let content = raw.split('#').next().unwrap_or_default().trim();
        if content.is_empty() {
            continue;
        }
        if content.starts_with("SECTION_") {
            current =
                Some(Section::from_header(content).ok_or_else(|| BenchmarkError::UnknownSection {
                    line: number,
                    name: content.to_string(),
                })?);
            continue;
        }
        let section = current.ok_or(BenchmarkError::DataOutsideSection { line: number })?;
        let mut fields: Vec<&str> = content.split(',').map(str::trim).collect();
        while fields.len() > 1 && fields.last().is_some_and(|f| f.is_empty()) {
            fields.pop();
        }
        sections.entry(section as u8).or_default().push(Line { number, fields });
    }
    let take = |s: Section| sections.get(&(s as u8)).map(Vec::as_slice).unwrap_or(&[]);

    let horizon_line = take(Section::Horizon).first().ok_or(BenchmarkError::MissingHorizon)?;
    let horizon: usize = horizon_line.number(0, "horizon")?;

    // Shifts: the successor lists may name shifts defined later, so IDs come first.
    let shift_lines = take(Section::Shifts);
    if shift_lines.is_empty() {
        return Err(BenchmarkError::MissingSection("SECTION_SHIFTS"));
    }
    let mut shift_index: HashMap<&str, usize> = HashMap::new();
    for line in shift_lines {
        let id = line.fields[0];
        if shift_index.insert(id, shift_index.len()).is_some() {
            return Err(BenchmarkError::Duplicate { line: line.number, id: id.to_string() });
        }
    }
    let find_shift = |line: usize, id: &str| {
        shift_index.get(id).copied().ok_or_else(|| BenchmarkError::UnknownShift { line, id: id.to_string() })
    };
    let mut shifts = Vec::new();
    for line in shift_lines {
        if !(2..=3).contains(&line.fields.len()) {
            return Err(BenchmarkError::WrongFieldCount {
                line: line.number,
                expected: 3,
                found: line.fields.len(),
            });
        }
        let successors = line.fields.get(2).copied().unwrap_or_default();
        let forbidden_successors = successors
            .split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| find_shift(line.number, s))
            .collect::<Result<Vec<_>, _>>()?;
        shifts.push(Shift {
            id: line.fields[0].to_string(),
            start_minute: 0,
            length_minutes: line.number(1, "length in minutes")?,
            kind: ShiftKind::Unspecified,
            required_skills: Vec::new(),
            forbidden_successors,
        });
    }

    let mut workers = Vec::new();
    let mut worker_index: HashMap<&str, usize> = HashMap::new();
    for line in take(Section::Staff) {
        line.expect_fields(8)?;
        let id = line.fields[0];
        if worker_index.insert(id, workers.len()).is_some() {
            return Err(BenchmarkError::Duplicate { line: line.number, id: id.to_string() });
        }
        // A shift missing from the list would have no limit; the published files list all.
        let mut max_shifts_per_type = vec![u32::MAX; shifts.len()];
        for pair in line.fields[1].split('|').map(str::trim).filter(|p| !p.is_empty()) {
            let (shift, limit) = pair.split_once('=').ok_or_else(|| BenchmarkError::BadShiftLimit {
                line: line.number,
                value: pair.to_string(),
            })?;
            let shift = find_shift(line.number, shift.trim())?;
            max_shifts_per_type[shift] = limit
                .trim()
                .parse()
                .map_err(|_| BenchmarkError::BadShiftLimit { line: line.number, value: pair.to_string() })?;
        }
        workers.push(Worker {
            id: id.to_string(),
            employment: Employment::FullTime,
            area: 0,
            skills: Vec::new(),
            contract: Contract {
                max_shifts_per_type,
                max_total_minutes: line.number(2, "MaxTotalMinutes")?,
                min_total_minutes: line.number(3, "MinTotalMinutes")?,
                max_consecutive_shifts: line.number(4, "MaxConsecutiveShifts")?,
                min_consecutive_shifts: line.number(5, "MinConsecutiveShifts")?,
                min_consecutive_days_off: line.number(6, "MinConsecutiveDaysOff")?,
                max_weekends: line.number(7, "MaxWeekends")?,
                min_rest_minutes: 0,
                max_shifts_per_week: None,
            },
            days_off: Vec::new(),
            available_days: None,
        });
    }
    if workers.is_empty() {
        return Err(BenchmarkError::MissingSection("SECTION_STAFF"));
    }
    let find_worker = |line: usize, id: &str| {
        worker_index.get(id).copied().ok_or_else(|| BenchmarkError::UnknownStaff { line, id: id.to_string() })
    };
    let check_day = |line: usize, day: usize| {
        if day < horizon {
            Ok(day)
        } else {
            Err(BenchmarkError::DayOutOfRange { line, day, horizon })
        }
    };

    for line in take(Section::DaysOff) {
        let worker = find_worker(line.number, line.fields[0])?;
        for index in 1..line.fields.len() {
            let day = check_day(line.number, line.number(index, "day")?)?;
            workers[worker].days_off.push(day);
        }
    }

    let requests = |section: Section| -> Result<Vec<Request>, BenchmarkError> {
        take(section)
            .iter()
            .map(|line| {
                line.expect_fields(4)?;
                Ok(Request {
                    worker: find_worker(line.number, line.fields[0])?,
                    day: check_day(line.number, line.number(1, "day")?)?,
                    shift: find_shift(line.number, line.fields[2])?,
                    weight: line.number(3, "weight")?,
                })
            })
            .collect()
    };
    let on_requests = requests(Section::OnRequests)?;
    let off_requests = requests(Section::OffRequests)?;

    let mut cover = Vec::new();
    for line in take(Section::Cover) {
        line.expect_fields(5)?;
        cover.push(CoverDemand {
            area: 0,
            day: check_day(line.number, line.number(0, "day")?)?,
            shift: find_shift(line.number, line.fields[1])?,
            requirement: line.number(2, "requirement")?,
            under_weight: line.number(3, "weight for under")?,
            over_weight: line.number(4, "weight for over")?,
        });
    }

    let model = Model {
        horizon_days: horizon,
        first_weekday: Weekday::Mon,
        shifts,
        areas: vec!["all".to_string()],
        workers,
        on_requests,
        off_requests,
        demand: Demand { peacetime: cover, wartime: None },
        mode: Mode::Peacetime,
        fairness_weight: 0,
    };
    model.validate()?;
    Ok(model)
}
