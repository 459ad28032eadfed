//! `redgrid callup start | status | answer | close` (叫应) and `redgrid setting list | set`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use redgrid_api::callup::{parse_reply_by, CallupSelection, CallupStatus};
use redgrid_core::callup::{AnswerChannel, CallupState};
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

#[derive(Subcommand)]
pub enum CallupCommand {
    /// Calls up a selection (the filters combine), as the --as leader or duty officer.
    Start {
        /// Villages by 12-digit code or name.
        #[arg(long, value_delimiter = ',')]
        villages: Vec<String>,
        #[arg(long, value_delimiter = ',')]
        grids: Vec<String>,
        /// 1+3+N groups or roles: full_time_worker, village_cadre, police, patrol, volunteer, …, 1, 3, N,
        /// grid_leader, ….
        #[arg(long, value_delimiter = ',')]
        groups: Vec<String>,
        #[arg(long)]
        part_time: bool,
        #[arg(long)]
        not_on_shift: bool,
        /// A warning area (GeoJSON polygon): every grid it touches.
        #[arg(long)]
        area: Option<PathBuf>,
        #[arg(long)]
        reason: String,
        /// 90s, 30m, 2h or an RFC 3339 time.
        #[arg(long)]
        reply_by: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// The answer board.
    Status {
        id: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Records a person's answer given by phone, in person or by radio, as the --as officer.
    Answer {
        id: String,
        worker: String,
        /// available or unavailable.
        answer: String,
        #[arg(long, default_value = "phone")]
        channel: String,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Ends a call-up: later answers are refused.
    Close {
        id: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
pub enum SettingCommand {
    /// Every station setting with its value.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Sets one (the administrator's act).
    Set {
        key: String,
        value: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

pub fn status_json(s: &CallupStatus) -> serde_json::Value {
    json!({
        "callup_id": s.callup.id, "reason": s.callup.reason, "started_at": s.callup.started_at.to_rfc3339(),
        "reply_by": s.callup.reply_by.to_rfc3339(), "closed": s.callup.closed_at.is_some(),
        "called": s.called, "available": s.available, "unavailable": s.unavailable, "silent": s.silent,
        "by_village": s.by_village.iter().map(|v| json!({
            "village_code": v.village_code, "village_name": v.village_name, "called": v.called,
            "available": v.available, "unavailable": v.unavailable, "silent": v.silent,
        })).collect::<Vec<_>>(),
        "people": s.people.iter().map(|p| json!({
            "worker_id": p.worker_id, "name": p.name, "village_code": p.village_code, "state": p.state.key(),
            "answered_at": p.answered_at.map(|t| t.to_rfc3339()), "channel": p.channel, "calls": p.calls,
            "backup_for": p.backup_for, "note": p.note,
        })).collect::<Vec<_>>(),
    })
}

pub async fn run(command: CallupCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        CallupCommand::Start {
            villages,
            grids,
            groups,
            part_time,
            not_on_shift,
            area,
            reason,
            reply_by,
            db,
            json,
        } => {
            let station = db.station().await?;
            let actor = identity.person(&station).await?;
            let area = match area {
                Some(path) => {
                    let size = std::fs::metadata(&path)
                        .with_context(|| format!("无法读取 {}", path.display()))?
                        .len();
                    anyhow::ensure!(size <= 2 * 1024 * 1024, "预警区域文件超过 2 MiB：{}", path.display());
                    Some(
                        std::fs::read_to_string(&path)
                            .with_context(|| format!("无法读取 {}", path.display()))?,
                    )
                }
                None => None,
            };
            let selection =
                CallupSelection { villages, grids, groups, part_time_only: part_time, not_on_shift, area };
            let reply_by = parse_reply_by(&reply_by, station.now())?;
            let started = station.start_callup(&actor, &selection, &reason, reply_by, None).await?;
            if json {
                output::print_json(&json!({
                    "callup_id": started.callup_id, "called": started.called, "workers": started.workers,
                    "reply_by": started.reply_by.to_rfc3339(),
                }));
            } else {
                say!(
                    "已发起叫应 {}：{} 人，{} 前应答",
                    started.callup_id,
                    started.called,
                    output::local_time(started.reply_by)
                );
            }
        }
        CallupCommand::Status { id, db, json } => {
            let station = db.station().await?;
            let status = station.callup_status(&id).await?;
            if json {
                output::print_json(&status_json(&status));
            } else {
                say!(
                    "叫应 {}（{}）：共 {} 人，可到岗 {}，不能到岗 {}，未应答 {}",
                    status.callup.id,
                    status.callup.reason,
                    status.called,
                    status.available,
                    status.unavailable,
                    status.silent
                );
                for v in &status.by_village {
                    say!(
                        "  {}：{} 人，到岗 {}，不能 {}，未应答 {}",
                        v.village_name,
                        v.called,
                        v.available,
                        v.unavailable,
                        v.silent
                    );
                }
            }
        }
        CallupCommand::Answer { id, worker, answer, channel, note, db, json } => {
            let station = db.station().await?;
            let actor = identity.person(&station).await?;
            let state = CallupState::parse(&answer)
                .filter(|s| *s != CallupState::Silent)
                .with_context(|| format!("应答应为 available 或 unavailable，收到“{answer}”"))?;
            let channel = AnswerChannel::parse(&channel)
                .filter(|c| *c != AnswerChannel::Terminal)
                .with_context(|| format!("渠道应为 phone、in_person 或 radio，收到“{channel}”"))?;
            station.answer_callup(&actor, &id, &worker, state, channel, &note).await?;
            if json {
                output::print_json(
                    &json!({ "callup_id": id, "worker_id": worker, "state": state.key(), "channel": channel.key() }),
                );
            } else {
                say!("已登记：{worker} {}（{}）", state.name_zh(), channel.name_zh());
            }
        }
        CallupCommand::Close { id, db } => {
            let station = db.station().await?;
            let actor = identity.person(&station).await?;
            station.close_callup(&actor, &id).await?;
            say!("叫应 {id} 已结束。");
        }
    }
    Ok(())
}

pub async fn run_setting(command: SettingCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        SettingCommand::List { db, json } => {
            let station = db.station().await?;
            let list = station.settings_list().await?;
            if json {
                output::print_json(&serde_json::Value::Array(
                    list.iter()
                        .map(|s| json!({ "key": s.spec.key, "name": s.spec.name_zh, "value": s.value, "default": s.is_default }))
                        .collect(),
                ));
            } else {
                for s in &list {
                    say!(
                        "{}\t{}\t{}{}",
                        s.spec.key,
                        s.value,
                        s.spec.name_zh,
                        if s.is_default { "（默认）" } else { "" }
                    );
                }
            }
        }
        SettingCommand::Set { key, value, db, json } => {
            let station = db.station().await?;
            let actor = identity.administrator(&station).await?;
            let set = station.change_setting(&actor, &key, &value).await?;
            if json {
                output::print_json(&json!({ "key": set.spec.key, "value": set.value }));
            } else {
                say!("已设置 {}：{}", set.spec.name_zh, set.value);
            }
        }
    }
    Ok(())
}
