//! Events: the row codec, writes with optimistic concurrency, the open queue.

use crate::sql::{Bind, Where};
use chrono::{DateTime, Utc};
use redgrid_core::closed_loop::{Event, Milestones, PendingRequest, RequestKind, Task};
use redgrid_core::event::{Category, Evaluation, Outcome, Severity, Source, Status, Step};
use redgrid_core::grid::{GridCode, LevelScheme};
use redgrid_core::time_limit::{Basis, Limit, StepClock};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::registers::Cell;
use crate::{from_millis, to_millis, Result, Store, StoreError, WriteTx};

/// Where `urgency_at` puts an event with no running clock: after every real deadline.
const NO_DEADLINE: i64 = i64::MAX / 4;

/// The parts of an event kept as JSON in `detail`. Versioned by its field names; unknown fields are ignored
/// so that an older station can read a newer row.
#[derive(Debug, Serialize, Deserialize, Default)]
struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clock: Option<ClockDto>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tasks: Vec<TaskDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<PendingDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parked_from: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ClockDto {
    step: String,
    started_at: i64,
    limit_minutes: i64,
    basis: String,
    #[serde(default)]
    extension_minutes: i64,
    #[serde(default)]
    pauses: Vec<(i64, Option<i64>)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TaskDto {
    worker_id: String,
    dispatched_at: i64,
    acknowledged_at: Option<i64>,
    arrived_at: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PendingDto {
    kind: String,
    #[serde(default)]
    minutes: i64,
    requested_by: String,
    requested_at: i64,
    reason: String,
}

fn encode_detail(event: &Event) -> String {
    let detail = Detail {
        clock: event.clock.as_ref().map(|c| ClockDto {
            step: c.step.key().to_string(),
            started_at: to_millis(c.started_at),
            limit_minutes: c.limit.minutes,
            basis: c.limit.basis.key().to_string(),
            extension_minutes: c.extension_minutes,
            pauses: c.pauses.iter().map(|(a, b)| (to_millis(*a), b.map(to_millis))).collect(),
        }),
        tasks: event
            .tasks
            .iter()
            .map(|t| TaskDto {
                worker_id: t.worker_id.clone(),
                dispatched_at: to_millis(t.dispatched_at),
                acknowledged_at: t.acknowledged_at.map(to_millis),
                arrived_at: t.arrived_at.map(to_millis),
            })
            .collect(),
        pending: event.pending.as_ref().map(|p| {
            let (kind, minutes) = match p.kind {
                RequestKind::Escalate => ("escalate", 0),
                RequestKind::Extend { minutes } => ("extend", minutes),
                RequestKind::Park => ("park", 0),
                RequestKind::Unpark => ("unpark", 0),
            };
            PendingDto {
                kind: kind.into(),
                minutes,
                requested_by: p.requested_by.clone(),
                requested_at: to_millis(p.requested_at),
                reason: p.reason.clone(),
            }
        }),
        parked_from: event.parked_from.map(|s| s.key().to_string()),
    };
    serde_json::to_string(&detail).expect("the detail DTO always serialises")
}

fn corrupt(id: i64, what: &str) -> StoreError {
    StoreError::Corrupt(format!("事件 #{id} 的{what}无法解读"))
}

/// The decoded `detail` column.
struct DecodedDetail {
    clock: Option<StepClock>,
    tasks: Vec<Task>,
    pending: Option<PendingRequest>,
    parked_from: Option<Status>,
}

fn decode_detail(id: i64, text: &str) -> Result<DecodedDetail> {
    let detail: Detail = serde_json::from_str(text).map_err(|_| corrupt(id, "明细"))?;
    let clock = match detail.clock {
        None => None,
        Some(c) => Some(StepClock {
            step: Step::from_key(&c.step).ok_or_else(|| corrupt(id, "当前环节"))?,
            started_at: from_millis(c.started_at),
            limit: Limit {
                minutes: c.limit_minutes,
                basis: Basis::from_key(&c.basis).ok_or_else(|| corrupt(id, "时限"))?,
            },
            extension_minutes: c.extension_minutes,
            pauses: c.pauses.into_iter().map(|(a, b)| (from_millis(a), b.map(from_millis))).collect(),
        }),
    };
    let tasks = detail
        .tasks
        .into_iter()
        .map(|t| Task {
            worker_id: t.worker_id,
            dispatched_at: from_millis(t.dispatched_at),
            acknowledged_at: t.acknowledged_at.map(from_millis),
            arrived_at: t.arrived_at.map(from_millis),
        })
        .collect();
    let pending = match detail.pending {
        None => None,
        Some(p) => Some(PendingRequest {
            kind: match p.kind.as_str() {
                "escalate" => RequestKind::Escalate,
                "extend" => RequestKind::Extend { minutes: p.minutes },
                "park" => RequestKind::Park,
                "unpark" => RequestKind::Unpark,
                _ => return Err(corrupt(id, "待审批申请")),
            },
            requested_by: p.requested_by,
            requested_at: from_millis(p.requested_at),
            reason: p.reason,
        }),
    };
    let parked_from = match detail.parked_from {
        None => None,
        Some(s) => Some(Status::from_key(&s).ok_or_else(|| corrupt(id, "挂账前状态"))?),
    };
    Ok(DecodedDetail { clock, tasks, pending, parked_from })
}

pub(crate) const EVENT_COLUMNS: &str = "id, version, status, title, description, category, severity, source, \
     grid_code, lon, lat, address, reporter, drill, reported_at, due_at, accepted_at, dispatched_at, handled_at, \
     verified_at, closed_at, on_time_steps, late_steps, outcome, evaluation, merged_into, reminders, supervisions, \
     send_backs, detail, updated_at, updated_by";

/// An event with who changed it last.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub event: Event,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

pub(crate) fn decode_event(row: &sqlx::any::AnyRow, scheme: &LevelScheme) -> Result<StoredEvent> {
    let id: i64 = row.try_get("id")?;
    let opt_time = |name: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<i64>, _>(name)?.map(from_millis))
    };
    let status: String = row.try_get("status")?;
    let category: String = row.try_get("category")?;
    let source: String = row.try_get("source")?;
    let grid: String = row.try_get("grid_code")?;
    let outcome: Option<String> = row.try_get("outcome")?;
    let evaluation: Option<String> = row.try_get("evaluation")?;
    let detail: String = row.try_get("detail")?;
    let DecodedDetail { clock, tasks, pending, parked_from } = decode_detail(id, &detail)?;
    let event = Event {
        id,
        version: row.try_get("version")?,
        status: Status::from_key(&status).ok_or_else(|| corrupt(id, "状态"))?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        category: Category::parse(&category).ok_or_else(|| corrupt(id, "类别"))?,
        severity: Severity::from_level(row.try_get("severity")?).ok_or_else(|| corrupt(id, "等级"))?,
        source: Source::parse(&source).ok_or_else(|| corrupt(id, "来源"))?,
        grid: GridCode::parse(&grid, scheme).map_err(|_| corrupt(id, "网格编码"))?,
        lon: row.try_get("lon")?,
        lat: row.try_get("lat")?,
        address: row.try_get("address")?,
        reporter: row.try_get("reporter")?,
        drill: row.try_get::<i64, _>("drill")? != 0,
        reported_at: from_millis(row.try_get("reported_at")?),
        clock,
        due_at: opt_time("due_at")?,
        parked_from,
        pending,
        tasks,
        milestones: Milestones {
            accepted_at: opt_time("accepted_at")?,
            dispatched_at: opt_time("dispatched_at")?,
            handled_at: opt_time("handled_at")?,
            verified_at: opt_time("verified_at")?,
            closed_at: opt_time("closed_at")?,
        },
        on_time_steps: row.try_get("on_time_steps")?,
        late_steps: row.try_get("late_steps")?,
        outcome: match outcome {
            None => None,
            Some(o) => Some(Outcome::from_key(&o).ok_or_else(|| corrupt(id, "结案结果"))?),
        },
        evaluation: match evaluation {
            None => None,
            Some(e) => Some(Evaluation::from_key(&e).ok_or_else(|| corrupt(id, "评价"))?),
        },
        merged_into: row.try_get("merged_into")?,
        reminders: row.try_get("reminders")?,
        supervisions: row.try_get("supervisions")?,
        send_backs: row.try_get("send_backs")?,
    };
    Ok(StoredEvent {
        event,
        updated_at: from_millis(row.try_get("updated_at")?),
        updated_by: row.try_get("updated_by")?,
    })
}

