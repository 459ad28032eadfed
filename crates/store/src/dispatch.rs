//! Tasks sent to worker terminals, the outbox they are published from, and terminal presence.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::{from_millis, to_millis, FeedEntity, Result, Store, WriteTx};

/// A task as the station tracks it beside the event's own task list.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub task_id: String,
    pub event_id: i64,
    pub worker_id: String,
    pub dispatched_by: String,
    pub dispatched_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub no_ack_at: Option<DateTime<Utc>>,
    pub override_note: Option<String>,
}

/// How far a worker got with a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskProgress {
    Acknowledged,
    Arrived,
    Done,
}

/// A message waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub topic: String,
    pub payload: Vec<u8>,
    pub retained: bool,
    pub created_at: DateTime<Utc>,
}

/// What the recommendation needs of a worker beyond the register: terminal presence and load.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerState {
    pub worker_id: String,
    pub terminal_state: String,
    pub terminal_seen_at: Option<DateTime<Utc>>,
    pub max_tasks: i64,
    /// Tasks neither done nor cancelled.
    pub active_tasks: i64,
    /// Tasks dispatched in the 24 hours before the query's `now`.
    pub recent_tasks: i64,
}

const TASK_COLUMNS: &str =
    "task_id, event_id, worker_id, dispatched_by, dispatched_at, ack_due_at, acked_at, \
     arrived_at, done_at, cancelled_at, no_ack_at, override_note";

fn decode_task(r: &sqlx::any::AnyRow) -> Result<TaskRow> {
    let at = |name: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(r.try_get::<Option<i64>, _>(name)?.map(from_millis))
    };
    Ok(TaskRow {
        task_id: r.try_get("task_id")?,
        event_id: r.try_get("event_id")?,
        worker_id: r.try_get("worker_id")?,
        dispatched_by: r.try_get("dispatched_by")?,
        dispatched_at: from_millis(r.try_get("dispatched_at")?),
        ack_due_at: from_millis(r.try_get("ack_due_at")?),
        acked_at: at("acked_at")?,
        arrived_at: at("arrived_at")?,
        done_at: at("done_at")?,
        cancelled_at: at("cancelled_at")?,
        no_ack_at: at("no_ack_at")?,
        override_note: r.try_get("override_note")?,
    })
}

impl WriteTx {
    /// Records a task sent to a worker. Sending the same task id again (a re-dispatch after a send-back
    /// reuses nothing: ids carry the event version) is a conflict the caller never causes.
    pub async fn insert_task(&mut self, task: &TaskRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO dispatch_tasks (task_id, event_id, worker_id, dispatched_by, dispatched_at, ack_due_at, \
             override_note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&task.task_id)
        .bind(task.event_id)
        .bind(&task.worker_id)
        .bind(&task.dispatched_by)
        .bind(to_millis(task.dispatched_at))
        .bind(to_millis(task.ack_due_at))
        .bind(&task.override_note)
        .execute(self.conn())
        .await?;
        self.append_feed(task.dispatched_at, FeedEntity::Task, &task.task_id, "sent", 0).await?;
        Ok(())
    }

    /// Marks the worker's live task on the event as acknowledged, arrived or done (earlier steps are
    /// filled in too: arriving implies acknowledging). Returns the task id, if the worker had one.
    pub async fn task_progress(
        &mut self,
        event_id: i64,
        worker_id: &str,
        progress: TaskProgress,
        at: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let sets = match progress {
            TaskProgress::Acknowledged => "acked_at = COALESCE(acked_at, $1)",
            TaskProgress::Arrived => {
                "acked_at = COALESCE(acked_at, $1), arrived_at = COALESCE(arrived_at, $1)"
            }
            TaskProgress::Done => {
                "acked_at = COALESCE(acked_at, $1), arrived_at = COALESCE(arrived_at, $1), \
                 done_at = COALESCE(done_at, $1)"
            }
        };
        let row = sqlx::query(&format!(
            "UPDATE dispatch_tasks SET {sets} WHERE event_id = $2 AND worker_id = $3 AND cancelled_at IS NULL \
             AND done_at IS NULL RETURNING task_id"
        ))
        .bind(to_millis(at))
        .bind(event_id)
        .bind(worker_id)
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let task_id: String = row.try_get("task_id")?;
        let change = match progress {
            TaskProgress::Acknowledged => "acknowledged",
            TaskProgress::Arrived => "arrived",
            TaskProgress::Done => "done",
        };
        self.append_feed(at, FeedEntity::Task, &task_id, change, 0).await?;
        Ok(Some(task_id))
    }

