//! The commissioner's drill desk (docs/ipc.md "Drills"): the shipped scenarios or an imported file, started
//! at a speed with its injector running in this station, watched inject by inject, paused, resumed, stopped.
//! Every rule — who may, one drill at a time, the file's checks — is the api's.

use base64::Engine;
use redgrid_api::drill_run::{run_injector, state_zh, DrillChange};
use redgrid_drill::InjectKind;
use redgrid_store::drills::DrillRow;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::commands::{Empty, Shell};
use crate::dto::{ms, Millis, UiError};

type Reply<T> = Result<T, UiError>;

#[derive(Debug, Serialize)]
pub struct ShippedScenario {
    pub file_name: &'static str,
    pub title: String,
    pub injects: usize,
}

#[tauri::command]
pub async fn drill_scenarios(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<ShippedScenario>> {
    let _ = request;
    shell.acting().await?;
    Ok(redgrid_drill::shipped()
        .into_iter()
        .filter_map(|(file_name, bytes)| {
            let file = redgrid_drill::parse(bytes, file_name).ok()?;
            Some(ShippedScenario { file_name, title: file.title.clone(), injects: file.injects.len() })
        })
        .collect())
}

#[derive(Debug, Serialize)]
pub struct DrillDto {
    pub id: String,
    pub title: String,
    pub state: String,
    pub state_zh: &'static str,
    pub speed: i64,
    pub started_at: Millis,
    pub started_by: String,
    pub ended_at: Option<Millis>,
}

fn drill_dto(d: &DrillRow) -> DrillDto {
    DrillDto {
        id: d.id.clone(),
        title: d.title.clone(),
        state: d.state.clone(),
        state_zh: state_zh(&d.state),
        speed: d.speed,
        started_at: ms(d.started_at),
        started_by: d.started_by_name.clone(),
        ended_at: d.ended_at.map(ms),
    }
}

#[tauri::command]
pub async fn drills_list(shell: State<'_, Shell>, request: Empty) -> Reply<Vec<DrillDto>> {
    let _ = request;
    let (ready, _) = shell.acting().await?;
    Ok(ready.station().drills().await?.iter().map(drill_dto).collect())
}

#[derive(Debug, Deserialize)]
pub struct StartRequest {
    /// One of the shipped scenarios, or an imported file's name with its content.
    file_name: String,
    content_base64: Option<String>,
    speed: u32,
}

#[tauri::command]
pub async fn drill_start(shell: State<'_, Shell>, request: StartRequest) -> Reply<DrillDto> {
    let (ready, actor) = shell.acting().await?;
    let station = ready.station().clone();
    let bytes: Vec<u8> = match &request.content_base64 {
        Some(b64) => {
            if b64.len() > redgrid_api::drill::MAX_FILE_BYTES * 4 / 3 + 8 {
                return Err(UiError::invalid("演练脚本超过 5 MiB"));
            }
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| UiError::invalid("演练脚本无法读取"))?
        }
        None => redgrid_drill::shipped()
            .into_iter()
            .find(|(name, _)| *name == request.file_name)
            .map(|(_, bytes)| bytes.to_vec())
            .ok_or_else(|| UiError::invalid(format!("没有内置演练脚本 {}", request.file_name)))?,
    };
    let validation = station.validate_drill_scenario(&bytes, &request.file_name).await?;
    let Some(scenario) = validation.scenario.filter(|_| validation.ok) else {
        let lines: Vec<String> = validation.errors.iter().take(8).map(|e| e.message.clone()).collect();
        let more = validation.errors.len().saturating_sub(8);
        let tail = if more > 0 { format!("\n……另有 {more} 处") } else { String::new() };
        return Err(UiError::invalid(format!(
            "演练脚本有 {} 处错误：\n{}{tail}",
            validation.errors.len(),
            lines.join("\n")
        )));
    };
    let drill = station.start_drill(&actor, &scenario, request.speed).await?;
    // The injector runs in this station, which serves the broker: until the last inject is in.
    let (keep, shutdown) = tokio::sync::watch::channel(false);
    let id = drill.id.clone();
    tokio::spawn(async move {
        let _keep = keep;
        if let Err(error) = run_injector(station, id.clone(), shutdown, |_| {}).await {
            tracing::error!(drill = %id, %error, "the drill's injector stopped");
        }
    });
    Ok(drill_dto(&drill))
}