/// The columns written for an event, in insert order (everything but `id`).
const WRITE_COLUMNS: [&str; 34] = [
    "version",
    "status",
    "is_open",
    "title",
    "description",
    "category",
    "severity",
    "source",
    "grid_code",
    "village_code",
    "lon",
    "lat",
    "address",
    "reporter",
    "drill",
    "reported_at",
    "due_at",
    "urgency_at",
    "accepted_at",
    "dispatched_at",
    "handled_at",
    "verified_at",
    "closed_at",
    "on_time_steps",
    "late_steps",
    "outcome",
    "evaluation",
    "merged_into",
    "reminders",
    "supervisions",
    "send_backs",
    "detail",
    "updated_at",
    "updated_by",
];

/// The columns in the order [`event_cells`] produces them; keep the two in step.
fn write_columns() -> impl Iterator<Item = &'static str> {
    WRITE_COLUMNS.iter().copied()
}

/// The values written for an event, in the order of [`WRITE_COLUMNS`].
fn event_cells(event: &Event, village_len: usize, updated_at: DateTime<Utc>, updated_by: &str) -> Vec<Cell> {
    use Cell::{Int, NullableInt, NullableReal, NullableText, Text};
    let m = &event.milestones;
    let at = |t: Option<DateTime<Utc>>| NullableInt(t.map(to_millis));
    vec![
        Int(event.version),
        Text(event.status.key().into()),
        Int(i64::from(event.is_open())),
        Text(event.title.clone()),
        Text(event.description.clone()),
        Text(event.category.key().into()),
        Int(event.severity.level()),
        Text(event.source.key().into()),
        Text(event.grid.as_str().to_string()),
        Text(event.grid.as_str().get(..village_len).unwrap_or(event.grid.as_str()).to_string()),
        NullableReal(event.lon),
        NullableReal(event.lat),
        Text(event.address.clone()),
        Text(event.reporter.clone()),
        Int(i64::from(event.drill)),
        Int(to_millis(event.reported_at)),
        at(event.due_at),
        Int(event.due_at.map(to_millis).unwrap_or(NO_DEADLINE)),
        at(m.accepted_at),
        at(m.dispatched_at),
        at(m.handled_at),
        at(m.verified_at),
        at(m.closed_at),
        Int(event.on_time_steps),
        Int(event.late_steps),
        NullableText(event.outcome.map(|o| o.key().to_string())),
        NullableText(event.evaluation.map(|e| e.key().to_string())),
        NullableInt(event.merged_into),
        Int(event.reminders),
        Int(event.supervisions),
        Int(event.send_backs),
        Text(encode_detail(event)),
        Int(to_millis(updated_at)),
        Text(updated_by.to_string()),
    ]
}

