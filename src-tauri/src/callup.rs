//! The call-up board (docs/ipc.md "Call-ups"): start a call-up, watch the answers, record an answer given by
//! phone, in person or by radio. Typed requests and replies; every rule is the api's.

use chrono::Duration;
use redgrid_api::callup::{parse_reply_by, CallupSelection, CallupStatus};
use redgrid_core::callup::{AnswerChannel, CallupState};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::{Empty, Shell};
use crate::dto::{ms, Millis, UiError};

type Reply<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct CallupSummary {
    pub callup_id: String,
    pub reason: String,
    pub selection: String,
    pub started_at: Millis,
    pub started_by: String,
    pub reply_by: Millis,
    pub closed: bool,
    pub drill: bool,
}

#[tauri::command]
pub async fn callups_recent(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<CallupSummary>> {
    let _ = request;
    let (ready, _) = shell.acting().await?;
    let station = ready.station();
    let rows = station
        .store()
        .callups_since(station.now() - Duration::days(7))
        .await
        .map_err(redgrid_api::ApiError::from)?;
    Ok(rows
        .into_iter()
        .map(|r| CallupSummary {
            callup_id: r.id,
            reason: r.reason,
            selection: r.selection,
            started_at: ms(r.started_at),
            started_by: r.started_by_name,
            reply_by: ms(r.reply_by),
            closed: r.closed_at.is_some(),
            drill: r.drill_id.is_some(),
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct StartRequest {
    #[serde(default)]
    villages: Vec<String>,
    #[serde(default)]
    grids: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    part_time: bool,
    #[serde(default)]
    not_on_shift: bool,
    area: Option<String>,
    reason: String,
    reply_by: String,
}

#[derive(Debug, Serialize)]
pub struct Started {
    pub callup_id: String,
    pub called: usize,
    pub reply_by: Millis,
}

#[tauri::command]
pub async fn callup_start(shell: State<'_, Shell>, request: StartRequest) -> Reply<Started> {
    let (ready, actor) = shell.acting().await?;
    let station = ready.station();
    let selection = CallupSelection {
        villages: request.villages,
        grids: request.grids,
        groups: request.groups,
        part_time_only: request.part_time,
        not_on_shift: request.not_on_shift,
        area: request.area.filter(|a| !a.trim().is_empty()),
    };
    let reply_by = parse_reply_by(&request.reply_by, station.now())?;
    let started = station.start_callup(&actor, &selection, &request.reason, reply_by, None).await?;
    Ok(Started { callup_id: started.callup_id, called: started.called, reply_by: ms(started.reply_by) })
}

#[derive(Debug, Serialize)]
pub struct BoardDto {
    pub callup: CallupSummary,
    pub called: usize,
    pub available: usize,
    pub unavailable: usize,
    pub silent: usize,
    pub by_village: Vec<VillageDto>,
    pub people: Vec<PersonDto>,
}

#[derive(Debug, Serialize)]
pub struct VillageDto {
    pub village_code: String,
    pub village_name: String,
    pub called: usize,
    pub available: usize,
    pub unavailable: usize,
    pub silent: usize,
}

#[derive(Debug, Serialize)]
pub struct PersonDto {
    pub worker_id: String,
    pub name: String,
    pub village_code: String,
    pub group: String,
    pub state: &'static str,
    pub state_zh: &'static str,
    pub answered_at: Option<Millis>,
    pub channel: Option<String>,
    pub calls: i64,
    pub backup_for: Option<String>,
    pub note: String,
}

fn board(s: CallupStatus) -> BoardDto {
    BoardDto {
        callup: CallupSummary {
            callup_id: s.callup.id,
            reason: s.callup.reason,
            selection: s.callup.selection,
            started_at: ms(s.callup.started_at),
            started_by: s.callup.started_by_name,
            reply_by: ms(s.callup.reply_by),
            closed: s.callup.closed_at.is_some(),
            drill: s.callup.drill_id.is_some(),
        },
        called: s.called,
        available: s.available,
        unavailable: s.unavailable,
        silent: s.silent,
        by_village: s
            .by_village
            .into_iter()
            .map(|v| VillageDto {
                village_code: v.village_code,
                village_name: v.village_name,
                called: v.called,
                available: v.available,
                unavailable: v.unavailable,
                silent: v.silent,
            })
            .collect(),
        people: s
            .people
            .into_iter()
            .map(|p| PersonDto {
                worker_id: p.worker_id,
                name: p.name,
                village_code: p.village_code,
                group: p.group,
                state: p.state.key(),
                state_zh: p.state.name_zh(),
                answered_at: p.answered_at.map(ms),
                channel: p.channel,
                calls: p.calls,
                backup_for: p.backup_for,
                note: p.note,
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusRequest {
    callup_id: String,
}

#[tauri::command]
pub async fn callup_status(shell: State<'_, Shell>, request: StatusRequest) -> Reply<BoardDto> {
    let (ready, _) = shell.acting().await?;
    Ok(board(ready.station().callup_status(&request.callup_id).await?))
}

#[derive(Debug, Deserialize)]
pub struct AnswerRequest {
    callup_id: String,
    worker_id: String,
    state: String,
    channel: String,
    #[serde(default)]
    note: String,
}

#[tauri::command]
pub async fn callup_answer(shell: State<'_, Shell>, request: AnswerRequest) -> Reply<BoardDto> {
    let (ready, actor) = shell.acting().await?;
    let state = CallupState::parse(&request.state)
        .filter(|s| *s != CallupState::Silent)
        .ok_or_else(|| UiError::invalid("应答须为可到岗或不能到岗"))?;
    let channel = AnswerChannel::parse(&request.channel)
        .filter(|c| *c != AnswerChannel::Terminal)
        .ok_or_else(|| UiError::invalid("渠道须为电话、当面或对讲机"))?;
    let station = ready.station();
    station
        .answer_callup(&actor, &request.callup_id, &request.worker_id, state, channel, &request.note)
        .await?;
    Ok(board(station.callup_status(&request.callup_id).await?))
}
