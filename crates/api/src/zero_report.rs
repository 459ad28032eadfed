//! Zero reports (零报告): at a response level with a cadence every village owes a report every N hours —
//! "nothing new here", or its figures — which proves the village is still reachable.
//!
//! Periods are counted from the switch to the level in force (`redgrid_core::response::ZeroReportSchedule`);
//! a report covers the period in which it arrives. It comes from one of the village's grid leaders over MQTT
//! (`terminals/<id>/zero_report`, through ingest, as the leader's own act) or is recorded by the duty officer
//! on the village's behalf ([`StationAct::ZeroReport`]). The officer starts from a prefill taken from the loop
//! (new events since the village's last report, open events, untriaged alerts of its cameras, terminals
//! offline); every report is stored with those facts as they stood, and one that says nothing is new while
//! the facts say otherwise is kept and flagged. The watchdog reminds the grid leaders of a village whose
//! deadline passed (`terminals/<id>/notice`), once per missed period. Every act is an audit record with a
//! `zero_report` feed entry.

use chrono::{DateTime, Duration, Utc};
use redgrid_bus::payload::{TerminalNotice, ZeroReport, MAX_ZERO_REPORT_COUNT};
use redgrid_bus::topics::TerminalChannel;
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::{Actor, Role};
use redgrid_core::response::{zero_report_contradicted, ResponseLevel, ZeroReportSchedule, ZeroReportState};
use redgrid_core::worker::ForceRole;
use redgrid_store::zero_reports::{VillageFacts, ZeroReportRecord};
use redgrid_store::{AuditEntry, GridNode, WriteTx};

use crate::accounts::local_time;
use crate::{allow, station_audit, ApiError, Result, Station};

/// The longest note kept with a report: the bus's limit on free text.
const MAX_NOTE_CHARS: usize = 4000;

/// One village on the zero-report board.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroReportRow {
    pub village_code: String,
    pub village_name: String,
    /// The deadline the state is about: the current period's, or for `missing` the one that passed.
    pub due_at: DateTime<Utc>,
    /// When the village's latest report arrived.
    pub last_at: Option<DateTime<Utc>>,
    pub state: ZeroReportState,
    pub last: Option<ZeroReportRecord>,
}

/// What the loop knows of a village, for the officer (or a terminal) to start a report from.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroReportPrefill {
    pub village_code: String,
    pub village_name: String,
    /// New events count from here: the village's last report, or the start of the response.
    pub since: DateTime<Utc>,
    pub new: i64,
    pub open: i64,
    pub untriaged_alerts: i64,
    pub offline_terminals: i64,
}

/// The cadence in force: the level, its periods, and when the village began owing reports (the first
/// switch of the run of levels with a cadence that leads to this one).
#[derive(Debug, Clone)]
struct Cadence {
    level: ResponseLevel,
    schedule: ZeroReportSchedule,
    owed_since: DateTime<Utc>,
}

/// How a report reached the station.
struct Reporter<'a> {
    actor: &'a Actor,
    channel: &'static str,
    sent_at: Option<DateTime<Utc>>,
    msg_id: Option<&'a str>,
}

impl Station {
    /// The cadence in force, or `None` at a level without one (or one never switched to, whose periods
    /// would have no start).
    async fn zero_report_cadence(&self) -> Result<Option<Cadence>> {
        let level = self.level();
        let Some(hours) = level.zero_report_hours else { return Ok(None) };
        let ladder = self.ladder();
        let switches = self.level_switches(None).await?;
        let Some(last) = switches.iter().rposition(|s| s.to_level == level.key) else {
            return Ok(None);
        };
        let cadenced = |key: &str| ladder.find(key).is_some_and(|l| l.zero_report_hours.is_some());
        let mut first = last;
        while first > 0 && cadenced(&switches[first].from_level) {
            first -= 1;
        }
        Ok(Some(Cadence {
            schedule: ZeroReportSchedule { from: switches[last].at, hours },
            owed_since: switches[first].at,
            level,
        }))
    }

    /// The villages, in code order.
    pub(crate) async fn villages(&self) -> Result<Vec<GridNode>> {
        let depth = self.scheme().village_depth() as i64;
        let mut villages: Vec<GridNode> =
            self.store().grid_tree(depth).await?.into_iter().filter(|n| n.depth == depth).collect();
        villages.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(villages)
    }