#[derive(Debug, Serialize)]
pub struct InjectDto {
    pub seq: i64,
    pub kind: String,
    pub kind_zh: &'static str,
    pub village_code: String,
    pub village_name: Option<String>,
    pub planned_at: Millis,
    pub injected_at: Option<Millis>,
    pub event_id: Option<i64>,
    pub event_status: Option<&'static str>,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct DrillStatus {
    pub drill: DrillDto,
    pub injects: Vec<InjectDto>,
}

#[derive(Debug, Deserialize)]
pub struct DrillRequest {
    drill_id: String,
}

#[tauri::command]
pub async fn drill_status(shell: State<'_, Shell>, request: DrillRequest) -> Reply<DrillStatus> {
    let (ready, _) = shell.acting().await?;
    let station = ready.station();
    let store = station.store();
    let drill = store
        .drill(&request.drill_id)
        .await
        .map_err(redgrid_api::ApiError::from)?
        .ok_or_else(|| UiError::invalid(format!("演练 {} 不存在", request.drill_id)))?;
    let rows = store.drill_injects(&drill.id).await.map_err(redgrid_api::ApiError::from)?;
    let mut codes: Vec<&str> = rows.iter().map(|r| r.village_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let names = station.grid_names().names(station, &codes).await?;
    let mut injects = Vec::with_capacity(rows.len());
    for r in &rows {
        let status = match r.event_id {
            Some(id) => station.event(id).await.ok().map(|v| v.stored.event.status.name_zh()),
            None => None,
        };
        injects.push(InjectDto {
            seq: r.seq,
            kind: r.kind.clone(),
            kind_zh: InjectKind::parse(&r.kind).map_or("未知", |k| k.name_zh()),
            village_code: r.village_code.clone(),
            village_name: names.get(&r.village_code).cloned().flatten(),
            planned_at: ms(
                drill.started_at + chrono::Duration::milliseconds(r.planned_offset_ms / drill.speed.max(1))
            ),
            injected_at: r.injected_at.map(ms),
            event_id: r.event_id,
            event_status: status,
            detail: r.detail.clone(),
        });
    }
    Ok(DrillStatus { drill: drill_dto(&drill), injects })
}

#[derive(Debug, Deserialize)]
pub struct ControlRequest {
    drill_id: String,
    change: String,
}

#[tauri::command]
pub async fn drill_control(shell: State<'_, Shell>, request: ControlRequest) -> Reply<DrillDto> {
    let (ready, actor) = shell.acting().await?;
    let change = match request.change.as_str() {
        "pause" => DrillChange::Pause,
        "resume" => DrillChange::Resume,
        "stop" => DrillChange::Stop,
        other => return Err(UiError::invalid(format!("未知的演练操作“{other}”"))),
    };
    Ok(drill_dto(&ready.station().control_drill(&actor, &request.drill_id, change).await?))
}

#[derive(Debug, Serialize)]
pub struct ScoreStepDto {
    pub step: &'static str,
    pub seconds: i64,
    pub limit_seconds: Option<i64>,
    pub on_time: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ScoreInjectDto {
    pub seq: i64,
    pub score: f64,
    pub steps: Vec<ScoreStepDto>,
    /// The expected actions not done.
    pub missed: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct ScorecardDto {
    pub drill_id: String,
    pub score: f64,
    pub conclusion: &'static str,
    pub injects: Vec<ScoreInjectDto>,
    pub callup: Option<(usize, usize)>,
}

/// The drill's scorecard (`Station::drill_scorecard`), for the drill desk.
#[tauri::command]
pub async fn drill_scorecard(shell: State<'_, Shell>, request: DrillRequest) -> Reply<ScorecardDto> {
    let (ready, _) = shell.acting().await?;
    let card = ready.station().drill_scorecard(&request.drill_id).await?;
    Ok(ScorecardDto {
        drill_id: card.drill.id.clone(),
        score: card.score,
        conclusion: card.conclusion,
        injects: card
            .injects
            .iter()
            .map(|i| ScoreInjectDto {
                seq: i.seq,
                score: i.score,
                steps: i
                    .steps
                    .iter()
                    .map(|s| ScoreStepDto {
                        step: s.step,
                        seconds: s.seconds,
                        limit_seconds: s.limit_seconds,
                        on_time: s.on_time,
                    })
                    .collect(),
                missed: i.expected.iter().filter(|e| !e.done).map(|e| e.action).collect(),
            })
            .collect(),
        callup: card.callup,
    })
}
