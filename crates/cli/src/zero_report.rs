//! `redgrid zero-report status | prefill | record` (零报告): the board of every village, what the loop knows of
//! one, and a village's report recorded on its behalf by the --as duty officer or leader.

use clap::Subcommand;
use redgrid_api::zero_report::{ZeroReportPrefill, ZeroReportRow};
use redgrid_store::zero_reports::ZeroReportRecord;
use serde_json::json;

use crate::identity::Identity;
use crate::{output, DbArg};

#[derive(Subcommand)]
pub enum ZeroReportCommand {
    /// Every village with its deadline, its last report and its state (ok, due, missing, contradicted);
    /// empty at a level without a cadence.
    Status {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// What the loop knows of a village now: new events since its last report, open events, untriaged
    /// alerts of its cameras, terminals offline.
    Prefill {
        /// The village by 12-digit code or name.
        village: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
    /// Records a village's zero report on its behalf (the grid leader phoned it in), as the --as duty
    /// officer or leader. --new and --open default to the prefill.
    Record {
        /// The village by 12-digit code or name.
        village: String,
        /// Events new in the village since its last report (0: nothing new here).
        #[arg(long)]
        new: Option<i64>,
        /// Events still open there.
        #[arg(long)]
        open: Option<i64>,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        json: bool,
    },
}

fn row_json(r: &ZeroReportRow) -> serde_json::Value {
    json!({
        "village_code": r.village_code, "village_name": r.village_name, "due_at": r.due_at.to_rfc3339(),
        "last_at": r.last_at.map(|t| t.to_rfc3339()), "state": r.state.key(),
    })
}

fn prefill_json(p: &ZeroReportPrefill) -> serde_json::Value {
    json!({
        "village_code": p.village_code, "village_name": p.village_name, "since": p.since.to_rfc3339(),
        "new": p.new, "open": p.open, "untriaged_alerts": p.untriaged_alerts,
        "offline_terminals": p.offline_terminals,
    })
}

fn record_json(r: &ZeroReportRecord, village_name: &str) -> serde_json::Value {
    json!({
        "village_code": r.village_code, "village_name": village_name, "level": r.level_key,
        "period_start": r.period_start.to_rfc3339(), "reported_at": r.reported_at.to_rfc3339(),
        "new": r.new_events, "open": r.open_events, "note": r.note, "channel": r.channel, "by": r.by_id,
        "contradicted": r.contradicted,
        "facts": {
            "since": r.facts_since.to_rfc3339(), "new": r.facts.new_events, "open": r.facts.open_events,
            "untriaged_alerts": r.facts.untriaged_alerts, "offline_terminals": r.facts.offline_terminals,
        },
    })
}

pub async fn run(command: ZeroReportCommand, identity: &mut Identity) -> anyhow::Result<()> {
    match command {
        ZeroReportCommand::Status { db, json } => {
            let station = db.station().await?;
            let rows = station.zero_report_status().await?;
            if json {
                output::print_json(&serde_json::Value::Array(rows.iter().map(row_json).collect()));
            } else if rows.is_empty() {
                say!("当前响应等级（{}）不要求零报告。", station.level().name);
            } else {
                for r in &rows {
                    let last =
                        r.last_at.map_or("未报".to_string(), |t| format!("上次 {}", output::local_time(t)));
                    say!(
                        "{}（{}）\t{}\t截止 {}\t{last}",
                        r.village_name,
                        r.village_code,
                        r.state.name_zh(),
                        output::local_time(r.due_at)
                    );
                }
            }
        }
        ZeroReportCommand::Prefill { village, db, json } => {
            let station = db.station().await?;
            let p = station.zero_report_prefill(&village).await?;
            if json {
                output::print_json(&prefill_json(&p));
            } else {
                say!(
                    "{}（{}）自 {} 起：新增事件 {}，在办事件 {}，未研判告警 {}，离线终端 {}",
                    p.village_name,
                    p.village_code,
                    output::local_time(p.since),
                    p.new,
                    p.open,
                    p.untriaged_alerts,
                    p.offline_terminals
                );
            }
        }
        ZeroReportCommand::Record { village, new, open, note, db, json } => {
            let station = db.station().await?;
            let actor = identity.person(&station).await?;
            let prefill = station.zero_report_prefill(&village).await?;
            let record = station
                .record_zero_report(
                    &actor,
                    &prefill.village_code,
                    new.unwrap_or(prefill.new),
                    open.unwrap_or(prefill.open),
                    &note,
                )
                .await?;
            if json {
                output::print_json(&record_json(&record, &prefill.village_name));
            } else {
                say!(
                    "已代{}登记零报告：新增 {}，在办 {}{}",
                    prefill.village_name,
                    record.new_events,
                    record.open_events,
                    if record.contradicted { "（与事实不符，已标记）" } else { "" }
                );
            }
        }
    }
    Ok(())
}
