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
    /// The emergency period's record: from the first switch above 平时 to the return (or now).
    Period {
        /// Also write it as an XLSX workbook.
        #[arg(long)]
        xlsx: Option<std::path::PathBuf>,
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
        LevelCommand::Period { xlsx, db, json } => {
            let station = db.station().await?;
            let period = station.emergency_period().await?;
            if let Some(path) = &xlsx {
                write_period_xlsx(&period, path)?;
            }
            let pct = |r: Option<f64>| r.map(|r| (r * 1000.0).round() / 10.0);
            if json {
                output::print_json(&json!({
                    "started_at": period.started_at.to_rfc3339(), "ended_at": period.ended_at.map(|t| t.to_rfc3339()),
                    "highest": period.highest,
                    "switches": period.switches.iter().map(|s| json!({
                        "at": s.at.to_rfc3339(), "from": s.from_level, "to": s.to_level, "by": s.by_name, "reason": s.reason,
                    })).collect::<Vec<_>>(),
                    "callups": period.callups.iter().map(|c| json!({
                        "callup_id": c.callup_id, "reason": c.reason, "called": c.called, "available": c.available,
                        "unavailable": c.unavailable, "silent": c.silent,
                    })).collect::<Vec<_>>(),
                    "answer_rate_percent": pct(period.answer_rate()),
                    "zero_reports": { "owed": period.zero_reports_owed, "received": period.zero_reports_received, "rate_percent": pct(period.zero_report_rate()) },
                    "events": { "reported": period.events_reported, "open": period.events_open, "closed": period.events_closed,
                                "steps_on_time": period.steps_on_time, "steps_done": period.steps_done, "on_time_percent": pct(period.on_time_rate()) },
                }));
            } else {
                let end = period.ended_at.map_or("至今".to_string(), output::local_time);
                say!(
                    "应急期间：{} — {}，最高 {}",
                    output::local_time(period.started_at),
                    end,
                    period.highest
                );
                for s in &period.switches {
                    say!(
                        "  {} {} → {}（{}）：{}",
                        output::local_time(s.at),
                        s.from_level,
                        s.to_level,
                        s.by_name,
                        s.reason
                    );
                }
                let show = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.1}%", r * 100.0));
                say!("  叫应 {} 次，应答率 {}", period.callups.len(), show(period.answer_rate()));
                say!(
                    "  零报告 应报 {}，已报 {}（{}）",
                    period.zero_reports_owed,
                    period.zero_reports_received,
                    show(period.zero_report_rate())
                );
                say!(
                    "  事件 {} 件，办结 {}，在办 {}，环节按时率 {}",
                    period.events_reported,
                    period.events_closed,
                    period.events_open,
                    show(period.on_time_rate())
                );
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

/// The period as a workbook for the after-action file: an overview, the switches, the call-ups.
fn write_period_xlsx(p: &redgrid_api::period::EmergencyPeriod, path: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    use rust_xlsxwriter::{Format, Workbook};
    let bold = Format::new().set_bold();
    let mut workbook = Workbook::new();
    let pct = |r: Option<f64>| r.map_or("—".to_string(), |r| format!("{:.1}%", r * 100.0));
    let overview = workbook.add_worksheet();
    overview.set_name("概况")?;
    let rows: Vec<(&str, String)> = vec![
        ("开始", output::local_time(p.started_at)),
        ("结束", p.ended_at.map_or("至今".into(), output::local_time)),
        ("最高等级", p.highest.clone()),
        ("叫应次数", p.callups.len().to_string()),
        ("叫应应答率", pct(p.answer_rate())),
        ("零报告应报", p.zero_reports_owed.to_string()),
        ("零报告已报", p.zero_reports_received.to_string()),
        ("零报告率", pct(p.zero_report_rate())),
        ("上报事件", p.events_reported.to_string()),
        ("已结案", p.events_closed.to_string()),
        ("在办", p.events_open.to_string()),
        ("环节按时率", pct(p.on_time_rate())),
    ];
    for (r, (label, value)) in rows.iter().enumerate() {
        overview.write_string_with_format(r as u32, 0, *label, &bold)?;
        overview.write_string(r as u32, 1, value)?;
    }
    overview.set_column_width(0, 14)?;
    overview.set_column_width(1, 22)?;
    let switches = workbook.add_worksheet();
    switches.set_name("等级切换")?;
    for (c, h) in ["时间", "原等级", "新等级", "切换人", "理由"].iter().enumerate() {
        switches.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, s) in p.switches.iter().enumerate() {
        let r = r as u32 + 1;
        switches.write_string(r, 0, output::local_time(s.at))?;
        switches.write_string(r, 1, &s.from_level)?;
        switches.write_string(r, 2, &s.to_level)?;
        switches.write_string(r, 3, &s.by_name)?;
        switches.write_string(r, 4, &s.reason)?;
    }
    let callups = workbook.add_worksheet();
    callups.set_name("叫应")?;
    for (c, h) in ["编号", "事由", "叫应", "可到岗", "不能到岗", "未应答"].iter().enumerate()
    {
        callups.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, c) in p.callups.iter().enumerate() {
        let r = r as u32 + 1;
        callups.write_string(r, 0, &c.callup_id)?;
        callups.write_string(r, 1, &c.reason)?;
        callups.write_number(r, 2, c.called as f64)?;
        callups.write_number(r, 3, c.available as f64)?;
        callups.write_number(r, 4, c.unavailable as f64)?;
        callups.write_number(r, 5, c.silent as f64)?;
    }
    workbook.save(path).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}
