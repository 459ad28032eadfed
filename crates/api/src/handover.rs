//! Shift handover (交接班): the outgoing officer's summary of the shift — open and overdue events, what
//! waits for approval or triage, the duty log — and the signing over of the seat to the incoming officer,
//! who proves it with their own password in the same act.

use redgrid_store::FeedEntity;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use redgrid_core::acts::StationAct;
use redgrid_core::closed_loop::Role;
use redgrid_store::shifts::{HandoverRow, SeatRow};
use redgrid_store::{AuditRecord, QueueFilter};

use crate::session::{Seat, Session};
use crate::{station_audit, ApiError, EventView, Result};

/// How many overdue events and duty-log records the summary carries at most.
const OVERDUE_SHOWN: usize = 20;
const DUTY_LOG_SHOWN: i64 = 200;
/// The open queue is read in pages of this many events to count it.
const QUEUE_PAGE: i64 = 5_000;

/// What the outgoing officer signs over.
#[derive(Debug, Clone)]
pub struct HandoverSummary {
    pub now: DateTime<Utc>,
    pub officer: Session,
    pub shift_started_at: DateTime<Utc>,
    pub open_total: i64,
    pub overdue_total: i64,
    pub by_status: BTreeMap<&'static str, i64>,
    /// Most overdue first.
    pub overdue: Vec<EventView>,
    /// Events with a worker who let the acknowledgement limit pass (未签收超时), oldest dispatch first.
    pub unacknowledged: Vec<EventView>,
    /// Open events with an escalation, extension or park request waiting for a leader.
    pub pending_approvals: i64,
    /// Camera alerts not yet triaged.
    pub alerts_pending: i64,
    /// Audit records the officer wrote at this station during the shift.
    pub acts_this_shift: i64,
    /// This station's audit records since the shift began, newest first.
    pub duty_log: Vec<AuditRecord>,
}

impl HandoverSummary {
    /// The figures as the audit record of the handover keeps them.
    pub fn figures_zh(&self) -> String {
        format!(
            "在办 {} 件，超时 {} 件，未签收超时 {} 件，待审批 {} 件，待研判告警 {} 条，本班操作 {} 次",
            self.open_total,
            self.overdue_total,
            self.unacknowledged.len(),
            self.pending_approvals,
            self.alerts_pending,
            self.acts_this_shift
        )
    }
}

impl Seat {
    /// The summary of the signed-in officer's shift so far, within the officer's data scope.
    pub async fn handover_summary(&self) -> Result<HandoverSummary> {
        let officer = self.session()?;
        let station = self.station();
        let store = station.store();
        let now = station.now();
        let mut open = Vec::new();
        loop {
            let (page, total) = station
                .queue_in_scope(&officer.scope, &QueueFilter::default(), open.len() as i64, QUEUE_PAGE)
                .await?;
            let done = page.is_empty() || open.len() as i64 + page.len() as i64 >= total;
            open.extend(page);
            if done {
                break;
            }
        }
        let mut by_status: BTreeMap<&'static str, i64> = BTreeMap::new();
        for view in &open {
            *by_status.entry(view.stored.event.status.key()).or_default() += 1;
        }
        let pending_approvals = open.iter().filter(|v| v.stored.event.pending.is_some()).count() as i64;
        let mut unacknowledged: Vec<EventView> =
            open.iter().filter(|v| !v.unacknowledged.is_empty()).cloned().collect();
        unacknowledged.sort_by_key(|v| v.unacknowledged.iter().map(|u| u.dispatched_at).min());
        let mut overdue: Vec<EventView> = open.into_iter().filter(|v| v.overdue).collect();
        let overdue_total = overdue.len() as i64;
        overdue.sort_by_key(|v| v.stored.event.due_at);
        overdue.truncate(OVERDUE_SHOWN);
        let shift_started_at = officer.signed_in_at;
        Ok(HandoverSummary {
            now,
            open_total: by_status.values().sum(),
            overdue_total,
            by_status,
            overdue,
            unacknowledged,
            pending_approvals,
            alerts_pending: station.new_alert_count_in_scope(&officer.scope).await?,
            acts_this_shift: store
                .count_acts_since(&officer.account, &officer.station, shift_started_at)
                .await?,
            duty_log: store.station_audit_since(&officer.station, shift_started_at, DUTY_LOG_SHOWN).await?,
            shift_started_at,
            officer,
        })
    }

    /// Signs the shift over to the incoming duty officer. One transaction holds the audit record
    /// (outgoing → incoming, the note and the summary's figures) and the station's feed entry; the seat
    /// changes hands only once it commits.
    pub async fn handover(&self, to_account: &str, to_password: &str, note: &str) -> Result<Session> {
        let outgoing = self.session()?;
        crate::allow(outgoing.role, StationAct::Handover)?;
        if to_account.trim() == outgoing.account {
            return Err(ApiError::Invalid("接班人不能是本人".into()));
        }
        let station = self.station();
        let incoming = station.check_credentials(to_account, to_password).await?;
        if incoming.role != Role::DutyOfficer {
            return Err(ApiError::Forbidden(format!(
                "接班人 {} 是{}，值班只能交给值班员",
                incoming.name,
                incoming.role.name_zh()
            )));
        }
        let summary = self.handover_summary().await?;
        let now = station.now();
        let mut reason = format!("{} 交班给 {}：{}", outgoing.name, incoming.name, summary.figures_zh());
        if !note.trim().is_empty() {
            reason.push_str(&format!("。交班说明：{}", note.trim()));
        }
        let mut tx = station.store().begin_write().await?;
        let change = Some((outgoing.account.as_str(), incoming.account.as_str()));
        tx.append_audit(&station_audit(&outgoing.actor(), now, "handover", change, reason)).await?;
        let handover_id = tx
            .insert_handover(&HandoverRow {
                id: 0,
                station: station.station_id().to_string(),
                from_account: outgoing.account.clone(),
                from_name: outgoing.name.clone(),
                to_account: incoming.account.clone(),
                to_name: incoming.name.clone(),
                at: now,
                note: note.trim().to_string(),
                figures: summary.figures_zh(),
            })
            .await?;
        tx.set_seat(&SeatRow {
            station: station.station_id().to_string(),
            account: incoming.account.clone(),
            shift_started_at: now,
            handover_id: Some(handover_id),
        })
        .await?;
        tx.append_feed(now, FeedEntity::Station, station.station_id(), "handover", 0).await?;
        tx.commit().await?;
        let incoming = Session { signed_in_at: now, ..incoming };
        self.replace(Some(incoming.clone()));
        tracing::info!(from = %outgoing.account, to = %incoming.account, "shift handed over");
        Ok(incoming)
    }
}
