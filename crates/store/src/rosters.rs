//! Rosters of grid workers: a planned roster (header, shift types, assignments), the roster in force for a
//! day, a worker's shifts, and who is on shift at an instant.
//!
//! A roster is written once and never edited; a re-plan is a new roster. For each day, the roster in force
//! is the newest one (highest id) whose span covers that day, so a re-plan of next week replaces next week
//! only. Days are local dates in Asia/Shanghai; a shift starts `start_minute` after local midnight of its
//! day and may run past the next midnight (a night shift).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use redgrid_core::time::{local_date, start_of_local_day};
use redgrid_core::time_limit::Mode;
use sqlx::Row;

use crate::registers::Cell;
use crate::{from_millis, to_millis, FeedEntity, Result, Store, StoreError, WriteTx};

/// A shift type as stored with a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterShiftType {
    /// The short code printed on the sheet (白, 夜, 巡, 备).
    pub code: String,
    pub name: String,
    /// A stable key: `centre_duty_day`, `centre_duty_night`, `grid_patrol`, `standby`.
    pub kind: String,
    /// Minutes after local midnight of the day the shift is worked on.
    pub start_minute: i64,
    pub length_minutes: i64,
}

impl RosterShiftType {
    /// The instants `[start, end)` of this shift when worked on `day`.
    pub fn span_on(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = start_of_local_day(day) + Duration::minutes(self.start_minute);
        (start, start + Duration::minutes(self.length_minutes))
    }
}

/// One worked shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterAssignment {
    pub worker_id: String,
    pub day: NaiveDate,
    pub shift_code: String,
    /// Where it is worked: the township grid for centre duty, the worker's village otherwise.
    pub area: String,
}

/// A roster to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRoster {
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub mode: Mode,
    pub first_day: NaiveDate,
    pub days: i64,
    pub objective: i64,
    pub hard_violations: i64,
    pub note: String,
    pub shift_types: Vec<RosterShiftType>,
    pub assignments: Vec<RosterAssignment>,
}

/// A stored roster's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterHeader {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub mode: Mode,
    pub first_day: NaiveDate,
    pub days: i64,
    pub objective: i64,
    pub hard_violations: i64,
    pub note: String,
}

impl RosterHeader {
    pub fn last_day(&self) -> NaiveDate {
        self.first_day + Duration::days(self.days - 1)
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.first_day <= day && day <= self.last_day()
    }
}

/// A stored roster in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRoster {
    pub header: RosterHeader,
    pub shift_types: Vec<RosterShiftType>,
    /// Ordered by worker, then day.
    pub assignments: Vec<RosterAssignment>,
}

/// A shift of one worker from the roster in force for its day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerShift {
    pub roster_id: i64,
    pub day: NaiveDate,
    pub shift: RosterShiftType,
    pub area: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("排班日期“{text}”不是 YYYY-MM-DD")))
}

const HEADER_COLUMNS: &str =
    "id, created_at, created_by, mode, first_day, days, objective, hard_violations, note";