    /// A village by its code, or (at the console) its name.
    async fn find_village(&self, text: &str) -> Result<GridNode> {
        let text = text.trim();
        let depth = self.scheme().village_depth() as i64;
        if let Some(node) = self.store().grid_node(text).await?.filter(|n| n.depth == depth) {
            return Ok(node);
        }
        self.villages()
            .await?
            .into_iter()
            .find(|n| n.name == text)
            .ok_or_else(|| ApiError::Invalid(format!("村（社区）“{text}”不存在")))
    }

    /// The board: every village with its deadline, its latest report and its state; empty at a level
    /// without a cadence.
    pub async fn zero_report_status(&self) -> Result<Vec<ZeroReportRow>> {
        let Some(cadence) = self.zero_report_cadence().await? else { return Ok(Vec::new()) };
        let now = self.now();
        let mut latest = self.store().latest_zero_reports().await?.into_iter().peekable();
        let mut rows = Vec::new();
        for village in self.villages().await? {
            while latest.peek().is_some_and(|r| r.village_code < village.code) {
                latest.next();
            }
            let last = latest.next_if(|r| r.village_code == village.code);
            let (state, due_at) =
                cadence.schedule.state(last.as_ref().map(|r| (r.reported_at, r.contradicted)), now);
            rows.push(ZeroReportRow {
                village_code: village.code,
                village_name: village.name,
                due_at,
                last_at: last.as_ref().map(|r| r.reported_at),
                state,
                last,
            });
        }
        Ok(rows)
    }

    /// From when a village's new events count: its last report, but never before the village began owing
    /// reports in this response (a report from an earlier emergency says nothing of this one); without a
    /// cadence, the last day.
    fn facts_since(&self, cadence: Option<&Cadence>, last: Option<&ZeroReportRecord>) -> DateTime<Utc> {
        let floor = cadence.map_or(self.now() - Duration::hours(24), |c| c.owed_since);
        last.map(|r| r.reported_at).filter(|at| *at > floor).unwrap_or(floor)
    }

    /// What the loop knows of the village now, to start its report from.
    pub async fn zero_report_prefill(&self, village: &str) -> Result<ZeroReportPrefill> {
        let village = self.find_village(village).await?;
        let cadence = self.zero_report_cadence().await?;
        let last = self.store().latest_zero_report(&village.code).await?;
        let since = self.facts_since(cadence.as_ref(), last.as_ref());
        let facts = self.store().village_facts(&village.code, since).await?;
        Ok(ZeroReportPrefill {
            village_code: village.code,
            village_name: village.name,
            since,
            new: facts.new_events,
            open: facts.open_events,
            untriaged_alerts: facts.untriaged_alerts,
            offline_terminals: facts.offline_terminals,
        })
    }

    /// The duty officer (or a leader) records a village's zero report on its behalf — the grid leader
    /// called it in. Refused at a level without a cadence.
    pub async fn record_zero_report(
        &self,
        actor: &Actor,
        village: &str,
        new: i64,
        open: i64,
        note: &str,
    ) -> Result<ZeroReportRecord> {
        allow(actor.role, StationAct::ZeroReport)?;
        let village = self.find_village(village).await?;
        let now = self.now();
        let reporter = Reporter { actor, channel: "phone", sent_at: None, msg_id: None };
        let mut tx = self.store().begin_write().await?;
        let record = self.record_in(&mut tx, &reporter, &village, new, open, note, now).await?;
        tx.commit().await?;
        tracing::info!(village = %village.code, by = %actor.id, "zero report recorded on its behalf");
        Ok(record)
    }