    /// Ends the event's unfinished tasks: it went back to dispatch, was closed, voided or merged.
    pub async fn cancel_tasks(&mut self, event_id: i64, at: DateTime<Utc>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "UPDATE dispatch_tasks SET cancelled_at = $1 WHERE event_id = $2 AND cancelled_at IS NULL \
             AND done_at IS NULL RETURNING task_id",
        )
        .bind(to_millis(at))
        .bind(event_id)
        .fetch_all(self.conn())
        .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("task_id")?;
            self.append_feed(at, FeedEntity::Task, &id, "cancelled", 0).await?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Marks a task whose acknowledgement is overdue; `false` if it was acknowledged or marked meanwhile.
    /// The event gets a feed entry too: its queue row and drawer now say 未签收超时.
    pub async fn mark_no_ack(&mut self, task_id: &str, at: DateTime<Utc>) -> Result<bool> {
        let changed = sqlx::query(
            "UPDATE dispatch_tasks SET no_ack_at = $1 WHERE task_id = $2 AND acked_at IS NULL \
             AND cancelled_at IS NULL AND no_ack_at IS NULL",
        )
        .bind(to_millis(at))
        .bind(task_id)
        .execute(self.conn())
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        self.append_feed(at, FeedEntity::Task, task_id, "no_ack", 0).await?;
        let event = sqlx::query(
            "SELECT e.id, e.version FROM events e JOIN dispatch_tasks t ON t.event_id = e.id WHERE t.task_id = $1",
        )
        .bind(task_id)
        .fetch_optional(self.conn())
        .await?;
        if let Some(event) = event {
            let id: i64 = event.try_get("id")?;
            self.append_feed(at, FeedEntity::Event, &id.to_string(), "no_ack", event.try_get("version")?)
                .await?;
        }
        Ok(true)
    }

    /// Queues a message to publish once this transaction commits.
    pub async fn enqueue(
        &mut self,
        station: &str,
        topic: &str,
        payload: &[u8],
        retained: bool,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.enqueue_for(station, None, topic, payload, retained, at).await
    }

    /// Queues a task's message: the outbox row remembers the task so that it can be sent again while the
    /// task waits for its acknowledgement ([`Store::requeue_unacknowledged`]).
    pub async fn enqueue_task(
        &mut self,
        station: &str,
        task_id: &str,
        topic: &str,
        payload: &[u8],
        at: DateTime<Utc>,
    ) -> Result<i64> {
        self.enqueue_for(station, Some(task_id), topic, payload, false, at).await
    }

    async fn enqueue_for(
        &mut self,
        station: &str,
        task_id: Option<&str>,
        topic: &str,
        payload: &[u8],
        retained: bool,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO outbox (station, task_id, topic, payload, retained, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(station)
        .bind(task_id)
        .bind(topic)
        .bind(payload)
        .bind(i64::from(retained))
        .bind(to_millis(at))
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Records a terminal's presence, by worker id or OwnTracks user; the worker id, or `None` when no
    /// worker matches. A state older than the one stored is ignored (out-of-order delivery), but the worker
    /// is still returned: the message was understood.
    pub async fn set_terminal_state(
        &mut self,
        worker_or_user: &str,
        state: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let Some(id) = self.worker_id_for(worker_or_user).await? else { return Ok(None) };
        let changed = sqlx::query(
            "UPDATE workers SET terminal_state = $1, terminal_seen_at = $2 WHERE id = $3 \
             AND (terminal_seen_at IS NULL OR terminal_seen_at <= $2) AND terminal_state <> $1",
        )
        .bind(state)
        .bind(to_millis(at))
        .bind(&id)
        .execute(self.conn())
        .await?
        .rows_affected();
        if changed > 0 {
            self.append_feed(at, FeedEntity::Worker, &id, state, 0).await?;
        } else {
            sqlx::query(
                "UPDATE workers SET terminal_seen_at = $1 WHERE id = $2 \
                 AND (terminal_seen_at IS NULL OR terminal_seen_at < $1) AND terminal_state = $3",
            )
            .bind(to_millis(at))
            .bind(&id)
            .bind(state)
            .execute(self.conn())
            .await?;
        }
        Ok(Some(id))
    }

    /// A task by its full id, read inside the write transaction: what a terminal's message is checked
    /// against, so that a cancellation committed by another seat cannot slip between the check and the act.
    pub async fn task(&mut self, task_id: &str) -> Result<Option<TaskRow>> {
        sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM dispatch_tasks WHERE task_id = $1"))
            .bind(task_id)
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(decode_task)
            .transpose()
    }

    /// A worker's tasks on an event, newest first, read inside the write transaction (a feedback that
    /// names only the event is resolved to the worker's live task among them).
    pub async fn worker_tasks_on_event(&mut self, event_id: i64, worker_id: &str) -> Result<Vec<TaskRow>> {
        sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM dispatch_tasks WHERE event_id = $1 AND worker_id = $2 \
             ORDER BY dispatched_at DESC, task_id DESC"
        ))
        .bind(event_id)
        .bind(worker_id)
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(decode_task)
        .collect()
    }