fn bind_cells<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    cells: Vec<Cell>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for cell in cells {
        query = match cell {
            Cell::Text(v) => query.bind(v),
            Cell::Int(v) => query.bind(v),
            Cell::Real(v) => query.bind(v),
            Cell::NullableText(v) => query.bind(v),
            Cell::NullableInt(v) => query.bind(v),
            Cell::NullableReal(v) => query.bind(v),
        };
    }
    query
}

/// Filters of the open queue. Empty means every open event.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<Status>,
    /// Events at or below this grid (any level).
    pub grid_prefix: Option<String>,
    pub village_code: Option<String>,
    /// Events at or below any of these grids: an account's data scope of several villages or grids.
    /// Empty is no such limit.
    pub grid_prefixes: Vec<String>,
    pub category: Option<Category>,
    pub min_severity: Option<Severity>,
    /// Only events whose current step is overdue at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    /// The drill's queue instead of the real one: drill events are never mixed into real work.
    pub drill: bool,
}

/// A page of the open queue, most urgent first.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub events: Vec<StoredEvent>,
    pub total: i64,
}

impl WriteTx {
    /// Inserts a new event (id 0) and returns its id.
    pub async fn insert_event(&mut self, event: &Event, scheme: &LevelScheme, by: &str) -> Result<i64> {
        let ids = self.insert_events(std::slice::from_ref(event), scheme, by, event.reported_at).await?;
        Ok(ids[0])
    }

    /// Inserts events with multi-row inserts, in order; returns their ids.
    pub async fn insert_events(
        &mut self,
        events: &[Event],
        scheme: &LevelScheme,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let columns: Vec<&str> = write_columns().collect();
        let width = columns.len();
        let village_len = scheme.level(scheme.village_depth()).map(|l| l.code_len).unwrap_or(12);
        let mut ids = Vec::with_capacity(events.len());
        for chunk in events.chunks(500) {
            let sql = format!(
                "INSERT INTO events ({}) VALUES {} RETURNING id",
                columns.join(", "),
                crate::values_rows(self.backend, chunk.len(), width)
            );
            let mut query = sqlx::query(&sql);
            for event in chunk {
                query = bind_cells(query, event_cells(event, village_len, at, by));
            }
            let returned = query.fetch_all(&mut *self.tx).await?;
            let mut chunk_ids: Vec<i64> =
                returned.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
            // RETURNING order is not promised by SQL; ids are allocated in insert order, so sort them.
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        }
        Ok(ids)
    }