    /// A grid leader's report from the terminal, inside ingest's transaction: the leader's own act over
    /// MQTT. From anyone who is not a grid leader with a grid in that village, or for a village the
    /// station does not know, it is refused before anything is written (and ingest quarantines it).
    pub(crate) async fn zero_report_from_terminal(
        &self,
        tx: &mut WriteTx,
        worker_id: &str,
        report: &ZeroReport,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let depth = self.scheme().village_depth() as i64;
        let Some(village) = self.store().grid_node(&report.village).await?.filter(|n| n.depth == depth)
        else {
            return Err(ApiError::Invalid(format!("零报告的村（社区）代码 {} 不存在", report.village)));
        };
        let worker =
            self.store().worker(worker_id, &self.scheme()).await?.ok_or_else(|| {
                ApiError::Forbidden(format!("未知的网格员终端 {worker_id}，零报告不予接收"))
            })?;
        if !is_grid_leader_of(&worker.worker, &village.code) {
            return Err(ApiError::Forbidden(format!(
                "{}（{worker_id}）不是{}的网格长，不能报送该村零报告",
                worker.worker.name, village.name
            )));
        }
        let actor = Actor {
            id: worker.worker.id.clone(),
            name: worker.worker.name.clone(),
            role: Role::GridLeader,
            station: "mqtt:terminal".into(),
        };
        let reporter = Reporter {
            actor: &actor,
            channel: "terminal",
            sent_at: Some(report.at),
            msg_id: Some(&report.msg_id),
        };
        self.record_in(tx, &reporter, &village, report.new, report.open, &report.note, now).await?;
        tx.set_terminal_state(&worker.worker.id, "online", now).await?;
        Ok(())
    }