    /// The worker an id or OwnTracks user names.
    pub async fn worker_id_for(&mut self, worker_or_user: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT id FROM workers WHERE id = $1 OR owntracks_user = $1 ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END \
             LIMIT 1",
        )
        .bind(worker_or_user)
        .fetch_optional(self.conn())
        .await?;
        row.map(|r| r.try_get("id")).transpose().map_err(Into::into)
    }
}

impl Store {
    /// The codes of a grid's children, in code order (the grids beside an event for dispatch).
    pub async fn grid_children(&self, parent: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT code FROM grids WHERE parent_code = $1 ORDER BY code")
            .bind(parent)
            .fetch_all(self.read_pool())
            .await?)
    }

    /// A station's messages not yet published, oldest first.
    pub async fn pending_outbox(&self, station: &str, limit: i64) -> Result<Vec<OutboxRow>> {
        sqlx::query(
            "SELECT id, topic, payload, retained, created_at FROM outbox WHERE station = $1 \
             AND published_at IS NULL ORDER BY id LIMIT $2",
        )
        .bind(station)
        .bind(limit)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(|r| {
            Ok(OutboxRow {
                id: r.try_get("id")?,
                topic: r.try_get("topic")?,
                payload: r.try_get("payload")?,
                retained: r.try_get::<i64, _>("retained")? != 0,
                created_at: from_millis(r.try_get("created_at")?),
            })
        })
        .collect()
    }

    /// Marks outbox messages as handed to the broker. Not part of the audit chain: publication is
    /// delivery bookkeeping, not a change of state, so it takes no chain head.
    pub async fn mark_published(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query(&format!("UPDATE outbox SET published_at = $1 WHERE id IN ({list})"))
            .bind(to_millis(at))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// How many outbox messages wait.
    pub async fn outbox_backlog(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(self.read_pool())
            .await?)
    }

    /// How many of a station's messages wait, and how many of those are tasks for terminals.
    pub async fn outbox_waiting(&self, station: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS messages, COUNT(task_id) AS tasks FROM outbox WHERE station = $1 \
             AND published_at IS NULL",
        )
        .bind(station)
        .fetch_one(self.read_pool())
        .await?;
        Ok((row.try_get("messages")?, row.try_get("tasks")?))
    }

    /// Puts back into a station's outbox the newest message of every task it published that is still
    /// live and unacknowledged and whose acknowledgement is not yet overdue: after the broker lost its
    /// state those messages may be gone with it. A terminal that has the task already recognises it by
    /// its id. Returns how many were put back. Delivery bookkeeping like [`Store::mark_published`].
    pub async fn requeue_unacknowledged(&self, station: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET published_at = NULL WHERE station = $1 AND published_at IS NOT NULL AND id IN \
               (SELECT MAX(o.id) FROM outbox o JOIN dispatch_tasks t ON t.task_id = o.task_id \
                WHERE o.station = $1 AND t.acked_at IS NULL AND t.cancelled_at IS NULL AND t.done_at IS NULL \
                  AND t.no_ack_at IS NULL GROUP BY o.task_id)",
        )
        .bind(station)
        .execute(&self.write)
        .await?
        .rows_affected())
    }

    /// Tasks whose acknowledgement deadline passed with no acknowledgement and no alert yet.
    pub async fn overdue_acks(&self, now: DateTime<Utc>) -> Result<Vec<TaskRow>> {
        sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM dispatch_tasks WHERE acked_at IS NULL AND cancelled_at IS NULL \
             AND no_ack_at IS NULL AND ack_due_at < $1 ORDER BY ack_due_at"
        ))
        .bind(to_millis(now))
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(decode_task)
        .collect()
    }

    /// Every task that ran past its acknowledgement limit and is still live and unacknowledged, with the
    /// worker's name, oldest first: few at any time (a partial index holds just them), so the views match
    /// them to their events in memory rather than send thousands of event ids.
    pub async fn unacknowledged_tasks(&self) -> Result<Vec<(TaskRow, String)>> {
        let columns =
            TASK_COLUMNS.split(", ").map(|c| format!("t.{}", c.trim())).collect::<Vec<_>>().join(", ");
        sqlx::query(&format!(
            "SELECT {columns}, COALESCE(w.name, '') AS worker_name FROM dispatch_tasks t \
             LEFT JOIN workers w ON w.id = t.worker_id WHERE t.no_ack_at IS NOT NULL \
             AND t.acked_at IS NULL AND t.cancelled_at IS NULL AND t.done_at IS NULL ORDER BY t.ack_due_at, t.task_id"
        ))
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(|r| Ok((decode_task(r)?, r.try_get("worker_name")?)))
        .collect()
    }

    /// An event's tasks, oldest first.
    pub async fn event_tasks(&self, event_id: i64) -> Result<Vec<TaskRow>> {
        sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM dispatch_tasks WHERE event_id = $1 ORDER BY dispatched_at, task_id"
        ))
        .bind(event_id)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(decode_task)
        .collect()
    }

    pub async fn task(&self, task_id: &str) -> Result<Option<TaskRow>> {
        sqlx::query(&format!("SELECT {TASK_COLUMNS} FROM dispatch_tasks WHERE task_id = $1"))
            .bind(task_id)
            .fetch_optional(self.read_pool())
            .await?
            .as_ref()
            .map(decode_task)
            .transpose()
    }

    /// Presence and load of every worker, for the recommendation.
    pub async fn worker_states(&self, now: DateTime<Utc>) -> Result<Vec<WorkerState>> {
        let since = to_millis(now - chrono::Duration::hours(24));
        sqlx::query(
            "SELECT w.id, w.terminal_state, w.terminal_seen_at, w.max_tasks, \
               (SELECT COUNT(*) FROM dispatch_tasks t WHERE t.worker_id = w.id AND t.done_at IS NULL \
                  AND t.cancelled_at IS NULL) AS active, \
               (SELECT COUNT(*) FROM dispatch_tasks t WHERE t.worker_id = w.id AND t.dispatched_at >= $1) AS recent \
             FROM workers w ORDER BY w.id",
        )
        .bind(since)
        .fetch_all(self.read_pool())
        .await?
        .iter()
        .map(|r| {
            Ok(WorkerState {
                worker_id: r.try_get("id")?,
                terminal_state: r.try_get("terminal_state")?,
                terminal_seen_at: r.try_get::<Option<i64>, _>("terminal_seen_at")?.map(from_millis),
                max_tasks: r.try_get::<i64, _>("max_tasks")?,
                active_tasks: r.try_get("active")?,
                recent_tasks: r.try_get("recent")?,
            })
        })
        .collect()
    }
}