    /// Loads an event inside the transaction (under the write lock).
    pub async fn load_event(&mut self, id: i64, scheme: &LevelScheme) -> Result<StoredEvent> {
        let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::EventNotFound(id))?;
        decode_event(&row, scheme)
    }

    /// Writes a transition's new event state if the stored version is still `expected_version`. Only the
    /// columns that differ from `previous` are set: SQLite rewrites every index on a column named in SET,
    /// changed or not, and a transition touches only a few.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_event(
        &mut self,
        previous: &Event,
        event: &Event,
        expected_version: i64,
        scheme: &LevelScheme,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<()> {
        let village_len = scheme.level(scheme.village_depth()).map(|l| l.code_len).unwrap_or(12);
        let old = event_cells(previous, village_len, at, by);
        let new = event_cells(event, village_len, at, by);
        let mut sets = Vec::new();
        let mut values = Vec::new();
        for ((column, old), new) in WRITE_COLUMNS.iter().zip(old).zip(new) {
            let always = matches!(*column, "version" | "updated_at" | "updated_by");
            if always || old != new {
                values.push(new);
                sets.push(format!("{column} = {}", crate::param(self.backend, values.len())));
            }
        }
        let n = values.len();
        let sql = format!(
            "UPDATE events SET {} WHERE id = {} AND version = {}",
            sets.join(", "),
            crate::param(self.backend, n + 1),
            crate::param(self.backend, n + 2)
        );
        let query = bind_cells(sqlx::query(&sql), values).bind(event.id).bind(expected_version);
        let done = query.execute(&mut *self.tx).await?;
        if done.rows_affected() == 0 {
            let current = self.load_event(event.id, scheme).await?;
            return Err(StoreError::Conflict {
                id: event.id,
                expected: expected_version,
                current: current.event.version,
                by: current.updated_by,
            });
        }
        Ok(())
    }
}

fn queue_where(filter: &QueueFilter) -> Where {
    let mut w = Where::default();
    w.push("is_open = 1", Vec::new());
    w.push("drill = ?", vec![Bind::Int(i64::from(filter.drill))]);
    if let Some(village) = &filter.village_code {
        w.push("village_code = ?", vec![Bind::Text(village.clone())]);
    }
    if let Some(prefix) = &filter.grid_prefix {
        // A range on the code rather than LIKE, so both backends can use an index and no escaping is needed.
        w.push(
            "grid_code >= ? AND grid_code < ?",
            vec![Bind::Text(prefix.clone()), Bind::Text(format!("{prefix}\u{7f}"))],
        );
    }
    if !filter.grid_prefixes.is_empty() {
        w.push_under_any("grid_code", &filter.grid_prefixes);
    }
    if let Some(status) = filter.status {
        w.push("status = ?", vec![Bind::Text(status.key().into())]);
    }
    if let Some(category) = filter.category {
        w.push("category = ?", vec![Bind::Text(category.key().into())]);
    }
    if let Some(severity) = filter.min_severity {
        w.push("severity >= ?", vec![Bind::Int(severity.level())]);
    }
    if let Some(at) = filter.overdue_at {
        w.push("urgency_at < ?", vec![Bind::Int(to_millis(at))]);
    }
    w
}

impl Store {
    pub async fn load_event(&self, id: i64, scheme: &LevelScheme) -> Result<StoredEvent> {
        let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.read_pool())
            .await?
            .ok_or(StoreError::EventNotFound(id))?;
        decode_event(&row, scheme)
    }

    /// A page of the open queue, most urgent first: the earliest deadline (so overdue events lead), then
    /// the oldest event; events whose clock is stopped come last.
    pub async fn open_queue(
        &self,
        filter: &QueueFilter,
        offset: i64,
        limit: i64,
        scheme: &LevelScheme,
    ) -> Result<QueuePage> {
        let w = queue_where(filter);
        let (clause, n) = (w.sql(), w.bind_count());
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE {clause} ORDER BY urgency_at, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let rows = w.bind(sqlx::query(&sql)).bind(limit).bind(offset).fetch_all(self.read_pool()).await?;
        let events = rows.iter().map(|r| decode_event(r, scheme)).collect::<Result<Vec<_>>>()?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM events WHERE {clause}");
        let total: i64 = w.bind(sqlx::query(&count_sql)).fetch_one(self.read_pool()).await?.try_get("n")?;
        Ok(QueuePage { events, total })
    }

    /// Counts of events by status (drills excluded), for dashboards and tests.
    pub async fn count_events(&self) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS total, CAST(COALESCE(SUM(is_open), 0) AS BIGINT) AS open FROM events WHERE drill = 0",
        )
        .fetch_one(self.read_pool())
        .await?;
        Ok((row.try_get("total")?, row.try_get("open")?))
    }

    /// Ids of open events, for workloads that pick events to act on.
    pub async fn open_event_ids(&self, limit: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM events WHERE is_open = 1 ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(self.read_pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }
}
