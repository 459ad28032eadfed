//! The leader's level switch (docs/ipc.md "Response levels"): the ladder, the dry run, the switch. Typed
//! requests and replies; every rule is the api's.

use redgrid_api::response::LevelDryRun;
use redgrid_core::response::ResponseLevel;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::{Empty, Shell};
use crate::dto::{self, UiError};

type Reply<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct LevelRow {
    pub key: String,
    pub name: String,
    pub time_limit_percent: i64,
    pub ack_minutes: Option<i64>,
    pub roster_profile: &'static str,
    pub roster_profile_zh: &'static str,
    pub leader_on_duty: bool,
    pub officers: u32,
    pub zero_report_hours: Option<i64>,
    pub legacy_mode: &'static str,
    pub broadcast_text: String,
}

fn row(l: &ResponseLevel) -> LevelRow {
    LevelRow {
        key: l.key.clone(),
        name: l.name.clone(),
        time_limit_percent: l.time_limit_percent,
        ack_minutes: l.ack_minutes,
        roster_profile: l.roster_profile.key(),
        roster_profile_zh: l.roster_profile.name_zh(),
        leader_on_duty: l.duty.leader_on_duty,
        officers: l.duty.officers,
        zero_report_hours: l.zero_report_hours,
        legacy_mode: l.legacy_mode.key(),
        broadcast_text: l.broadcast_text.clone(),
    }
}

#[derive(Debug, Serialize)]
pub struct Levels {
    pub current: dto::LevelDto,
    pub levels: Vec<LevelRow>,
}

#[tauri::command]
pub async fn response_levels(shell: State<'_, Shell>, request: Empty) -> Reply<Levels> {
    let _ = request;
    let (ready, _) = shell.acting().await?;
    let station = ready.station();
    let current = dto::level(&station.level_view().await?);
    Ok(Levels { current, levels: station.ladder().levels().iter().map(row).collect() })
}

#[derive(Debug, Deserialize)]
pub struct LevelRequest {
    level: String,
}

#[derive(Debug, Serialize)]
pub struct DryRunDto {
    pub level: LevelRow,
    pub overdue: Vec<i64>,
    pub due_within_hour: Vec<i64>,
    /// `{ roster_id, roster_profile, required, covered, gaps, replan_needed }`, or null without a roster.
    pub coverage: Option<serde_json::Value>,
    pub leader_on_duty: bool,
    pub officers: u32,
    pub callup: usize,
}

fn dry_run(d: LevelDryRun) -> DryRunDto {
    DryRunDto {
        level: row(&d.level),
        overdue: d.overdue,
        due_within_hour: d.due_within_hour,
        coverage: d.coverage.map(|c| {
            serde_json::json!({
                "roster_id": c.roster_id, "roster_profile": c.roster_profile.key(), "required": c.required,
                "covered": c.covered, "gaps": c.gaps, "replan_needed": c.replan_needed,
            })
        }),
        leader_on_duty: d.duty_required.leader_on_duty,
        officers: d.duty_required.officers,
        callup: d.callup.len(),
    }
}

/// What switching would do; nothing changes.
#[tauri::command]
pub async fn level_dry_run(shell: State<'_, Shell>, request: LevelRequest) -> Reply<DryRunDto> {
    let (ready, actor) = shell.acting().await?;
    Ok(dry_run(ready.station().level_dry_run(&actor, &request.level).await?))
}

#[derive(Debug, Deserialize)]
pub struct SetLevelRequest {
    level: String,
    reason: String,
}

#[tauri::command]
pub async fn set_level(shell: State<'_, Shell>, request: SetLevelRequest) -> Reply<dto::LevelDto> {
    let (ready, actor) = shell.acting().await?;
    let station = ready.station();
    station.set_level(&actor, &request.level, &request.reason).await?;
    Ok(dto::level(&station.level_view().await?))
}

#[derive(Debug, Serialize)]
pub struct WaitingDto {
    pub event_id: i64,
    pub version: i64,
    pub title: String,
    pub grid_code: String,
    pub drill: bool,
    pub kind: &'static str,
    pub kind_zh: &'static str,
    pub minutes: Option<i64>,
    pub requested_by: String,
    pub requested_at: dto::Millis,
    pub reason: String,
}

/// The requests waiting for a leader (提级, 延时, 挂账): the leader's desk answers them with `act`.
#[tauri::command]
pub async fn requests_waiting(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<WaitingDto>> {
    let _ = request;
    let (ready, _) = shell.acting().await?;
    Ok(ready
        .station()
        .requests_waiting()
        .await?
        .into_iter()
        .map(|w| WaitingDto {
            event_id: w.event_id,
            version: w.version,
            title: w.title,
            grid_code: w.grid_code,
            drill: w.drill,
            kind: w.kind,
            kind_zh: w.kind_zh,
            minutes: w.minutes,
            requested_by: w.requested_by,
            requested_at: dto::ms(w.requested_at),
            reason: w.reason,
        })
        .collect())
}