fn decode_header(row: &sqlx::any::AnyRow) -> Result<RosterHeader> {
    let id: i64 = row.try_get("id")?;
    let mode: String = row.try_get("mode")?;
    let first_day: String = row.try_get("first_day")?;
    Ok(RosterHeader {
        id,
        created_at: from_millis(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        mode: Mode::from_key(&mode)
            .ok_or_else(|| StoreError::Corrupt(format!("排班 #{id} 的模式“{mode}”无法解读")))?,
        first_day: parse_day(&first_day)?,
        days: row.try_get("days")?,
        objective: row.try_get("objective")?,
        hard_violations: row.try_get("hard_violations")?,
        note: row.try_get("note")?,
    })
}

fn decode_shift_type(row: &sqlx::any::AnyRow) -> Result<RosterShiftType> {
    Ok(RosterShiftType {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        start_minute: row.try_get("start_minute")?,
        length_minutes: row.try_get("length_minutes")?,
    })
}

impl WriteTx {
    /// Stores a roster with its shift types and assignments, and its change-feed entry; returns its id.
    /// The caller appends the audit record in the same transaction.
    pub async fn insert_roster(&mut self, roster: &NewRoster) -> Result<i64> {
        if roster.days < 1 {
            return Err(StoreError::Corrupt("排班天数必须至少为 1".into()));
        }
        let last_day = roster.first_day + Duration::days(roster.days - 1);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO rosters (created_at, created_by, mode, first_day, last_day, days, objective, \
             hard_violations, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(to_millis(roster.created_at))
        .bind(roster.created_by.clone())
        .bind(roster.mode.key())
        .bind(day_text(roster.first_day))
        .bind(day_text(last_day))
        .bind(roster.days)
        .bind(roster.objective)
        .bind(roster.hard_violations)
        .bind(roster.note.clone())
        .fetch_one(self.conn())
        .await?;

        let shift_rows: Vec<Vec<Cell>> = roster
            .shift_types
            .iter()
            .map(|s| {
                vec![
                    Cell::Int(id),
                    Cell::Text(s.code.clone()),
                    Cell::Text(s.name.clone()),
                    Cell::Text(s.kind.clone()),
                    Cell::Int(s.start_minute),
                    Cell::Int(s.length_minutes),
                ]
            })
            .collect();
        self.insert_rows(
            "roster_shift_types",
            &["roster_id", "code", "name", "kind", "start_minute", "length_minutes"],
            &shift_rows,
            "",
        )
        .await?;

        let assignment_rows: Vec<Vec<Cell>> = roster
            .assignments
            .iter()
            .map(|a| {
                vec![
                    Cell::Int(id),
                    Cell::Text(a.worker_id.clone()),
                    Cell::Text(day_text(a.day)),
                    Cell::Text(a.shift_code.clone()),
                    Cell::Text(a.area.clone()),
                ]
            })
            .collect();
        self.insert_rows(
            "roster_assignments",
            &["roster_id", "worker_id", "day", "shift_code", "area"],
            &assignment_rows,
            "",
        )
        .await?;
        self.append_feed(roster.created_at, FeedEntity::Roster, &id.to_string(), "planned", 1).await?;
        Ok(id)
    }
}

/// A day a worker cannot work, with the minutes it counts towards their contracted hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveDay {
    pub worker_id: String,
    pub day: NaiveDate,
    pub credit_minutes: i64,
    pub reason: String,
}

impl WriteTx {
    /// Records leave days (a day already recorded for the worker is replaced).
    pub async fn record_leave(&mut self, days: &[LeaveDay], at: DateTime<Utc>) -> Result<()> {
        for leave in days {
            sqlx::query(
                "INSERT INTO worker_leave (worker_id, day, credit_minutes, reason, created_at)                  VALUES ($1, $2, $3, $4, $5) ON CONFLICT (worker_id, day) DO UPDATE SET                  credit_minutes = excluded.credit_minutes, reason = excluded.reason, created_at = excluded.created_at",
            )
            .bind(leave.worker_id.clone())
            .bind(day_text(leave.day))
            .bind(leave.credit_minutes)
            .bind(leave.reason.clone())
            .bind(to_millis(at))
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Rosters whose span shares a day with `first..=last`, newest first, read under the write lock.
    pub async fn rosters_overlapping(
        &mut self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<RosterHeader>> {
        sqlx::query(&format!(
            "SELECT {HEADER_COLUMNS} FROM rosters WHERE first_day <= $1 AND last_day >= $2 ORDER BY id DESC"
        ))
        .bind(day_text(last))
        .bind(day_text(first))
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(decode_header)
        .collect()
    }
}

impl Store {
    /// A roster's header, or `None` when there is no such roster.
    pub async fn roster_header(&self, id: i64) -> Result<Option<RosterHeader>> {
        sqlx::query(&format!("SELECT {HEADER_COLUMNS} FROM rosters WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(decode_header)
            .transpose()
    }

    /// A roster in full: header, shift types and every assignment.
    pub async fn roster(&self, id: i64) -> Result<Option<StoredRoster>> {
        let Some(header) = self.roster_header(id).await? else { return Ok(None) };
        let shift_types = sqlx::query(
            "SELECT code, name, kind, start_minute, length_minutes FROM roster_shift_types \
             WHERE roster_id = $1 ORDER BY start_minute, code",
        )
        .bind(id)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(decode_shift_type)
        .collect::<Result<Vec<_>>>()?;
        let assignments = sqlx::query(
            "SELECT worker_id, day, shift_code, area FROM roster_assignments WHERE roster_id = $1 \
             ORDER BY worker_id, day",
        )
        .bind(id)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(|row| {
            let day: String = row.try_get("day")?;
            Ok(RosterAssignment {
                worker_id: row.try_get("worker_id")?,
                day: parse_day(&day)?,
                shift_code: row.try_get("shift_code")?,
                area: row.try_get("area")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(StoredRoster { header, shift_types, assignments }))
    }

    /// Leave days on the local days `first..=last`, by worker then day.
    pub async fn leave_between(&self, first: NaiveDate, last: NaiveDate) -> Result<Vec<LeaveDay>> {
        let rows = sqlx::query(
            "SELECT worker_id, day, credit_minutes, reason FROM worker_leave WHERE day >= $1 AND day <= $2              ORDER BY worker_id, day",
        )
        .bind(day_text(first))
        .bind(day_text(last))
        .fetch_all(self.read_pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LeaveDay {
                    worker_id: r.try_get("worker_id")?,
                    day: parse_day(&r.try_get::<String, _>("day")?)?,
                    credit_minutes: r.try_get("credit_minutes")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// The newest roster, whatever it covers.
    pub async fn latest_roster(&self) -> Result<Option<RosterHeader>> {
        sqlx::query(&format!("SELECT {HEADER_COLUMNS} FROM rosters ORDER BY id DESC LIMIT 1"))
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(decode_header)
            .transpose()
    }

    /// The roster in force for a local day: the newest roster whose span covers it.
    pub async fn roster_covering(&self, day: NaiveDate) -> Result<Option<RosterHeader>> {
        sqlx::query(&format!(
            "SELECT {HEADER_COLUMNS} FROM rosters WHERE first_day <= $1 AND last_day >= $1 \
             ORDER BY id DESC LIMIT 1"
        ))
        .bind(day_text(day))
        .fetch_optional(self.read_pool())
        .await?
        .as_ref()
        .map(decode_header)
        .transpose()
    }

    /// A worker's shifts on the local days `from..=to`, each from the roster in force for its day.
    pub async fn worker_shifts(
        &self,
        worker_id: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<WorkerShift>> {
        if to < from {
            return Ok(Vec::new());
        }
        // The rosters overlapping the range, newest first: the first one covering a day is in force.
        let headers = sqlx::query(&format!(
            "SELECT {HEADER_COLUMNS} FROM rosters WHERE first_day <= $1 AND last_day >= $2 ORDER BY id DESC"
        ))
        .bind(day_text(to))
        .bind(day_text(from))
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(decode_header)
        .collect::<Result<Vec<_>>>()?;
        let in_force = |day: NaiveDate| headers.iter().find(|h| h.covers(day)).map(|h| h.id);
        let rows = sqlx::query(
            "SELECT a.roster_id, a.day, a.area, s.code, s.name, s.kind, s.start_minute, s.length_minutes \
             FROM roster_assignments a JOIN roster_shift_types s \
               ON s.roster_id = a.roster_id AND s.code = a.shift_code \
             WHERE a.worker_id = $1 AND a.day >= $2 AND a.day <= $3 ORDER BY a.day, a.roster_id",
        )
        .bind(worker_id)
        .bind(day_text(from))
        .bind(day_text(to))
        .fetch_all(self.read_pool())
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            let roster_id: i64 = row.try_get("roster_id")?;
            let day: String = row.try_get("day")?;
            let day = parse_day(&day)?;
            // An older roster's shift on a day a newer roster re-planned no longer holds.
            if in_force(day) != Some(roster_id) {
                continue;
            }
            let shift = decode_shift_type(row)?;
            let (starts_at, ends_at) = shift.span_on(day);
            out.push(WorkerShift { roster_id, day, area: row.try_get("area")?, shift, starts_at, ends_at });
        }
        Ok(out)
    }

    /// Whether the roster in force puts the worker on a shift at `at`. A shift holds from its start
    /// (inclusive) to its end (exclusive); a night shift that started the evening before counts.
    pub async fn on_shift(&self, worker_id: &str, at: DateTime<Utc>) -> Result<bool> {
        let today = local_date(at);
        let shifts = self.worker_shifts(worker_id, today - Duration::days(1), today).await?;
        Ok(shifts.iter().any(|s| s.starts_at <= at && at < s.ends_at))
    }

    /// Every worker the rosters in force put on a shift at `at`, sorted by id.
    pub async fn workers_on_shift(&self, at: DateTime<Utc>) -> Result<Vec<String>> {
        let today = local_date(at);
        let mut out = Vec::new();
        for day in [today - Duration::days(1), today] {
            let Some(header) = self.roster_covering(day).await? else { continue };
            let rows = sqlx::query(
                "SELECT a.worker_id, s.code, s.name, s.kind, s.start_minute, s.length_minutes \
                 FROM roster_assignments a JOIN roster_shift_types s \
                   ON s.roster_id = a.roster_id AND s.code = a.shift_code \
                 WHERE a.roster_id = $1 AND a.day = $2",
            )
            .bind(header.id)
            .bind(day_text(day))
            .fetch_all(self.read_pool())
            .await?;
            for row in &rows {
                let (start, end) = decode_shift_type(row)?.span_on(day);
                if start <= at && at < end {
                    out.push(row.try_get::<String, _>("worker_id")?);
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}