/// Which deadline alert to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineAlert {
    /// The current step's deadline has passed (超时).
    Overdue,
    /// The deadline is within the warning window (即将超时).
    DueSoon,
}

impl WriteTx {
    /// Marks open real events whose deadline passed (or comes within `window` of `now` for
    /// [`DeadlineAlert::DueSoon`]) and were not yet alerted for that deadline; one feed entry each.
    /// Returns the event ids.
    pub async fn raise_deadline_alerts(
        &mut self,
        kind: DeadlineAlert,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<Vec<i64>> {
        let (column, limit, change) = match kind {
            DeadlineAlert::Overdue => ("overdue_alerted_due", now, "overdue"),
            DeadlineAlert::DueSoon => ("due_soon_alerted_due", now + window, "due_soon"),
        };
        let rows = sqlx::query(&format!(
            "UPDATE events SET {column} = due_at WHERE is_open = 1 AND drill = 0 AND due_at IS NOT NULL \
             AND due_at < $1 AND ({column} IS NULL OR {column} <> due_at) RETURNING id, version"
        ))
        .bind(to_millis(limit))
        .fetch_all(self.conn())
        .await?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            self.append_feed(now, FeedEntity::Event, &id.to_string(), change, row.try_get("version")?)
                .await?;
            ids.push(id);
        }
        ids.sort_unstable();
        Ok(ids)
    }
}
