//! The roster commands of docs/ipc.md ("Rosters"): the desk view of a stored roster, checking and saving
//! manual changes, re-plan proposals, and planning a first roster. Thin over `redgrid_api::roster_desk`.

use chrono::NaiveDate;
use redgrid_api::roster::{next_monday, Coverage, PlanBudget, RosterPlanRequest};
use redgrid_api::roster_desk::{ChangeCheck, ReplanProposal, ReplanReason, RosterCell, RuleBreak};
use redgrid_core::time::local_date;
use redgrid_core::time_limit::Mode;
use serde::Deserialize;
use serde_json::{json, Value};
use tauri::State;

use crate::commands::Shell;
use crate::dto::UiError;

type Reply<T = Value> = Result<T, UiError>;

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(text: &str) -> Reply<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| UiError::invalid(format!("日期应为 YYYY-MM-DD：{text}")))
}

fn breaks_json(breaks: &[RuleBreak]) -> Value {
    Value::Array(
        breaks
            .iter()
            .map(|b| {
                json!({
                    "worker_id": b.worker_id,
                    "worker_name": b.worker_name,
                    "day": b.day.map(day_text),
                    "rule": b.rule,
                    "text": b.text,
                })
            })
            .collect(),
    )
}

fn coverage_json(c: &Coverage) -> Value {
    json!({
        "required": c.required,
        "covered": c.covered,
        "worked_shifts": c.worked_shifts,
        "gaps": c.gaps.iter().map(|g| json!({
            "day": day_text(g.day),
            "area_code": g.area_code,
            "area_name": g.area_name,
            "shift_code": g.shift_code,
            "required": g.required,
            "assigned": g.assigned,
        })).collect::<Vec<_>>(),
    })
}

fn check_json(check: &ChangeCheck) -> Value {
    json!({
        "breaks": breaks_json(&check.breaks),
        "new_breaks": breaks_json(&check.new_breaks),
        "coverage": coverage_json(&check.coverage),
        "objective": check.objective,
        "roster_id": check.roster_id,
    })
}

#[derive(Debug, Deserialize)]
pub struct CellDto {
    worker_id: String,
    day: String,
    shift_code: Option<String>,
}