    /// Stores one report with the facts it is checked against, its audit record and its feed entry.
    /// Everything that can refuse comes before the first write.
    #[allow(clippy::too_many_arguments)]
    async fn record_in(
        &self,
        tx: &mut WriteTx,
        reporter: &Reporter<'_>,
        village: &GridNode,
        new: i64,
        open: i64,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<ZeroReportRecord> {
        let Some(cadence) = self.zero_report_cadence().await? else {
            return Err(ApiError::Invalid(format!(
                "当前响应等级（{}）不要求零报告，{}的零报告不予登记",
                self.level().name,
                village.name
            )));
        };
        for (what, n) in [("新增事件数", new), ("在办事件数", open)] {
            if !(0..=MAX_ZERO_REPORT_COUNT).contains(&n) {
                return Err(ApiError::Invalid(format!(
                    "{what}须在 0 到 {MAX_ZERO_REPORT_COUNT} 之间，而不是 {n}"
                )));
            }
        }
        let note: String = note.trim().chars().take(MAX_NOTE_CHARS).collect();
        // Instants are stored to the millisecond: the record returned is the record as it reads back.
        let now = redgrid_store::from_millis(redgrid_store::to_millis(now));
        let previous = tx.latest_zero_report(&village.code).await?;
        let since = self.facts_since(Some(&cadence), previous.as_ref());
        let facts = tx.village_facts(&village.code, since).await?;
        let contradicted = zero_report_contradicted(new, facts.new_events, facts.untriaged_alerts);
        let mut record = ZeroReportRecord {
            id: 0,
            village_code: village.code.clone(),
            level_key: cadence.level.key.clone(),
            period_start: cadence.schedule.period(now).0,
            reported_at: now,
            sent_at: reporter.sent_at,
            msg_id: reporter.msg_id.map(String::from),
            by_id: reporter.actor.id.clone(),
            by_name: reporter.actor.name.clone(),
            channel: reporter.channel.to_string(),
            new_events: new,
            open_events: open,
            note,
            facts_since: since,
            facts,
            contradicted,
        };
        record.id = tx.insert_zero_report(&record).await?;
        tx.append_audit(&report_audit(reporter, village, &record)).await?;
        if contradicted {
            let by = &reporter.actor.id;
            tracing::warn!(village = %village.code, %by, "a zero report contradicts the facts");
        }
        Ok(record)
    }

    /// The watchdog's round: every village whose deadline passed without a report has its grid leaders
    /// reminded on their terminals, once per missed period (whichever station sees it first), with an
    /// audit record. Returns how many villages were reminded.
    pub async fn check_zero_reports(&self) -> Result<usize> {
        let Some(cadence) = self.zero_report_cadence().await? else { return Ok(0) };
        let length = Duration::hours(cadence.schedule.hours);
        let missing: Vec<ZeroReportRow> = self
            .zero_report_status()
            .await?
            .into_iter()
            .filter(|r| r.state == ZeroReportState::Missing)
            .collect();
        // Every missing village missed the same period: the one before the current.
        let Some(missed_period) = missing.first().map(|r| r.due_at - length) else { return Ok(0) };
        let reminded = self.store().zero_report_reminded(missed_period).await?;
        let owed: Vec<ZeroReportRow> =
            missing.into_iter().filter(|r| reminded.binary_search(&r.village_code).is_err()).collect();
        if owed.is_empty() {
            return Ok(0);
        }
        let workers = self.store().workers(&self.scheme()).await?;
        let station = Actor {
            id: "station".into(),
            name: "指挥台".into(),
            role: Role::System,
            station: self.station_id().into(),
        };
        let now = self.now();
        let topics = self.topics();
        let mut tx = self.store().begin_write().await?;
        let mut reminded = 0;
        for row in owed {
            // A report that arrived since the board was read settles it.
            let latest = tx.latest_zero_report(&row.village_code).await?;
            if latest.is_some_and(|r| r.reported_at >= missed_period + length) {
                continue;
            }
            let leaders: Vec<(&str, &str)> = workers
                .iter()
                .filter(|w| is_grid_leader_of(&w.worker, &row.village_code))
                .map(|w| (w.worker.id.as_str(), w.worker.name.as_str()))
                .collect();
            let ids: Vec<String> = leaders.iter().map(|(id, _)| id.to_string()).collect();
            if !tx
                .insert_zero_report_reminder(&row.village_code, missed_period, row.due_at, &ids, now)
                .await?
            {
                continue;
            }
            let notice = TerminalNotice {
                notice_id: format!("zero_report:{}:{}", row.village_code, missed_period.timestamp_millis()),
                kind: "zero_report_missing".into(),
                title: "零报告催报".into(),
                text: format!(
                    "{} {} 应报的零报告未收到，请尽快报送",
                    row.village_name,
                    local_time(row.due_at)
                ),
                village: Some(row.village_code.clone()),
                due_at: Some(row.due_at),
                at: now,
            };
            let payload = redgrid_bus::payload::encode_terminal_notice(&notice);
            for (id, _) in &leaders {
                let topic = topics.terminal(id, TerminalChannel::Notice);
                tx.enqueue(self.station_id(), &topic, &payload, false, now).await?;
            }
            let whom = if leaders.is_empty() {
                "该村没有登记网格长，无人可提醒".to_string()
            } else {
                let names: Vec<String> = leaders.iter().map(|(id, name)| format!("{name}（{id}）")).collect();
                format!("已提醒网格长 {}", names.join("、"))
            };
            let reason = format!(
                "{}（{}）{} 应报的零报告未收到：{whom}",
                row.village_name,
                row.village_code,
                local_time(row.due_at)
            );
            tx.append_audit(&station_audit(&station, now, "zero_report_remind", None, reason)).await?;
            reminded += 1;
        }
        tx.commit().await?;
        if reminded > 0 {
            self.wake_outbox();
            tracing::info!(villages = reminded, "zero reports missing: grid leaders reminded");
        }
        Ok(reminded)
    }
}

/// A grid leader (网格长) with a grid in the village: who may send its zero report, and who is reminded.
fn is_grid_leader_of(worker: &redgrid_core::worker::Worker, village_code: &str) -> bool {
    worker.roles.contains(&ForceRole::GridLeader)
        && worker.grids.iter().any(|g| g.as_str().starts_with(village_code))
}

/// The audit record of a report: what the village said, who said it and how, and what contradicts it.
fn report_audit(reporter: &Reporter<'_>, village: &GridNode, record: &ZeroReportRecord) -> AuditEntry {
    let how = match reporter.channel {
        "terminal" => "网格长终端报送".to_string(),
        channel => format!(
            "{}代为登记（{}）",
            reporter.actor.name,
            redgrid_core::callup::AnswerChannel::parse(channel).map_or(channel, |c| c.name_zh())
        ),
    };
    let said = if record.new_events == 0 {
        format!("无新增情况，在办 {} 起", record.open_events)
    } else {
        format!("新增 {} 起，在办 {} 起", record.new_events, record.open_events)
    };
    let note = if record.note.is_empty() { String::new() } else { format!("：{}", record.note) };
    let flag = if record.contradicted {
        let VillageFacts { new_events, untriaged_alerts, .. } = record.facts;
        format!("；与事实不符：新事件 {new_events} 起，未研判告警 {untriaged_alerts} 条")
    } else {
        String::new()
    };
    station_audit(
        reporter.actor,
        record.reported_at,
        "zero_report",
        None,
        format!("{}（{}）零报告：{said}（{how}）{note}{flag}", village.name, village.code),
    )
}
