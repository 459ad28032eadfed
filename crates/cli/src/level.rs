//! `redgrid level list | set`: the response ladder and the leader's switch, with its dry run.

use clap::Subcommand;
use redgrid_core::response::ResponseLevel;
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

#[derive(Subcommand)]
pub enum LevelCommand {
    /// The ladder, lowest first, and the level in force.
    List {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Switches to a level (its key or name), as the --as leader; --dry-run shows what it would do.
    Set {
        level: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

fn level_json(l: &ResponseLevel) -> serde_json::Value {
    json!({
        "key": l.key, "name": l.name, "time_limit_percent": l.time_limit_percent, "ack_minutes": l.ack_minutes,
        "roster_profile": l.roster_profile.key(), "zero_report_hours": l.zero_report_hours,
        "legacy_mode": l.legacy_mode.key(), "leader_on_duty": l.duty.leader_on_duty, "officers": l.duty.officers,
        "broadcast_text": l.broadcast_text,
    })
}

pub async fn run(command: LevelCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        LevelCommand::List { db, json } => {
            let station = db.station().await?;
            let view = station.level_view().await?;
            let ladder = station.ladder();
            if json {
                output::print_json(&json!({
                    "current": {
                        "key": view.level.key, "name": view.level.name,
                        "since": view.since.map(|t| t.to_rfc3339()), "by": view.by,
                    },
                    "levels": ladder.levels().iter().map(level_json).collect::<Vec<_>>(),
                }));
            } else {
                for l in ladder.levels() {
                    let here = if l.key == view.level.key { "▶" } else { " " };
                    let zero = l
                        .zero_report_hours
                        .map_or("无零报告".to_string(), |h| format!("每 {h} 小时零报告"));
                    say!(
                        "{here} {}（{}）时限 {}%，{}，{}{} 名值班员，{}",
                        l.name,
                        l.key,
                        l.time_limit_percent,
                        l.roster_profile.name_zh(),
                        if l.duty.leader_on_duty { "领导带班，" } else { "" },
                        l.duty.officers,
                        zero
                    );
                }
                if let Some(since) = view.since {
                    say!(
                        "当前：{}，自 {} 起（{}）",
                        view.level.name,
                        output::local_time(since),
                        view.by.unwrap_or_default()
                    );
                }
            }
        }
        LevelCommand::Set { level, reason, dry_run, db, json } => {
            let station = db.station().await?;
            let actor = identity.person(&station).await?;
            if dry_run {
                let d = station.level_dry_run(&actor, &level).await?;
                if json {
                    output::print_json(&json!({
                        "level": d.level.key,
                        "overdue": d.overdue,
                        "due_within_hour": d.due_within_hour,
                        "coverage_gaps": d.coverage.as_ref().map(|c| json!({
                            "roster_id": c.roster_id, "roster_profile": c.roster_profile.key(),
                            "required": c.required, "covered": c.covered, "gaps": c.gaps,
                            "replan_needed": c.replan_needed,
                        })),
                        "duty_required": { "leader_on_duty": d.duty_required.leader_on_duty, "officers": d.duty_required.officers },
                        "callup": d.callup,
                    }));
                } else {
                    say!(
                        "预演：切换为{}（时限为平时的 {}%），不做任何改动",
                        d.level.name,
                        d.level.time_limit_percent
                    );
                    say!("  将超时 {} 件，1 小时内到期 {} 件", d.overdue.len(), d.due_within_hour.len());
                    match &d.coverage {
                        Some(c) => say!(
                            "  排班 #{}：需 {} 班次，已排 {}，缺口 {} 处{}",
                            c.roster_id,
                            c.required,
                            c.covered,
                            c.gaps,
                            if c.replan_needed { "；须重排" } else { "" }
                        ),
                        None => say!("  尚无排班"),
                    }
                    say!(
                        "  值守：{}{} 名值班员；叫应 {} 人",
                        if d.duty_required.leader_on_duty { "领导带班，" } else { "" },
                        d.duty_required.officers,
                        d.callup.len()
                    );
                }
                return Ok(());
            }
            let switch = station.set_level(&actor, &level, &reason).await?;
            let now = station.level();
            if json {
                output::print_json(&json!({
                    "from": switch.from_level, "to": switch.to_level, "name": now.name,
                    "at": switch.at.to_rfc3339(), "by": switch.by_name,
                }));
            } else {
                say!("已切换为{}（{}）：{}", now.name, switch.by_name, switch.reason);
            }
        }
    }
    Ok(())
}