fn cells_of(cells: &[CellDto]) -> Reply<Vec<RosterCell>> {
    cells
        .iter()
        .map(|c| {
            Ok(RosterCell {
                worker_id: c.worker_id.clone(),
                day: parse_day(&c.day)?,
                shift_code: c.shift_code.clone().filter(|s| !s.is_empty()),
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReasonDto {
    Sick { worker_id: String, days: Vec<String> },
    Wartime,
}

fn reason_of(reason: Option<&ReasonDto>) -> Reply<Option<ReplanReason>> {
    Ok(match reason {
        None => None,
        Some(ReasonDto::Wartime) => Some(ReplanReason::Wartime),
        Some(ReasonDto::Sick { worker_id, days }) => Some(ReplanReason::Sick {
            worker_id: worker_id.clone(),
            days: days.iter().map(|d| parse_day(d)).collect::<Reply<Vec<_>>>()?,
        }),
    })
}

#[derive(Debug, Deserialize)]
pub struct DeskRequest {
    roster_id: Option<i64>,
}

/// `{ roster: null }` when no roster has been planned yet; otherwise the roster as the desk shows it.
#[tauri::command]
pub async fn roster_desk(shell: State<'_, Shell>, request: DeskRequest) -> Reply {
    let (ready, _) = shell.acting().await?;
    let station = ready.station();
    if request.roster_id.is_none() && station.store().latest_roster().await?.is_none() {
        return Ok(
            json!({ "roster": null, "next_monday": day_text(next_monday(local_date(station.now()))) }),
        );
    }
    let desk = station.roster_desk(request.roster_id).await?;
    let h = &desk.header;
    Ok(json!({
        "roster": {
            "id": h.id,
            "mode": h.mode.key(),
            "first_day": day_text(h.first_day),
            "days": desk.days.iter().map(|d| day_text(*d)).collect::<Vec<_>>(),
            "created_at": h.created_at.timestamp_millis(),
            "created_by": h.created_by,
            "note": h.note,
            "objective": desk.objective,
        },
        "today": day_text(local_date(station.now())),
        "shift_types": desk.shift_types.iter().map(|s| json!({
            "code": s.code, "name": s.name, "kind": s.kind,
            "start_minute": s.start_minute, "length_minutes": s.length_minutes,
        })).collect::<Vec<_>>(),
        "workers": desk.workers.iter().map(|w| json!({
            "id": w.id, "name": w.name, "full_time": w.full_time, "category": w.category,
            "area_code": w.area_code, "area_name": w.area_name, "cells": w.cells,
        })).collect::<Vec<_>>(),
        "areas": desk.areas.iter().enumerate().map(|(a, (code, name))| json!({
            "code": code, "name": name,
            // Per day, per shift type: [assigned, required].
            "cover": desk.area_cover[a].iter().map(|day| day.iter().map(|(have, need)| [have, need]).collect::<Vec<_>>()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "breaks": breaks_json(&desk.breaks),
        "coverage": coverage_json(&desk.coverage),
        "departed": desk.departed,
    }))
}

#[derive(Debug, Deserialize)]
pub struct ChangesRequest {
    roster_id: i64,
    #[serde(default)]
    cells: Vec<CellDto>,
    #[serde(default)]
    reason: Option<ReasonDto>,
}

/// Checks changes against every hard rule; stores nothing.
#[tauri::command]
pub async fn roster_check(shell: State<'_, Shell>, request: ChangesRequest) -> Reply {
    let (ready, _) = shell.acting().await?;
    let cells = cells_of(&request.cells)?;
    let reason = reason_of(request.reason.as_ref())?;
    let check = ready.station().check_roster_changes(request.roster_id, &cells, reason.as_ref()).await?;
    Ok(check_json(&check))
}

/// Saves changes as a new roster; refused when they break a hard rule or a newer roster exists.
#[tauri::command]
pub async fn roster_save(shell: State<'_, Shell>, request: ChangesRequest) -> Reply {
    let (ready, actor) = shell.acting().await?;
    let cells = cells_of(&request.cells)?;
    let reason = reason_of(request.reason.as_ref())?;
    let saved =
        ready.station().save_roster_changes(&actor, request.roster_id, &cells, reason.as_ref()).await?;
    Ok(check_json(&saved))
}

#[derive(Debug, Deserialize)]
pub struct ReplanRequest {
    roster_id: i64,
    reason: ReasonDto,
}

/// Moves of the re-plan search: a few seconds on a workstation for the demo township, and the same
/// proposal for the same roster every time.
const REPLAN_MOVES: u64 = 400_000;

#[tauri::command]
pub async fn roster_replan(shell: State<'_, Shell>, request: ReplanRequest) -> Reply {
    let (ready, _) = shell.acting().await?;
    let reason = reason_of(Some(&request.reason))?.expect("a reason was given");
    let p: ReplanProposal = ready.station().propose_replan(request.roster_id, &reason, REPLAN_MOVES).await?;
    Ok(json!({
        "base_roster_id": p.base_roster_id,
        "changes": p.changes.iter().zip(&p.before).map(|(c, before)| json!({
            "worker_id": c.worker_id,
            "day": day_text(c.day),
            "before": before,
            "shift_code": c.shift_code,
        })).collect::<Vec<_>>(),
        "objective_before": p.objective_before,
        "objective_after": p.objective_after,
        "coverage_before": coverage_json(&p.coverage_before),
        "coverage_after": coverage_json(&p.coverage_after),
    }))
}

#[derive(Debug, Deserialize)]
pub struct PlanRequest {
    first_day: Option<String>,
    weeks: Option<u32>,
    mode: Option<String>,
    seconds: Option<f64>,
}

/// Plans a new roster (two weeks from next Monday unless told otherwise).
#[tauri::command]
pub async fn roster_plan(shell: State<'_, Shell>, request: PlanRequest) -> Reply {
    let (ready, actor) = shell.acting().await?;
    let station = ready.station();
    let first_day = match request.first_day.as_deref() {
        Some(text) => parse_day(text)?,
        None => next_monday(local_date(station.now())),
    };
    let mode = match request.mode.as_deref() {
        Some(key) => Mode::from_key(key).ok_or_else(|| UiError::invalid(format!("未知模式“{key}”")))?,
        None => station.mode(),
    };
    let plan = station
        .plan_roster(
            &actor,
            &RosterPlanRequest {
                first_day,
                weeks: request.weeks.unwrap_or(2),
                mode,
                budget: PlanBudget::Seconds(request.seconds.unwrap_or(8.0)),
                seed: 1,
            },
        )
        .await?;
    Ok(
        json!({ "roster_id": plan.roster_id, "coverage": coverage_json(&plan.coverage), "objective": plan.objective }),
    )
}
